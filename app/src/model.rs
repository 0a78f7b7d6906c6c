//! Wire types shared by the server, the REST API and the browser.
//!
//! Everything here compiles for both `ssr` and `hydrate`, so it holds data only: no I/O.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A value outside a closed set, with the values that set accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value `{value}`; expected one of: {}", expected.join(", "))]
pub struct UnknownValue {
    pub value: String,
    pub expected: &'static [&'static str],
}

/// A value typed by a user that does not parse or is out of range, with why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadValue(pub String);

impl From<UnknownValue> for BadValue {
    fn from(e: UnknownValue) -> Self {
        BadValue(e.to_string())
    }
}

impl From<UnknownValue> for String {
    fn from(e: UnknownValue) -> String {
        e.to_string()
    }
}

string_enum! {
    /// Where a job is in the pipeline (DESIGN.md "Job and run states").
    JobStatus {
        New => "new",
        Queued => "queued",
        Processing => "processing",
        Ready => "ready",
        Failed => "failed",
        Archived => "archived",
    }
}

string_enum! {
    /// Where the candidate is with the application, tracked apart from the pipeline.
    ApplicationStage {
        NotApplied => "not_applied",
        Applied => "applied",
        Interviewing => "interviewing",
        Offer => "offer",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
    }
}

string_enum! {
    RemotePolicy {
        Onsite => "onsite",
        Hybrid => "hybrid",
        Remote => "remote",
        Unknown => "unknown",
    }
}

string_enum! {
    Role {
        Admin => "admin",
        Viewer => "viewer",
    }
}

string_enum! {
    /// Sortable job columns.
    JobSort {
        CreatedAt => "created_at",
        UpdatedAt => "updated_at",
        Title => "title",
        Company => "company",
        Score => "score",
    }
}

string_enum! {
    SortOrder {
        Asc => "asc",
        Desc => "desc",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct StageChange {
    pub stage: ApplicationStage,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Application {
    pub stage: ApplicationStage,
    pub history: Vec<StageChange>,
}

impl Application {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self {
            stage: ApplicationStage::NotApplied,
            history: vec![StageChange { stage: ApplicationStage::NotApplied, at }],
        }
    }

    /// Moves to `stage`, recording when; staying on the same stage records nothing.
    pub fn move_to(&mut self, stage: ApplicationStage, at: DateTime<Utc>) {
        if self.stage != stage {
            self.stage = stage;
            self.history.push(StageChange { stage, at });
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Job {
    pub id: String,
    pub title: String,
    pub company: String,
    pub location: String,
    pub remote_policy: RemotePolicy,
    pub url: Option<String>,
    /// Markdown, as posted. Rendered as escaped text, never as HTML.
    pub description: String,
    pub source: String,
    pub status: JobStatus,
    /// Why the last run failed; present only on failed jobs.
    pub error: Option<String>,
    pub application: Application,
    pub notes: String,
    pub score: Option<u8>,
    pub tags: Vec<String>,
    pub dedupe_key: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A job as a user submits it (`POST /api/jobs`, import rows, demo data).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewJob {
    pub title: String,
    pub company: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub remote_policy: Option<RemotePolicy>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub score: Option<u8>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A partial update (`PATCH /api/jobs/{id}`); absent fields are left alone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct JobPatch {
    pub title: Option<String>,
    pub company: Option<String>,
    pub location: Option<String>,
    pub remote_policy: Option<RemotePolicy>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub status: Option<JobStatus>,
    pub stage: Option<ApplicationStage>,
    pub notes: Option<String>,
    /// `null` clears the score.
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "ssr", schemars(with = "Option<u8>"))]
    pub score: Option<Option<u8>>,
    pub tags: Option<Vec<String>>,
}

/// Distinguishes "absent" (`None`) from "explicitly null" (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            None | Some(None) => s.serialize_none(),
            Some(Some(v)) => v.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

pub const MAX_PAGE_SIZE: u32 = 200;
pub const DEFAULT_PAGE_SIZE: u32 = 25;

/// A validated jobs-list query. Built from user input only by `JobQuery::from_pairs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct JobQuery {
    pub statuses: Vec<JobStatus>,
    /// Literal text matched case-insensitively against title, company and location.
    pub q: Option<String>,
    pub location: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub min_score: Option<u8>,
    pub sort: JobSort,
    pub order: SortOrder,
    pub page: u32,
    pub limit: u32,
}

impl Default for JobQuery {
    fn default() -> Self {
        Self {
            statuses: Vec::new(),
            q: None,
            location: None,
            created_from: None,
            created_to: None,
            min_score: None,
            sort: JobSort::CreatedAt,
            order: SortOrder::Desc,
            page: 1,
            limit: DEFAULT_PAGE_SIZE,
        }
    }
}

impl JobQuery {
    pub fn offset(&self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(self.limit)
    }

    /// Parses query-string pairs. Every key is known, every value is plain text: an unknown key
    /// (such as `status[$ne]`) or a malformed value is an error naming the parameter.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, QueryError> {
        let mut query = JobQuery::default();
        for (key, value) in pairs {
            let value = value.trim();
            let bad = |e: BadValue| QueryError { parameter: key.to_string(), message: e.0 };
            match key {
                "status" => {
                    // An empty value is what an untouched HTML select sends.
                    if !value.is_empty() {
                        query
                            .statuses
                            .push(value.parse().map_err(|e: UnknownValue| bad(e.into()))?);
                    }
                }
                "q" => query.q = non_empty(value, 200).map_err(bad)?,
                "location" => query.location = non_empty(value, 200).map_err(bad)?,
                "created_from" => query.created_from = parse_time(value).map_err(bad)?,
                "created_to" => query.created_to = parse_time(value).map_err(bad)?,
                "min_score" => {
                    query.min_score =
                        if value.is_empty() { None } else { Some(parse_score(value).map_err(bad)?) }
                }
                "sort" if !value.is_empty() => {
                    query.sort = value.parse().map_err(|e: UnknownValue| bad(e.into()))?
                }
                "order" if !value.is_empty() => {
                    query.order = value.parse().map_err(|e: UnknownValue| bad(e.into()))?
                }
                "sort" | "order" => {}
                "page" => query.page = parse_bounded(value, 1, 1_000_000).map_err(bad)?,
                "limit" => query.limit = parse_bounded(value, 1, MAX_PAGE_SIZE).map_err(bad)?,
                _ => return Err(QueryError::unknown(key)),
            }
        }
        created_range(query.created_from, query.created_to)?;
        Ok(query)
    }

    /// The query as URL pairs, for links that reproduce a view.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        for s in &self.statuses {
            pairs.push(("status", s.as_str().to_string()));
        }
        if let Some(q) = &self.q {
            pairs.push(("q", q.clone()));
        }
        if let Some(l) = &self.location {
            pairs.push(("location", l.clone()));
        }
        if let Some(t) = self.created_from {
            pairs.push(("created_from", t.to_rfc3339()));
        }
        if let Some(t) = self.created_to {
            pairs.push(("created_to", t.to_rfc3339()));
        }
        if let Some(m) = self.min_score {
            pairs.push(("min_score", m.to_string()));
        }
        pairs.push(("sort", self.sort.as_str().to_string()));
        pairs.push(("order", self.order.as_str().to_string()));
        pairs.push(("limit", self.limit.to_string()));
        pairs.push(("page", self.page.to_string()));
        pairs
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct QueryError {
    pub parameter: String,
    pub message: String,
}

impl QueryError {
    fn unknown(key: &str) -> Self {
        QueryError { parameter: key.to_string(), message: "unknown query parameter".into() }
    }
}

/// A `created_from` after `created_to` is a mistake worth naming.
fn created_range(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Result<(), QueryError> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(QueryError {
            parameter: "created_from".into(),
            message: "must not be after created_to".into(),
        }),
        _ => Ok(()),
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid query parameter `{}`: {}", self.parameter, self.message)
    }
}

fn non_empty(value: &str, max_chars: usize) -> Result<Option<String>, BadValue> {
    if value.chars().count() > max_chars {
        return Err(BadValue(format!("longer than {max_chars} characters")));
    }
    Ok((!value.is_empty()).then(|| value.to_string()))
}

/// Accepts RFC 3339, and the `YYYY-MM-DDTHH:MM` / `YYYY-MM-DD` forms that HTML date inputs send
/// (read as UTC).
pub fn parse_time(value: &str) -> Result<Option<DateTime<Utc>>, BadValue> {
    if value.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M") {
        return Ok(Some(t.and_utc()));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(Some(t.and_utc()));
    }
    Err(BadValue(format!("`{value}` is not a date-time; use RFC 3339, e.g. 2026-01-31T09:00:00Z")))
}

pub fn parse_score(value: &str) -> Result<u8, BadValue> {
    parse_bounded(value, 0, 100).map(|v| v as u8)
}

fn parse_bounded(value: &str, min: u32, max: u32) -> Result<u32, BadValue> {
    match value.parse::<u32>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(BadValue(format!("`{value}` is not a whole number from {min} to {max}"))),
    }
}

/// One page of a list, with the total count of its query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub limit: u32,
}

pub type JobPage = Page<Job>;

impl<T> Page<T> {
    /// The same page with each item changed by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            limit: self.limit,
        }
    }
}

/// A job as the REST API shows it: the job, and where its latest run is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct JobView {
    #[serde(flatten)]
    pub job: Job,
    /// `null` before the job's first run.
    pub latest_run: Option<RunSummary>,
}

/// A job's latest run and how to reach its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct RunSummary {
    pub id: String,
    pub status: RunStatus,
    /// The tier the run used: the fit score's pick once scored, else the one asked for.
    pub tier: TierChoice,
    pub fit_score: Option<u8>,
    pub finished_at: Option<DateTime<Utc>>,
    pub links: RunLinks,
}

/// Where a run and its documents are. The documents are there once the run finished with
/// them (a tier-D run has no cover letter); `POST` them for the PDF.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct RunLinks {
    pub run: String,
    pub events: String,
    pub cv: Option<String>,
    pub cover_letter: Option<String>,
    pub dossier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct StatusCount {
    pub status: JobStatus,
    pub count: u64,
}

/// The outcome of one row of an import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ImportRow {
    Created { row: usize, id: String },
    Duplicate { row: usize, existing_id: String },
    Error { row: usize, message: String },
}

/// Per-id outcome of a bulk action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct BulkResult {
    pub id: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A STAR achievement record of the candidate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct StarRecord {
    pub id: String,
    pub title: String,
    pub company: String,
    pub role: String,
    pub situation: String,
    pub task: String,
    pub actions: Vec<String>,
    pub results: Vec<String>,
    pub metrics: Vec<String>,
    pub skills: Vec<String>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A STAR record as a user submits it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StarInput {
    pub title: String,
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub role: String,
    pub situation: String,
    pub task: String,
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub results: Vec<String>,
    #[serde(default)]
    pub metrics: Vec<String>,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// The basics of a JSON Resume (`basics` object), the part the profile page edits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ProfileBasics {
    pub name: String,
    pub label: String,
    pub email: String,
    pub phone: String,
    pub url: String,
    pub summary: String,
    pub city: String,
    pub country_code: String,
}

/// The candidate's master CV: a JSON Resume document, kept whole, plus when it changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Profile {
    pub resume: serde_json::Value,
    pub updated_at: DateTime<Utc>,
}

impl Profile {
    pub fn basics(&self) -> ProfileBasics {
        let b = &self.resume["basics"];
        let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
        ProfileBasics {
            name: s(&b["name"]),
            label: s(&b["label"]),
            email: s(&b["email"]),
            phone: s(&b["phone"]),
            url: s(&b["url"]),
            summary: s(&b["summary"]),
            city: s(&b["location"]["city"]),
            country_code: s(&b["location"]["countryCode"]),
        }
    }
}

string_enum! {
    /// Where a pipeline run is (DESIGN.md "Job and run states").
    RunStatus {
        Queued => "queued",
        Processing => "processing",
        Completed => "completed",
        Partial => "partial",
        Failed => "failed",
        Cancelled => "cancelled",
    }
}

string_enum! {
    /// The pipeline's layers; `ALL` is their order.
    LayerName {
        JdExtraction => "jd_extraction",
        PainPoints => "pain_points",
        StarSelection => "star_selection",
        CompanyResearch => "company_research",
        RoleResearch => "role_research",
        FitScore => "fit_score",
        PeopleMapper => "people_mapper",
        Outreach => "outreach",
        CoverLetter => "cover_letter",
        CvGeneration => "cv_generation",
        Publish => "publish",
    }
}

string_enum! {
    /// One layer's state on a run.
    LayerStatus {
        Pending => "pending",
        Running => "running",
        Completed => "completed",
        Skipped => "skipped",
        /// Finished, with a result that deserves attention (e.g. nothing found).
        Warning => "warning",
        Failed => "failed",
    }
}

impl LayerStatus {
    /// Finished with a result a later layer (or a re-run from a failed layer) can build on.
    pub fn succeeded(self) -> bool {
        matches!(self, LayerStatus::Completed | LayerStatus::Warning)
    }

    /// Still to finish: pending or running.
    pub fn is_open(self) -> bool {
        matches!(self, LayerStatus::Pending | LayerStatus::Running)
    }
}

string_enum! {
    /// How much a run does for a job: the fit score picks it (A best); tier D skips the
    /// generation layers.
    Tier {
        A => "A",
        B => "B",
        C => "C",
        D => "D",
    }
}

impl Tier {
    /// The tier a fit score earns: A from 85, B from 70, C from 50, otherwise D.
    pub fn for_score(score: u8) -> Tier {
        match score {
            85.. => Tier::A,
            70.. => Tier::B,
            50.. => Tier::C,
            _ => Tier::D,
        }
    }
}

string_enum! {
    /// The tier asked for when a run is queued: a fixed tier, or `auto` (the fit score's).
    TierChoice {
        Auto => "auto",
        A => "A",
        B => "B",
        C => "C",
        D => "D",
    }
}

impl TierChoice {
    /// The fixed tier asked for, if any.
    pub fn fixed(self) -> Option<Tier> {
        match self {
            TierChoice::Auto => None,
            TierChoice::A => Some(Tier::A),
            TierChoice::B => Some(Tier::B),
            TierChoice::C => Some(Tier::C),
            TierChoice::D => Some(Tier::D),
        }
    }
}

impl From<Tier> for TierChoice {
    fn from(tier: Tier) -> Self {
        match tier {
            Tier::A => TierChoice::A,
            Tier::B => TierChoice::B,
            Tier::C => TierChoice::C,
            Tier::D => TierChoice::D,
        }
    }
}

impl RunStatus {
    /// Queued or processing: the run still holds its job.
    pub fn is_active(self) -> bool {
        matches!(self, RunStatus::Queued | RunStatus::Processing)
    }
}

/// A validated run-history query (`GET /api/pipeline-runs`, the Runs page, the store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct RunQuery {
    pub status: Option<RunStatus>,
    pub job_id: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// Newest first, at most this many (1–200).
    pub limit: u32,
}

impl Default for RunQuery {
    fn default() -> Self {
        RunQuery { status: None, job_id: None, created_from: None, created_to: None, limit: 50 }
    }
}

impl RunQuery {
    pub fn with_status(status: RunStatus, limit: u32) -> Self {
        RunQuery { status: Some(status), limit, ..Default::default() }
    }

    /// Parses query-string pairs; an unknown key or a malformed value is an error naming it.
    /// Empty values are what untouched form fields send and mean "no filter".
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, QueryError> {
        let mut query = RunQuery::default();
        for (key, value) in pairs {
            let value = value.trim();
            let bad = |e: BadValue| QueryError { parameter: key.to_string(), message: e.0 };
            match key {
                "status" if value.is_empty() => {}
                "status" => {
                    query.status = Some(value.parse().map_err(|e: UnknownValue| bad(e.into()))?)
                }
                "job_id" => query.job_id = non_empty(value, 64).map_err(bad)?,
                "created_from" => query.created_from = parse_time(value).map_err(bad)?,
                "created_to" => query.created_to = parse_time(value).map_err(bad)?,
                "limit" => query.limit = parse_bounded(value, 1, MAX_PAGE_SIZE).map_err(bad)?,
                _ => return Err(QueryError::unknown(key)),
            }
        }
        created_range(query.created_from, query.created_to)?;
        Ok(query)
    }
}

string_enum! {
    /// The kinds of server-sent event a run emits (`GET /api/pipeline-runs/{id}/events`).
    RunEventKind {
        LayerStarted => "layer_started",
        Log => "log",
        LayerFinished => "layer_finished",
        LayerFailed => "layer_failed",
        RunFinished => "run_finished",
    }
}

/// One layer's record on a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct LayerRun {
    pub name: LayerName,
    pub status: LayerStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
    pub provider: Option<String>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
    pub output: Option<serde_json::Value>,
    pub error: Option<String>,
    pub log: Vec<String>,
    /// The model that served the layer (none for the offline provider).
    #[serde(default)]
    pub model: Option<String>,
    /// HTTP calls made for the layer, including retries and repairs.
    #[serde(default)]
    pub calls: u32,
    #[serde(default)]
    pub retries: u32,
    /// Providers passed over before the one that served, each with the reason.
    #[serde(default)]
    pub fallbacks: Vec<String>,
    /// The prompt template and version used, e.g. `fit_score@1`.
    #[serde(default)]
    pub prompt_version: Option<String>,
}

impl LayerRun {
    /// A record with nothing measured yet.
    pub fn new(name: LayerName, status: LayerStatus) -> Self {
        LayerRun {
            name,
            status,
            started_at: None,
            finished_at: None,
            duration_ms: None,
            provider: None,
            input_tokens: 0,
            output_tokens: 0,
            cost_usd: 0.0,
            output: None,
            error: None,
            log: Vec::new(),
            model: None,
            calls: 0,
            retries: 0,
            fallbacks: Vec::new(),
            prompt_version: None,
        }
    }
}

/// A pipeline run: queued in the store, claimed by a worker under a lease.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct PipelineRun {
    pub id: String,
    pub job_id: String,
    pub status: RunStatus,
    /// The tier asked for: `auto`, `A`, `B`, `C` or `D`.
    pub tier: TierChoice,
    /// Claims so far; a lease that expires with attempts left sends the run back to the queue.
    pub attempt: u32,
    pub max_attempts: u32,
    /// The worker holding the run while it is processing.
    pub worker_id: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    /// Not claimable before this time (backoff after a lost lease).
    pub available_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub layers: Vec<LayerRun>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PipelineRun {
    /// A new queued run for `job_id`.
    pub fn queued(
        id: String,
        job_id: String,
        tier: TierChoice,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Self {
        PipelineRun {
            id,
            job_id,
            status: RunStatus::Queued,
            tier,
            attempt: 0,
            max_attempts,
            worker_id: None,
            lease_until: None,
            available_at: now,
            started_at: None,
            finished_at: None,
            error: None,
            layers: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }
}

/// Defaults of the runbook's operations, written once: the API, the Admin page's forms, the
/// CLI and the page's fields all use these (durations as `30m`, `24h`, `7d`).
pub const CLEAR_STUCK_OLDER_THAN: &str = "30m";
pub const RERUN_FAILED_SINCE: &str = "24h";

/// A signed-in caller: the stored user's name and role (never the role a token claims).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct UserInfo {
    pub username: String,
    pub role: Role,
    /// The name of the API token the request came with; `None` for a browser sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl UserInfo {
    pub fn new(username: impl Into<String>, role: Role) -> Self {
        UserInfo { username: username.into(), role, token: None }
    }

    /// How the audit log names this caller: `ana`, or `ana (token deploy)` for a named token.
    pub fn actor(&self) -> String {
        match &self.token {
            Some(name) => format!("{} (token {name})", self.username),
            None => self.username.clone(),
        }
    }
}

string_enum! {
    /// What a session was opened by: a sign-in (browser or `POST /api/auth/login`), or a
    /// long-lived token issued for scripts (`jobintel token issue`).
    SessionKind {
        SignIn => "sign_in",
        Token => "token",
    }
}

/// A session: every token carries the id of one, and a request is served only while its
/// session is live (not revoked, not expired) and its user is enabled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Session {
    pub id: String,
    pub username: String,
    pub kind: SessionKind,
    /// A token's name (the audit log names it); empty for sign-ins.
    pub name: String,
    /// The client address at sign-in (`cli` for issued tokens).
    pub client: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Session {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

string_enum! {
    /// A service's state in `/api/health`.
    #[derive(Default)]
    HealthStatus {
        Healthy => "healthy",
        Degraded => "degraded",
        Unhealthy => "unhealthy",
        /// Not set up in this process (no key, no runner): never fails `overall`.
        #[default]
        NotConfigured => "not_configured",
        /// Switched off by an operator.
        Disabled => "disabled",
    }
}

impl HealthStatus {
    /// Counts as up: healthy, or nothing to check.
    pub fn is_up(self) -> bool {
        matches!(self, HealthStatus::Healthy | HealthStatus::NotConfigured)
    }
}

string_enum! {
    /// A circuit breaker's state.
    BreakerState {
        Closed => "closed",
        Open => "open",
        HalfOpen => "half_open",
    }
}

/// A provider's breaker on the wire: its state, or `none` for a provider without one.
mod breaker_or_none {
    use super::BreakerState;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &Option<BreakerState>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(b.map_or("none", BreakerState::as_str))
    }

    #[cfg(feature = "ssr")]
    pub fn schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut states: Vec<&str> = BreakerState::ALL.iter().map(|b| b.as_str()).collect();
        states.push("none");
        schemars::json_schema!({ "type": "string", "enum": states })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<BreakerState>, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        match text.as_ref() {
            "none" => Ok(None),
            other => other.parse().map(Some).map_err(serde::de::Error::custom),
        }
    }
}

/// `/api/health` in the runbook's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Health {
    pub overall: HealthStatus,
    pub runner: RunnerHealth,
    pub mongodb: StoreHealth,
    pub pdf_service: ServiceHealth,
    /// LLM providers: configured or not, and their circuit breakers.
    #[serde(default)]
    pub llm: ExternalHealth,
    #[serde(default)]
    pub firecrawl: ExternalHealth,
    pub checked_at: DateTime<Utc>,
}

/// An external service family in `/api/health`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ExternalHealth {
    pub status: HealthStatus,
    /// Why it is not healthy, in words for the health panel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default)]
    pub providers: Vec<ProviderHealth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ProviderHealth {
    pub name: String,
    pub configured: bool,
    /// `closed`, `open`, `half_open`, or `none` for providers without a breaker.
    #[serde(with = "breaker_or_none")]
    #[cfg_attr(feature = "ssr", schemars(schema_with = "breaker_or_none::schema"))]
    pub breaker: Option<BreakerState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct RunnerHealth {
    pub status: HealthStatus,
    pub active_runs: u32,
    pub capacity_percent: u32,
    #[serde(default)]
    pub queued: u32,
    #[serde(default)]
    pub paused: bool,
    /// Why the pipeline is paused, when it paused itself (e.g. the daily LLM budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct StoreHealth {
    pub status: HealthStatus,
    pub backend: String,
    pub latency_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ServiceHealth {
    pub status: HealthStatus,
    /// The PDF renderer: whether Chromium runs with its own sandbox (`None` before its first
    /// launch), and why not when it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_queries_validate_every_parameter() {
        let q = RunQuery::from_pairs([
            ("status", "failed"),
            ("job_id", "j1"),
            ("created_from", "2026-11-01"),
            ("created_to", ""),
            ("limit", "10"),
        ])
        .unwrap();
        assert_eq!(q.status, Some(RunStatus::Failed));
        assert_eq!(q.job_id.as_deref(), Some("j1"));
        assert_eq!(q.created_from.unwrap().to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(q.created_to, None);
        assert_eq!(q.limit, 10);
        for (key, value) in
            [("status", "stuck"), ("limit", "201"), ("created_to", "soon"), ("job_id[$ne]", "x")]
        {
            assert_eq!(RunQuery::from_pairs([(key, value)]).unwrap_err().parameter, key);
        }
        let reversed =
            RunQuery::from_pairs([("created_from", "2026-11-02"), ("created_to", "2026-11-01")]);
        assert_eq!(reversed.unwrap_err().parameter, "created_from");
    }

    #[test]
    fn query_operators_in_keys_are_rejected_by_name() {
        let err = JobQuery::from_pairs([("status[$ne]", "x")]).unwrap_err();
        assert_eq!(err.parameter, "status[$ne]");
    }

    #[test]
    fn invalid_date_names_the_parameter() {
        let err = JobQuery::from_pairs([("created_from", "yesterday")]).unwrap_err();
        assert_eq!(err.parameter, "created_from");
        assert!(err.message.contains("yesterday"));
    }

    #[test]
    fn repeated_status_and_bounds_are_parsed() {
        let q = JobQuery::from_pairs([
            ("status", "new"),
            ("status", "ready"),
            ("limit", "200"),
            ("min_score", "70"),
        ])
        .unwrap();
        assert_eq!(q.statuses, vec![JobStatus::New, JobStatus::Ready]);
        assert_eq!(q.limit, 200);
        assert_eq!(q.min_score, Some(70));
        assert!(JobQuery::from_pairs([("limit", "201")]).is_err());
        assert!(JobQuery::from_pairs([("status", "{\"$ne\":null}")]).is_err());
    }

    #[test]
    fn query_round_trips_through_pairs() {
        let q = JobQuery::from_pairs([("q", "rust (senior)"), ("status", "new"), ("page", "3")])
            .unwrap();
        let pairs = q.to_pairs();
        let again = JobQuery::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))).unwrap();
        assert_eq!(q, again);
    }

    #[test]
    fn stage_history_records_changes_only() {
        let t = Utc::now();
        let mut a = Application::new(t);
        a.move_to(ApplicationStage::NotApplied, t);
        a.move_to(ApplicationStage::Applied, t);
        assert_eq!(a.history.len(), 2);
        assert_eq!(a.stage, ApplicationStage::Applied);
    }
}

/// Everything but RFC 3986's unreserved characters.
const COMPONENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encodes one URL component (a query key or value, or a path segment).
pub fn encode_component(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, COMPONENT).to_string()
}

/// Encodes pairs as a URL query string.
pub fn encode_query<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k.as_ref()), encode_component(v.as_ref())))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod encode_tests {
    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(super::encode_query(&[("q", "a&b=c d/é")]), "q=a%26b%3Dc%20d%2F%C3%A9");
    }
}
