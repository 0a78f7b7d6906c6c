//! Pipeline runs: layers, statuses, tiers and where a run's results are.

use super::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
