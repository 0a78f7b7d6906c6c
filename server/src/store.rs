//! The document store: one trait per aggregate, one `Store` that is all of them, and two
//! backends — `SqliteStore` (embedded default) and `MongoStore` (when `MONGODB_URI` is set).
//! Both pass the same contract suite (`tests/store_contract.rs`).

mod mongo;
mod sqlite;

pub use mongo::MongoStore;
pub use sqlite::SqliteStore;

use app::cv::{CvVersion, CvVersionSummary, SentPacket};
use app::model::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A sent packet as stored: the packet and the PDF's exact bytes (base64, so both stores keep
/// them in one record).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SentPacketRecord {
    #[serde(flatten)]
    pub packet: SentPacket,
    pub pdf_base64: String,
}

/// The driver's own error (rusqlite, mongodb, serde), or a sentence where there is none.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is taken: a job's dedupe key, a username.
    #[error("duplicate {key}")]
    Duplicate { key: String, existing_id: Option<String> },
    /// The backend cannot be reached.
    #[error("store unavailable: {0}")]
    Unavailable(#[source] BoxError),
    /// Anything else the backend reported.
    #[error("store error: {0}")]
    Backend(#[source] BoxError),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// An argon2 PHC string. Deliberately not `Serialize`, and its `Debug` hides the value, so a
/// hash can never end up in a response or a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(pub String);

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub password_hash: PasswordHash,
    /// A disabled user cannot sign in, and its sessions are ended.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: serde_json::Value,
}

/// Research cached per company. `company` is the name as shown (so the runbook's
/// `delete_many({"company": "Acme Corp"})` works); lookups go by `company_key(company)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyCacheEntry {
    pub company: String,
    /// The `company_research` layer's output, as it was when cached.
    pub research: app::outputs::Company,
    pub cached_at: DateTime<Utc>,
}

/// How long company research stays cached (the MongoDB TTL index uses the same figure).
pub const COMPANY_CACHE_TTL_SECONDS: i64 = 7 * 24 * 3600;

/// Lower-case, trimmed, inner whitespace collapsed: "  ACME  Corp " → "acme corp".
pub fn company_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Inserts a job; `Duplicate` (naming the existing job) when its dedupe key is taken.
    async fn insert_job(&self, job: &Job) -> StoreResult<()>;
    async fn get_job(&self, id: &str) -> StoreResult<Option<Job>>;
    /// Replaces a stored job whole; false when there is none with that id.
    async fn replace_job(&self, job: &Job) -> StoreResult<bool>;
    async fn delete_job(&self, id: &str) -> StoreResult<bool>;
    async fn list_jobs(&self, query: &JobQuery) -> StoreResult<JobPage>;
    /// Every status with its count (zero included), in `JobStatus::ALL` order.
    async fn count_jobs_by_status(&self) -> StoreResult<Vec<StatusCount>>;
}

#[async_trait]
pub trait RunStore: Send + Sync {
    /// Queues a run. `Duplicate` (naming the active run) when its job already has a run that
    /// is queued or processing.
    async fn insert_run(&self, run: &PipelineRun) -> StoreResult<()>;
    async fn get_run(&self, id: &str) -> StoreResult<Option<PipelineRun>>;
    /// Newest first.
    async fn list_runs(&self, filter: &RunQuery) -> StoreResult<Vec<PipelineRun>>;
    /// The newest run of each of `job_ids` that has one, in no particular order.
    async fn latest_runs(&self, job_ids: &[String]) -> StoreResult<Vec<PipelineRun>> {
        let queries: Vec<RunQuery> = job_ids
            .iter()
            .map(|id| RunQuery { job_id: Some(id.clone()), limit: 1, ..Default::default() })
            .collect();
        let found =
            futures_util::future::try_join_all(queries.iter().map(|q| self.list_runs(q))).await?;
        Ok(found.into_iter().flatten().collect())
    }
    /// Atomically takes the oldest claimable queued run (`available_at <= now`) for `worker`:
    /// it becomes processing with a lease until `now + lease` and one more attempt. No two
    /// workers, in this process or another, ever get the same run.
    async fn claim_run(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> StoreResult<Option<PipelineRun>>;
    /// Extends the lease while `worker` still holds the processing run; false when it does
    /// not (the run was cancelled, or its lease expired and the sweeper took it back).
    async fn renew_lease(&self, id: &str, worker: &str, until: DateTime<Utc>) -> StoreResult<bool>;
    /// Saves a run `worker` holds (layers, status, error); false when it no longer holds it.
    async fn save_run(&self, run: &PipelineRun, worker: &str) -> StoreResult<bool>;
    /// Processing runs whose lease ended before `now` go back to the queue, claimable after
    /// `backoff × attempt`, while attempts remain; otherwise they fail with the reason.
    /// Returns the runs it changed, as they are now.
    async fn expire_leases(
        &self,
        now: DateTime<Utc>,
        backoff: chrono::Duration,
    ) -> StoreResult<Vec<PipelineRun>>;
    /// Stops a queued or processing run with `status` (cancelled or failed) and `error`.
    /// Returns the run as it is now (unchanged when it had already finished), or `None` when
    /// there is no such run.
    async fn stop_run(
        &self,
        id: &str,
        status: RunStatus,
        error: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PipelineRun>>;

    async fn cancel_run(&self, id: &str, now: DateTime<Utc>) -> StoreResult<Option<PipelineRun>> {
        self.stop_run(id, RunStatus::Cancelled, None, now).await
    }
}

/// The uniqueness key that allows one active run per job: the job id while the run is queued
/// or processing, a per-run value once it has finished. A plain unique index enforces it on
/// every backend.
pub fn active_key(run: &PipelineRun) -> String {
    if run.status.is_active() { run.job_id.clone() } else { format!("done:{}", run.id) }
}

/// What a run looks like after its lease expired at `now`.
pub fn after_lost_lease(
    mut run: PipelineRun,
    now: DateTime<Utc>,
    backoff: chrono::Duration,
) -> PipelineRun {
    run.worker_id = None;
    run.lease_until = None;
    run.updated_at = now;
    if run.attempt < run.max_attempts {
        run.status = RunStatus::Queued;
        run.available_at = now + backoff * run.attempt as i32;
        run.error = Some(format!(
            "lease expired during attempt {} of {}; requeued",
            run.attempt, run.max_attempts
        ));
    } else {
        run.status = RunStatus::Failed;
        run.finished_at = Some(now);
        run.error = Some(format!(
            "lease expired on the last of {} attempts (the worker stopped answering)",
            run.max_attempts
        ));
    }
    run
}

/// What a run looks like once stopped (cancelled, or failed by an operator) at `now`.
pub fn stopped(
    mut run: PipelineRun,
    status: RunStatus,
    error: Option<String>,
    now: DateTime<Utc>,
) -> PipelineRun {
    run.status = status;
    run.error = error.or(run.error);
    run.worker_id = None;
    run.lease_until = None;
    run.finished_at = Some(now);
    run.updated_at = now;
    run
}

/// What a run looks like once `worker` claims it at `now`.
pub fn claimed(
    mut run: PipelineRun,
    worker: &str,
    now: DateTime<Utc>,
    lease: chrono::Duration,
) -> PipelineRun {
    run.status = RunStatus::Processing;
    run.worker_id = Some(worker.to_string());
    run.lease_until = Some(now + lease);
    run.attempt += 1;
    run.started_at.get_or_insert(now);
    run.updated_at = now;
    run
}

#[async_trait]
pub trait StarStore: Send + Sync {
    /// Oldest first, so the order is stable as records are added.
    async fn list_stars(&self) -> StoreResult<Vec<StarRecord>>;
    async fn get_star(&self, id: &str) -> StoreResult<Option<StarRecord>>;
    /// Inserts or replaces by id.
    async fn put_star(&self, star: &StarRecord) -> StoreResult<()>;
    async fn delete_star(&self, id: &str) -> StoreResult<bool>;
}

/// A job's CV versions. Numbers count from 1 per job; a number already taken is a
/// `Duplicate` (two saves based on the same version: the later one loses, nothing is lost).
#[async_trait]
pub trait CvStore: Send + Sync {
    /// Inserts a version, then drops the oldest versions beyond `keep` that were never marked
    /// as sent.
    async fn insert_cv_version(&self, version: &CvVersion, keep: u32) -> StoreResult<()>;
    async fn latest_cv_version(&self, job_id: &str) -> StoreResult<Option<CvVersion>>;
    async fn get_cv_version(&self, job_id: &str, number: u32) -> StoreResult<Option<CvVersion>>;
    /// Newest first.
    async fn list_cv_versions(&self, job_id: &str) -> StoreResult<Vec<CvVersionSummary>>;
    /// Marks (or, with `None`, unmarks) the version sent to the employer; false when absent.
    async fn mark_cv_version_sent(
        &self,
        job_id: &str,
        number: u32,
        at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool>;
    async fn delete_cv_versions(&self, job_id: &str) -> StoreResult<u64>;
    /// Stores a sent packet once: a second one for the same version is `Duplicate`.
    async fn insert_sent_packet(&self, record: &SentPacketRecord) -> StoreResult<()>;
    async fn get_sent_packet(
        &self,
        job_id: &str,
        number: u32,
    ) -> StoreResult<Option<SentPacketRecord>>;
}

#[async_trait]
pub trait ProfileStore: Send + Sync {
    async fn get_profile(&self) -> StoreResult<Option<Profile>>;
    async fn put_profile(&self, profile: &Profile) -> StoreResult<()>;
}

#[async_trait]
pub trait CompanyCacheStore: Send + Sync {
    /// The entry for a company (matched by `company_key`), unless older than the TTL.
    async fn get_company(&self, company: &str) -> StoreResult<Option<CompanyCacheEntry>>;
    /// Inserts or replaces the entry with the same `company_key`.
    async fn put_company(&self, entry: &CompanyCacheEntry) -> StoreResult<()>;
    /// Deletes one company (matched by `company_key`) or all; returns how many were removed.
    async fn delete_companies(&self, company: Option<&str>) -> StoreResult<u64>;
    /// Deletes entries cached before `before` (SQLite's stand-in for MongoDB's TTL index).
    async fn purge_companies(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// `Duplicate` when the username is taken.
    async fn insert_user(&self, user: &User) -> StoreResult<()>;
    async fn get_user(&self, username: &str) -> StoreResult<Option<User>>;
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    async fn set_password_hash(&self, username: &str, hash: &PasswordHash) -> StoreResult<bool>;
    async fn set_role(&self, username: &str, role: Role) -> StoreResult<bool>;
    async fn set_disabled(&self, username: &str, disabled: bool) -> StoreResult<bool>;
}

/// Sessions behind tokens (`sessions`): a token is honoured only while its session is live.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn insert_session(&self, session: &Session) -> StoreResult<()>;
    async fn get_session(&self, id: &str) -> StoreResult<Option<Session>>;
    /// Sessions that are live at `now` (of one user, or of all), newest first.
    async fn list_sessions(
        &self,
        username: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Session>>;
    /// Ends one session; false when there is none with that id or it had already ended.
    async fn revoke_session(&self, id: &str, at: DateTime<Utc>) -> StoreResult<bool>;
    /// Ends every live session of a user; returns how many.
    async fn revoke_user_sessions(&self, username: &str, at: DateTime<Utc>) -> StoreResult<u64>;
}

#[async_trait]
pub trait SettingsStore: Send + Sync {
    async fn get_setting(&self, key: &str) -> StoreResult<Option<serde_json::Value>>;
    async fn put_setting(&self, key: &str, value: &serde_json::Value) -> StoreResult<()>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// Newest first.
    async fn list_audit(&self, limit: u32) -> StoreResult<Vec<AuditEntry>>;
}

#[async_trait]
pub trait Store:
    JobStore
    + RunStore
    + StarStore
    + CvStore
    + ProfileStore
    + CompanyCacheStore
    + UserStore
    + SessionStore
    + SettingsStore
    + AuditStore
{
    /// `sqlite` or `mongodb`.
    fn backend(&self) -> &'static str;
    /// A cheap round trip to the backend.
    async fn ping(&self) -> StoreResult<()>;
}

pub type SharedStore = Arc<dyn Store>;

/// A new id: 12 hex digits of milliseconds then 12 random ones, so ids sort by creation time.
pub fn new_id() -> String {
    let millis = Utc::now().timestamp_millis().max(0) as u64;
    format!("{:012x}{:012x}", millis & 0xffff_ffff_ffff, rand::random::<u64>() & 0xffff_ffff_ffff)
}

/// The current time at the precision both backends store (milliseconds), so what is written
/// reads back equal.
pub fn now() -> DateTime<Utc> {
    from_millis(Utc::now().timestamp_millis())
}

pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Escapes text for literal use inside a regular expression (MongoDB `$regex`).
pub fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if "\\^$.|?*+()[]{}-/#&~ ".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes text for literal use in a SQL `LIKE` pattern with `ESCAPE '\'`.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_key_normalises_case_and_spaces() {
        assert_eq!(company_key("  ACME   Corp "), "acme corp");
    }

    #[test]
    fn like_and_regex_escapes_neutralise_metacharacters() {
        assert_eq!(escape_like("100%_a\\"), "100\\%\\_a\\\\");
        assert_eq!(escape_regex("c++ (sr.)"), "c\\+\\+\\ \\(sr\\.\\)");
    }

    #[test]
    fn ids_are_unique_and_time_ordered() {
        let a = new_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_id();
        assert_ne!(a, b);
        assert!(a[..12] < b[..12]);
        assert_eq!(a.len(), 24);
    }
}
