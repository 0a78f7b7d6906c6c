//! Jobs: the postings, their queries and imports, and the candidate's records.

use super::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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

/// A job as the REST API shows it: the job, and where its latest run is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct JobView {
    #[serde(flatten)]
    pub job: Job,
    /// `null` before the job's first run.
    pub latest_run: Option<RunSummary>,
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
    pub resume: crate::resume::Resume,
    pub updated_at: DateTime<Utc>,
}

impl Profile {
    pub fn basics(&self) -> ProfileBasics {
        use crate::resume::text;
        let b = &self.resume.basics;
        let location = b.location.clone().unwrap_or_default();
        ProfileBasics {
            name: text(&b.name).into(),
            label: text(&b.label).into(),
            email: text(&b.email).into(),
            phone: text(&b.phone).into(),
            url: text(&b.url).into(),
            summary: text(&b.summary).into(),
            city: text(&location.city).into(),
            country_code: text(&location.country_code).into(),
        }
    }
}
