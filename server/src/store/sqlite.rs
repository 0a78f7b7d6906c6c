//! The embedded store: one SQLite file in the data directory. Calls run on the blocking pool;
//! one connection behind a mutex is plenty for a single-user tool and keeps writes serialised.

use super::*;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use std::path::Path;
use std::sync::Mutex;

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    company TEXT NOT NULL,
    location TEXT NOT NULL,
    remote_policy TEXT NOT NULL,
    url TEXT,
    description TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    stage TEXT NOT NULL,
    stage_history TEXT NOT NULL,
    notes TEXT NOT NULL,
    score INTEGER,
    tags TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX jobs_status_created ON jobs(status, created_at);
CREATE INDEX jobs_created ON jobs(created_at);
CREATE TABLE pipeline_runs (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX runs_job ON pipeline_runs(job_id, created_at);
CREATE INDEX runs_status ON pipeline_runs(status, created_at);
CREATE TABLE star_records (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE profile (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL);
CREATE TABLE company_cache (company TEXT PRIMARY KEY, cached_at INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE audit_log (id TEXT PRIMARY KEY, at INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX audit_at ON audit_log(at);
"#,
    r#"
ALTER TABLE pipeline_runs ADD COLUMN available_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pipeline_runs ADD COLUMN lease_until INTEGER;
ALTER TABLE pipeline_runs ADD COLUMN worker_id TEXT;
ALTER TABLE pipeline_runs ADD COLUMN active_key TEXT;
UPDATE pipeline_runs SET active_key = 'done:' || id;
CREATE UNIQUE INDEX runs_active_key ON pipeline_runs(active_key);
CREATE INDEX runs_claim ON pipeline_runs(status, available_at, created_at);
CREATE INDEX runs_lease ON pipeline_runs(status, lease_until);
"#,
    r#"
CREATE TABLE cv_versions (
    job_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    saved_at INTEGER NOT NULL,
    sent_at INTEGER,
    doc TEXT NOT NULL,
    PRIMARY KEY (job_id, number)
);
"#,
    r#"
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    client TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX sessions_user ON sessions(username, created_at);
CREATE INDEX sessions_expires ON sessions(expires_at);
"#,
    r#"
CREATE TABLE sent_packets (
    job_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (job_id, number)
);
"#,
];

pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn backend(e: impl Into<BoxError>) -> StoreError {
    StoreError::Backend(e.into())
}

fn to_json<T: Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(backend)
}

fn from_json<T: for<'de> Deserialize<'de>>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn parse_enum<T: std::str::FromStr<Err = app::model::UnknownValue>>(
    s: &str,
) -> rusqlite::Result<T> {
    s.parse().map_err(|e: app::model::UnknownValue| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

const JOB_COLUMNS: &str = "id, title, company, location, remote_policy, url, description, source, \
     status, error, stage, stage_history, notes, score, tags, dedupe_key, created_at, updated_at";

fn job_from_row(r: &Row<'_>) -> rusqlite::Result<Job> {
    let stage: String = r.get(10)?;
    let history: String = r.get(11)?;
    let tags: String = r.get(14)?;
    Ok(Job {
        id: r.get(0)?,
        title: r.get(1)?,
        company: r.get(2)?,
        location: r.get(3)?,
        remote_policy: parse_enum(&r.get::<_, String>(4)?)?,
        url: r.get(5)?,
        description: r.get(6)?,
        source: r.get(7)?,
        status: parse_enum(&r.get::<_, String>(8)?)?,
        error: r.get(9)?,
        application: Application { stage: parse_enum(&stage)?, history: from_json(&history)? },
        notes: r.get(12)?,
        score: r.get::<_, Option<i64>>(13)?.map(|s| s.clamp(0, 100) as u8),
        tags: from_json(&tags)?,
        dedupe_key: r.get(15)?,
        created_at: from_millis(r.get(16)?),
        updated_at: from_millis(r.get(17)?),
    })
}

fn job_values(job: &Job) -> StoreResult<Vec<SqlValue>> {
    Ok(vec![
        job.id.clone().into(),
        job.title.clone().into(),
        job.company.clone().into(),
        job.location.clone().into(),
        job.remote_policy.as_str().to_string().into(),
        job.url.clone().into(),
        job.description.clone().into(),
        job.source.clone().into(),
        job.status.as_str().to_string().into(),
        job.error.clone().into(),
        job.application.stage.as_str().to_string().into(),
        to_json(&job.application.history)?.into(),
        job.notes.clone().into(),
        job.score.map(i64::from).into(),
        to_json(&job.tags)?.into(),
        job.dedupe_key.clone().into(),
        job.created_at.timestamp_millis().into(),
        job.updated_at.timestamp_millis().into(),
    ])
}

impl SqliteStore {
    /// Opens (creating if needed) `jobintel.sqlite3` in `dir` and migrates it.
    pub async fn open(dir: &Path) -> StoreResult<Self> {
        let path = dir.join("jobintel.sqlite3");
        let conn = tokio::task::spawn_blocking(move || -> StoreResult<Connection> {
            let mut conn = Connection::open(&path).map_err(|e| {
                StoreError::Unavailable(format!("cannot open {}: {e}", path.display()).into())
            })?;
            conn.pragma_update(None, "journal_mode", "WAL").map_err(backend)?;
            conn.pragma_update(None, "synchronous", "NORMAL").map_err(backend)?;
            conn.pragma_update(None, "foreign_keys", "ON").map_err(backend)?;
            conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(backend)?;
            migrate(&mut conn)?;
            Ok(conn)
        })
        .await
        .map_err(backend)??;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn with<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| StoreError::Backend("sqlite connection poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(backend)?
    }

    /// Inserts many jobs in one transaction, skipping duplicates; returns how many were new.
    /// Used by the benchmark seeder, where one transaction per row would dominate.
    pub async fn insert_jobs_bulk(&self, jobs: Vec<Job>) -> StoreResult<u64> {
        self.with(move |c| {
            let tx = c.transaction().map_err(backend)?;
            let mut n = 0;
            {
                let sql = format!(
                    "INSERT OR IGNORE INTO jobs ({JOB_COLUMNS}) VALUES \
                     (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                );
                let mut stmt = tx.prepare(&sql).map_err(backend)?;
                for job in &jobs {
                    n += stmt.execute(params_from_iter(job_values(job)?)).map_err(backend)? as u64;
                }
            }
            tx.commit().map_err(backend)?;
            Ok(n)
        })
        .await
    }
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let version: usize = conn
        .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
        .map_err(backend)? as usize;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction().map_err(backend)?;
        tx.execute_batch(sql).map_err(backend)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(backend)?;
        tx.commit().map_err(backend)?;
    }
    Ok(())
}

/// The WHERE clause and its values for a jobs query; every user value is a bound parameter.
fn job_filter(q: &JobQuery) -> (String, Vec<SqlValue>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut values: Vec<SqlValue> = Vec::new();
    if !q.statuses.is_empty() {
        let marks = vec!["?"; q.statuses.len()].join(",");
        clauses.push(format!("status IN ({marks})"));
        values.extend(q.statuses.iter().map(|s| SqlValue::from(s.as_str().to_string())));
    }
    if let Some(text) = &q.q {
        let pattern = format!("%{}%", escape_like(text));
        clauses.push(
            "(title LIKE ? ESCAPE '\\' OR company LIKE ? ESCAPE '\\' OR location LIKE ? ESCAPE '\\')"
                .into(),
        );
        for _ in 0..3 {
            values.push(pattern.clone().into());
        }
    }
    if let Some(loc) = &q.location {
        clauses.push("location LIKE ? ESCAPE '\\'".into());
        values.push(format!("%{}%", escape_like(loc)).into());
    }
    if let Some(t) = q.created_from {
        clauses.push("created_at >= ?".into());
        values.push(t.timestamp_millis().into());
    }
    if let Some(t) = q.created_to {
        clauses.push("created_at <= ?".into());
        values.push(t.timestamp_millis().into());
    }
    if let Some(m) = q.min_score {
        clauses.push("score >= ?".into());
        values.push(i64::from(m).into());
    }
    let sql =
        if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    (sql, values)
}

#[async_trait]
impl JobStore for SqliteStore {
    async fn insert_job(&self, job: &Job) -> StoreResult<()> {
        let job = job.clone();
        self.with(move |c| {
            let sql = format!(
                "INSERT INTO jobs ({JOB_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            );
            match c.execute(&sql, params_from_iter(job_values(&job)?)) {
                Ok(_) => Ok(()),
                Err(e) if is_unique_violation(&e) => {
                    let existing: Option<String> = c
                        .query_row(
                            "SELECT id FROM jobs WHERE dedupe_key = ?",
                            [&job.dedupe_key],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(backend)?;
                    Err(StoreError::Duplicate { key: "dedupe_key".into(), existing_id: existing })
                }
                Err(e) => Err(backend(e)),
            }
        })
        .await
    }

    async fn get_job(&self, id: &str) -> StoreResult<Option<Job>> {
        let id = id.to_string();
        self.with(move |c| {
            c.query_row(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?"), [id], job_from_row)
                .optional()
                .map_err(backend)
        })
        .await
    }

    async fn replace_job(&self, job: &Job) -> StoreResult<bool> {
        let job = job.clone();
        self.with(move |c| {
            let mut values = job_values(&job)?;
            let id = values.remove(0);
            values.push(id);
            let sql = "UPDATE jobs SET title=?, company=?, location=?, remote_policy=?, url=?, \
                 description=?, source=?, status=?, error=?, stage=?, stage_history=?, notes=?, \
                 score=?, tags=?, dedupe_key=?, created_at=?, updated_at=? WHERE id=?";
            match c.execute(sql, params_from_iter(values)) {
                Ok(n) => Ok(n > 0),
                Err(e) if is_unique_violation(&e) => {
                    Err(StoreError::Duplicate { key: "dedupe_key".into(), existing_id: None })
                }
                Err(e) => Err(backend(e)),
            }
        })
        .await
    }

    async fn delete_job(&self, id: &str) -> StoreResult<bool> {
        let id = id.to_string();
        self.with(move |c| {
            Ok(c.execute("DELETE FROM jobs WHERE id = ?", [id]).map_err(backend)? > 0)
        })
        .await
    }

    async fn list_jobs(&self, query: &JobQuery) -> StoreResult<JobPage> {
        let q = query.clone();
        self.with(move |c| {
            let (filter, mut values) = job_filter(&q);
            let total: i64 = c
                .query_row(
                    &format!("SELECT COUNT(*) FROM jobs {filter}"),
                    params_from_iter(values.iter()),
                    |r| r.get(0),
                )
                .map_err(backend)?;
            let dir = match q.order {
                SortOrder::Asc => "ASC",
                SortOrder::Desc => "DESC",
            };
            // Column names come from the JobSort enum, never from user text.
            let sql = format!(
                "SELECT {JOB_COLUMNS} FROM jobs {filter} ORDER BY {} {dir}, id {dir} LIMIT ? OFFSET ?",
                q.sort.as_str()
            );
            values.push(i64::from(q.limit).into());
            values.push((q.offset() as i64).into());
            let mut stmt = c.prepare(&sql).map_err(backend)?;
            let items = stmt
                .query_map(params_from_iter(values.iter()), job_from_row)
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(JobPage { items, total: total as u64, page: q.page, limit: q.limit })
        })
        .await
    }

    async fn count_jobs_by_status(&self) -> StoreResult<Vec<StatusCount>> {
        self.with(|c| {
            let mut stmt =
                c.prepare("SELECT status, COUNT(*) FROM jobs GROUP BY status").map_err(backend)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(JobStatus::ALL
                .iter()
                .map(|s| StatusCount {
                    status: *s,
                    count: rows
                        .iter()
                        .find(|(name, _)| name == s.as_str())
                        .map_or(0, |(_, n)| *n as u64),
                })
                .collect())
        })
        .await
    }
}

const RUN_SELECT: &str = "SELECT doc FROM pipeline_runs";

fn run_from_row(r: &Row<'_>) -> rusqlite::Result<PipelineRun> {
    from_json(&r.get::<_, String>(0)?)
}

/// Inserts (`insert`) or updates a run, writing every column from the run itself so the
/// indexed columns and the document can never disagree.
fn write_run(c: &Connection, run: &PipelineRun, insert: bool) -> StoreResult<()> {
    let sql = if insert {
        "INSERT INTO pipeline_runs (status, available_at, lease_until, worker_id, active_key, doc, \
         created_at, job_id, id) VALUES (?,?,?,?,?,?,?,?,?)"
    } else {
        "UPDATE pipeline_runs SET status = ?, available_at = ?, lease_until = ?, worker_id = ?, \
         active_key = ?, doc = ?, created_at = ?, job_id = ? WHERE id = ?"
    };
    c.execute(
        sql,
        params![
            run.status.as_str(),
            run.available_at.timestamp_millis(),
            run.lease_until.map(|t| t.timestamp_millis()),
            run.worker_id,
            active_key(run),
            to_json(run)?,
            run.created_at.timestamp_millis(),
            run.job_id,
            run.id,
        ],
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate { key: "active run for this job".into(), existing_id: None }
        } else {
            backend(e)
        }
    })?;
    Ok(())
}

/// Runs `f` in a write transaction taken up front (`BEGIN IMMEDIATE`), so a read-then-write
/// is atomic against other connections and other processes too.
fn immediate<T>(
    c: &mut Connection,
    f: impl FnOnce(&Connection) -> StoreResult<T>,
) -> StoreResult<T> {
    let tx =
        c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(backend)?;
    let out = f(&tx)?;
    tx.commit().map_err(backend)?;
    Ok(out)
}

#[async_trait]
impl RunStore for SqliteStore {
    async fn insert_run(&self, run: &PipelineRun) -> StoreResult<()> {
        let run = run.clone();
        self.with(move |c| {
            immediate(c, |tx| match write_run(tx, &run, true) {
                Err(StoreError::Duplicate { key, .. }) => {
                    let existing = tx
                        .query_row(
                            "SELECT id FROM pipeline_runs WHERE active_key = ?",
                            [&run.job_id],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(backend)?;
                    Err(StoreError::Duplicate { key, existing_id: existing })
                }
                other => other,
            })
        })
        .await
    }

    async fn get_run(&self, id: &str) -> StoreResult<Option<PipelineRun>> {
        let id = id.to_string();
        self.with(move |c| {
            c.query_row(&format!("{RUN_SELECT} WHERE id = ?"), [id], run_from_row)
                .optional()
                .map_err(backend)
        })
        .await
    }

    async fn list_runs(&self, filter: &RunQuery) -> StoreResult<Vec<PipelineRun>> {
        let f = filter.clone();
        self.with(move |c| {
            let mut clauses = Vec::new();
            let mut values: Vec<SqlValue> = Vec::new();
            if let Some(s) = f.status {
                clauses.push("status = ?");
                values.push(s.as_str().to_string().into());
            }
            if let Some(j) = f.job_id {
                clauses.push("job_id = ?");
                values.push(j.into());
            }
            if let Some(t) = f.created_from {
                clauses.push("created_at >= ?");
                values.push(t.timestamp_millis().into());
            }
            if let Some(t) = f.created_to {
                clauses.push("created_at <= ?");
                values.push(t.timestamp_millis().into());
            }
            let filter = if clauses.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", clauses.join(" AND "))
            };
            values.push(i64::from(f.limit).into());
            let sql = format!("{RUN_SELECT} {filter} ORDER BY created_at DESC, id DESC LIMIT ?");
            let mut stmt = c.prepare(&sql).map_err(backend)?;
            let runs = stmt
                .query_map(params_from_iter(values.iter()), run_from_row)
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(runs)
        })
        .await
    }

    /// One query for a page of jobs: the newest run of each id (by the `runs_job` index).
    async fn latest_runs(&self, job_ids: &[String]) -> StoreResult<Vec<PipelineRun>> {
        let ids = serde_json::to_string(job_ids).map_err(backend)?;
        self.with(move |c| {
            let sql = format!(
                "{RUN_SELECT} WHERE id IN (SELECT (SELECT r.id FROM pipeline_runs r \
                 WHERE r.job_id = j.value ORDER BY r.created_at DESC, r.id DESC LIMIT 1) \
                 FROM json_each(?1) j)"
            );
            let mut stmt = c.prepare(&sql).map_err(backend)?;
            let runs = stmt
                .query_map([ids], run_from_row)
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(runs)
        })
        .await
    }

    async fn claim_run(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> StoreResult<Option<PipelineRun>> {
        let worker = worker.to_string();
        self.with(move |c| {
            immediate(c, |tx| {
                let next = tx
                    .query_row(
                        &format!(
                            "{RUN_SELECT} WHERE status = 'queued' AND available_at <= ? \
                             ORDER BY created_at, id LIMIT 1"
                        ),
                        [now.timestamp_millis()],
                        run_from_row,
                    )
                    .optional()
                    .map_err(backend)?;
                let Some(run) = next else { return Ok(None) };
                let run = claimed(run, &worker, now, lease);
                write_run(tx, &run, false)?;
                Ok(Some(run))
            })
        })
        .await
    }

    async fn renew_lease(&self, id: &str, worker: &str, until: DateTime<Utc>) -> StoreResult<bool> {
        let (id, worker) = (id.to_string(), worker.to_string());
        self.with(move |c| {
            immediate(c, |tx| {
                let held = tx
                    .query_row(
                        &format!(
                            "{RUN_SELECT} WHERE id = ? AND worker_id = ? AND status = 'processing'"
                        ),
                        params![id, worker],
                        run_from_row,
                    )
                    .optional()
                    .map_err(backend)?;
                let Some(mut run) = held else { return Ok(false) };
                run.lease_until = Some(until);
                run.updated_at = now();
                write_run(tx, &run, false)?;
                Ok(true)
            })
        })
        .await
    }

    async fn save_run(&self, run: &PipelineRun, worker: &str) -> StoreResult<bool> {
        let (run, worker) = (run.clone(), worker.to_string());
        self.with(move |c| {
            immediate(c, |tx| {
                let held: Option<String> = tx
                    .query_row(
                        "SELECT id FROM pipeline_runs WHERE id = ? AND worker_id = ? AND status = 'processing'",
                        params![run.id, worker],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(backend)?;
                if held.is_none() {
                    return Ok(false);
                }
                write_run(tx, &run, false)?;
                Ok(true)
            })
        })
        .await
    }

    async fn expire_leases(
        &self,
        now: DateTime<Utc>,
        backoff: chrono::Duration,
    ) -> StoreResult<Vec<PipelineRun>> {
        self.with(move |c| {
            immediate(c, |tx| {
                let expired = {
                    let mut stmt = tx
                        .prepare(&format!(
                            "{RUN_SELECT} WHERE status = 'processing' AND lease_until < ? ORDER BY created_at"
                        ))
                        .map_err(backend)?;
                    stmt.query_map([now.timestamp_millis()], run_from_row)
                        .map_err(backend)?
                        .collect::<rusqlite::Result<Vec<_>>>()
                        .map_err(backend)?
                };
                let mut changed = Vec::with_capacity(expired.len());
                for run in expired {
                    let run = after_lost_lease(run, now, backoff);
                    write_run(tx, &run, false)?;
                    changed.push(run);
                }
                Ok(changed)
            })
        })
        .await
    }

    async fn stop_run(
        &self,
        id: &str,
        status: RunStatus,
        error: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PipelineRun>> {
        let id = id.to_string();
        self.with(move |c| {
            immediate(c, |tx| {
                let run = tx
                    .query_row(&format!("{RUN_SELECT} WHERE id = ?"), [id], run_from_row)
                    .optional()
                    .map_err(backend)?;
                match run {
                    Some(run) if run.status.is_active() => {
                        let run = stopped(run, status, error, now);
                        write_run(tx, &run, false)?;
                        Ok(Some(run))
                    }
                    other => Ok(other),
                }
            })
        })
        .await
    }
}

#[async_trait]
impl StarStore for SqliteStore {
    async fn list_stars(&self) -> StoreResult<Vec<StarRecord>> {
        self.with(|c| {
            let mut stmt = c
                .prepare("SELECT doc FROM star_records ORDER BY created_at, id")
                .map_err(backend)?;
            let stars = stmt
                .query_map([], |r| from_json(&r.get::<_, String>(0)?))
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(stars)
        })
        .await
    }

    async fn get_star(&self, id: &str) -> StoreResult<Option<StarRecord>> {
        let id = id.to_string();
        self.with(move |c| {
            c.query_row("SELECT doc FROM star_records WHERE id = ?", [id], |r| {
                from_json(&r.get::<_, String>(0)?)
            })
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn put_star(&self, star: &StarRecord) -> StoreResult<()> {
        let star = star.clone();
        self.with(move |c| {
            c.execute(
                "INSERT INTO star_records (id, created_at, doc) VALUES (?,?,?) \
                 ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
                params![star.id, star.created_at.timestamp_millis(), to_json(&star)?],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn delete_star(&self, id: &str) -> StoreResult<bool> {
        let id = id.to_string();
        self.with(move |c| {
            Ok(c.execute("DELETE FROM star_records WHERE id = ?", [id]).map_err(backend)? > 0)
        })
        .await
    }
}

fn cv_version_row(r: &Row) -> rusqlite::Result<CvVersion> {
    let mut v: CvVersion = from_json(&r.get::<_, String>(0)?)?;
    v.sent_at = r.get::<_, Option<i64>>(1)?.map(from_millis);
    Ok(v)
}

#[async_trait]
impl CvStore for SqliteStore {
    async fn insert_sent_packet(&self, record: &SentPacketRecord) -> StoreResult<()> {
        let (job_id, number) = (record.packet.job_id.clone(), record.packet.version);
        let doc = to_json(record)?;
        self.with(move |c| {
            match c.execute(
                "INSERT INTO sent_packets (job_id, number, doc) VALUES (?,?,?)",
                params![job_id, number, doc],
            ) {
                Err(e) if is_unique_violation(&e) => {
                    Err(StoreError::Duplicate { key: "sent_packet".into(), existing_id: None })
                }
                other => other.map(|_| ()).map_err(backend),
            }
        })
        .await
    }

    async fn get_sent_packet(
        &self,
        job_id: &str,
        number: u32,
    ) -> StoreResult<Option<SentPacketRecord>> {
        let job_id = job_id.to_string();
        self.with(move |c| {
            c.query_row(
                "SELECT doc FROM sent_packets WHERE job_id = ? AND number = ?",
                params![job_id, number],
                |r| from_json(&r.get::<_, String>(0)?),
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn insert_cv_version(&self, version: &CvVersion, keep: u32) -> StoreResult<()> {
        let v = version.clone();
        self.with(move |c| {
            let tx = c.transaction().map_err(backend)?;
            let inserted = tx.execute(
                "INSERT INTO cv_versions (job_id, number, saved_at, sent_at, doc) VALUES (?,?,?,?,?)",
                params![
                    v.job_id,
                    v.number,
                    v.saved_at.timestamp_millis(),
                    v.sent_at.map(|t| t.timestamp_millis()),
                    to_json(&v)?
                ],
            );
            match inserted {
                Err(e) if is_unique_violation(&e) => {
                    return Err(StoreError::Duplicate { key: "cv_version".into(), existing_id: None });
                }
                other => other.map_err(backend)?,
            };
            tx.execute(
                "DELETE FROM cv_versions WHERE job_id = ?1 AND sent_at IS NULL AND number NOT IN \
                 (SELECT number FROM cv_versions WHERE job_id = ?1 ORDER BY number DESC LIMIT ?2)",
                params![v.job_id, keep],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn latest_cv_version(&self, job_id: &str) -> StoreResult<Option<CvVersion>> {
        let job_id = job_id.to_string();
        self.with(move |c| {
            c.query_row(
                "SELECT doc, sent_at FROM cv_versions WHERE job_id = ? ORDER BY number DESC LIMIT 1",
                [job_id],
                cv_version_row,
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn get_cv_version(&self, job_id: &str, number: u32) -> StoreResult<Option<CvVersion>> {
        let job_id = job_id.to_string();
        self.with(move |c| {
            c.query_row(
                "SELECT doc, sent_at FROM cv_versions WHERE job_id = ? AND number = ?",
                params![job_id, number],
                cv_version_row,
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn list_cv_versions(&self, job_id: &str) -> StoreResult<Vec<CvVersionSummary>> {
        let job_id = job_id.to_string();
        self.with(move |c| {
            let mut stmt = c
                .prepare(
                    "SELECT doc, sent_at FROM cv_versions WHERE job_id = ? ORDER BY number DESC",
                )
                .map_err(backend)?;
            let versions = stmt
                .query_map([job_id], |r| cv_version_row(r).map(|v| CvVersionSummary::from(&v)))
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(versions)
        })
        .await
    }

    async fn mark_cv_version_sent(
        &self,
        job_id: &str,
        number: u32,
        at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        let job_id = job_id.to_string();
        self.with(move |c| {
            let n = c
                .execute(
                    "UPDATE cv_versions SET sent_at = ? WHERE job_id = ? AND number = ?",
                    params![at.map(|t| t.timestamp_millis()), job_id, number],
                )
                .map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }

    async fn delete_cv_versions(&self, job_id: &str) -> StoreResult<u64> {
        let job_id = job_id.to_string();
        self.with(move |c| {
            Ok(c.execute("DELETE FROM cv_versions WHERE job_id = ?", [job_id]).map_err(backend)?
                as u64)
        })
        .await
    }
}

#[async_trait]
impl ProfileStore for SqliteStore {
    async fn get_profile(&self) -> StoreResult<Option<Profile>> {
        self.with(|c| {
            c.query_row("SELECT doc FROM profile WHERE id = 1", [], |r| {
                from_json(&r.get::<_, String>(0)?)
            })
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn put_profile(&self, profile: &Profile) -> StoreResult<()> {
        let doc = to_json(profile)?;
        self.with(move |c| {
            c.execute(
                "INSERT INTO profile (id, doc) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
                [doc],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl CompanyCacheStore for SqliteStore {
    async fn get_company(&self, company: &str) -> StoreResult<Option<CompanyCacheEntry>> {
        let company = company_key(company);
        let oldest = Utc::now().timestamp_millis() - COMPANY_CACHE_TTL_SECONDS * 1000;
        self.with(move |c| {
            c.query_row(
                "SELECT doc FROM company_cache WHERE company = ? AND cached_at >= ?",
                params![company, oldest],
                |r| from_json(&r.get::<_, String>(0)?),
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn put_company(&self, entry: &CompanyCacheEntry) -> StoreResult<()> {
        let entry = entry.clone();
        self.with(move |c| {
            c.execute(
                "INSERT INTO company_cache (company, cached_at, doc) VALUES (?,?,?) \
                 ON CONFLICT(company) DO UPDATE SET cached_at = excluded.cached_at, doc = excluded.doc",
                params![company_key(&entry.company), entry.cached_at.timestamp_millis(), to_json(&entry)?],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn delete_companies(&self, company: Option<&str>) -> StoreResult<u64> {
        let company = company.map(company_key);
        self.with(move |c| {
            let n = match company {
                Some(k) => c.execute("DELETE FROM company_cache WHERE company = ?", [k]),
                None => c.execute("DELETE FROM company_cache", []),
            }
            .map_err(backend)?;
            Ok(n as u64)
        })
        .await
    }

    async fn purge_companies(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.with(move |c| {
            let n = c
                .execute(
                    "DELETE FROM company_cache WHERE cached_at < ?",
                    [before.timestamp_millis()],
                )
                .map_err(backend)?;
            Ok(n as u64)
        })
        .await
    }
}

const USER_COLUMNS: &str = "id, username, role, password_hash, created_at, updated_at, disabled";

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        role: parse_enum(&r.get::<_, String>(2)?)?,
        password_hash: PasswordHash(r.get(3)?),
        created_at: from_millis(r.get(4)?),
        updated_at: from_millis(r.get(5)?),
        disabled: r.get(6)?,
    })
}

impl SqliteStore {
    /// Sets one column of a user (the column name comes from our code, never from input).
    async fn update_user(
        &self,
        username: &str,
        column: &'static str,
        value: SqlValue,
    ) -> StoreResult<bool> {
        let username = username.to_string();
        let at = now().timestamp_millis();
        self.with(move |c| {
            let sql = format!("UPDATE users SET {column} = ?, updated_at = ? WHERE username = ?");
            let n = c.execute(&sql, params![value, at, username]).map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn insert_user(&self, user: &User) -> StoreResult<()> {
        let u = user.clone();
        self.with(move |c| {
            match c.execute(
                &format!("INSERT INTO users ({USER_COLUMNS}) VALUES (?,?,?,?,?,?,?)"),
                params![
                    u.id,
                    u.username,
                    u.role.as_str(),
                    u.password_hash.0,
                    u.created_at.timestamp_millis(),
                    u.updated_at.timestamp_millis(),
                    u.disabled
                ],
            ) {
                Ok(_) => Ok(()),
                Err(e) if is_unique_violation(&e) => {
                    Err(StoreError::Duplicate { key: "username".into(), existing_id: None })
                }
                Err(e) => Err(backend(e)),
            }
        })
        .await
    }

    async fn get_user(&self, username: &str) -> StoreResult<Option<User>> {
        let username = username.to_string();
        self.with(move |c| {
            c.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?"),
                [username],
                user_from_row,
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        self.with(|c| {
            let mut stmt = c
                .prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY username"))
                .map_err(backend)?;
            let users = stmt
                .query_map([], user_from_row)
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(users)
        })
        .await
    }

    async fn set_password_hash(&self, username: &str, hash: &PasswordHash) -> StoreResult<bool> {
        self.update_user(username, "password_hash", SqlValue::Text(hash.0.clone())).await
    }

    async fn set_role(&self, username: &str, role: Role) -> StoreResult<bool> {
        self.update_user(username, "role", SqlValue::Text(role.as_str().into())).await
    }

    async fn set_disabled(&self, username: &str, disabled: bool) -> StoreResult<bool> {
        self.update_user(username, "disabled", SqlValue::Integer(disabled.into())).await
    }
}

const SESSION_COLUMNS: &str =
    "id, username, kind, name, client, created_at, expires_at, revoked_at";

fn session_from_row(r: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: r.get(0)?,
        username: r.get(1)?,
        kind: parse_enum(&r.get::<_, String>(2)?)?,
        name: r.get(3)?,
        client: r.get(4)?,
        created_at: from_millis(r.get(5)?),
        expires_at: from_millis(r.get(6)?),
        revoked_at: r.get::<_, Option<i64>>(7)?.map(from_millis),
    })
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn insert_session(&self, session: &Session) -> StoreResult<()> {
        let s = session.clone();
        self.with(move |c| {
            // Sessions that ended more than a day ago are of no further use (MongoDB's TTL
            // index does the same there).
            let day_ago = (now() - chrono::Duration::days(1)).timestamp_millis();
            c.execute("DELETE FROM sessions WHERE expires_at < ?", [day_ago]).map_err(backend)?;
            c.execute(
                &format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)"),
                params![
                    s.id,
                    s.username,
                    s.kind.as_str(),
                    s.name,
                    s.client,
                    s.created_at.timestamp_millis(),
                    s.expires_at.timestamp_millis(),
                    s.revoked_at.map(|t| t.timestamp_millis())
                ],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn get_session(&self, id: &str) -> StoreResult<Option<Session>> {
        let id = id.to_string();
        self.with(move |c| {
            c.query_row(
                &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?"),
                [id],
                session_from_row,
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn list_sessions(
        &self,
        username: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Session>> {
        let username = username.map(str::to_string);
        self.with(move |c| {
            let mut stmt = c
                .prepare(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE revoked_at IS NULL \
                     AND expires_at > ?1 AND (?2 IS NULL OR username = ?2) \
                     ORDER BY created_at DESC, id DESC"
                ))
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![now.timestamp_millis(), username], session_from_row)
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(rows)
        })
        .await
    }

    async fn revoke_session(&self, id: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        let id = id.to_string();
        self.with(move |c| {
            let n = c
                .execute(
                    "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                    params![at.timestamp_millis(), id],
                )
                .map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }

    async fn revoke_user_sessions(&self, username: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        let username = username.to_string();
        self.with(move |c| {
            let n = c
                .execute(
                    "UPDATE sessions SET revoked_at = ?1 WHERE username = ?2 \
                     AND revoked_at IS NULL AND expires_at > ?1",
                    params![at.timestamp_millis(), username],
                )
                .map_err(backend)?;
            Ok(n as u64)
        })
        .await
    }
}

#[async_trait]
impl SettingsStore for SqliteStore {
    async fn get_setting(&self, key: &str) -> StoreResult<Option<serde_json::Value>> {
        let key = key.to_string();
        self.with(move |c| {
            c.query_row("SELECT value FROM settings WHERE key = ?", [key], |r| {
                from_json(&r.get::<_, String>(0)?)
            })
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn put_setting(&self, key: &str, value: &serde_json::Value) -> StoreResult<()> {
        let (key, value) = (key.to_string(), to_json(value)?);
        self.with(move |c| {
            c.execute(
                "INSERT INTO settings (key, value) VALUES (?,?) \
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let entry = entry.clone();
        self.with(move |c| {
            c.execute(
                "INSERT INTO audit_log (id, at, doc) VALUES (?,?,?)",
                params![entry.id, entry.at.timestamp_millis(), to_json(&entry)?],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn list_audit(&self, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        self.with(move |c| {
            let mut stmt = c
                .prepare("SELECT doc FROM audit_log ORDER BY at DESC, id DESC LIMIT ?")
                .map_err(backend)?;
            let rows = stmt
                .query_map([i64::from(limit)], |r| from_json(&r.get::<_, String>(0)?))
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(rows)
        })
        .await
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StoreResult<()> {
        self.with(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(backend)).await
    }
}
