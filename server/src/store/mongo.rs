//! The MongoDB store. Collection and field names follow the operations runbook, so its Python
//! snippets work unchanged: `jobs.status` is a string, `created_at` / `updated_at` are BSON
//! dates, a failed job carries `error`, `company_cache` is keyed by `company`.

use super::*;
use futures_util::TryStreamExt;
use mongodb::bson::{self, Bson, DateTime as BsonDate, Document, doc};
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, Database, IndexModel};
use serde::de::DeserializeOwned;
use std::time::Duration;

pub struct MongoStore {
    db: Database,
}

fn backend(e: impl Into<BoxError>) -> StoreError {
    StoreError::Backend(e.into())
}

fn mongo_err(e: mongodb::error::Error) -> StoreError {
    match *e.kind {
        ErrorKind::ServerSelection { .. }
        | ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. } => StoreError::Unavailable(e.into()),
        _ => StoreError::Backend(e.into()),
    }
}

fn is_duplicate(e: &mongodb::error::Error) -> bool {
    match &*e.kind {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == 11000,
        ErrorKind::Command(c) => c.code == 11000,
        _ => e.to_string().contains("E11000"),
    }
}

fn date(t: DateTime<Utc>) -> BsonDate {
    BsonDate::from_millis(t.timestamp_millis())
}

/// Fields a backend adds for its own lookups; they are not part of the wire types.
const BACKEND_FIELDS: &[&str] = &["company_key", "active_key"];

/// Turns the named date fields (RFC 3339 strings in serde) into BSON dates, or back, at any
/// depth — except inside `output`, which holds free-form layer results.
fn convert_dates(d: &mut Document, dates: &[&str], to_bson: bool) -> StoreResult<()> {
    for (key, value) in d.iter_mut() {
        if key == "output" {
            continue;
        }
        match value {
            Bson::String(s) if to_bson && dates.contains(&key.as_str()) => {
                let t = DateTime::parse_from_rfc3339(s).map_err(backend)?;
                *value = Bson::DateTime(BsonDate::from_millis(t.timestamp_millis()));
            }
            Bson::DateTime(t) if !to_bson && dates.contains(&key.as_str()) => {
                *value = Bson::String(from_millis(t.timestamp_millis()).to_rfc3339());
            }
            Bson::Document(inner) => convert_dates(inner, dates, to_bson)?,
            Bson::Array(items) => {
                for item in items {
                    if let Bson::Document(inner) = item {
                        convert_dates(inner, dates, to_bson)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Serialises a wire type into a document: `id` becomes `_id`, and the named date fields
/// become BSON dates.
fn to_doc<T: Serialize>(value: &T, dates: &[&str]) -> StoreResult<Document> {
    let mut d = bson::to_document(value).map_err(backend)?;
    if let Some(id) = d.remove("id") {
        d.insert("_id", id);
    }
    convert_dates(&mut d, dates, true)?;
    Ok(d)
}

/// The inverse of `to_doc`; `keep_id` maps `_id` back to `id`, otherwise it is dropped.
fn from_doc<T: DeserializeOwned>(mut d: Document, keep_id: bool, dates: &[&str]) -> StoreResult<T> {
    match d.remove("_id") {
        Some(id) if keep_id => {
            d.insert("id", id);
        }
        _ => {}
    }
    for field in BACKEND_FIELDS {
        d.remove(*field);
    }
    convert_dates(&mut d, dates, false)?;
    bson::from_document(d).map_err(backend)
}

#[derive(Serialize, Deserialize)]
struct StageDoc {
    stage: ApplicationStage,
    at: BsonDate,
}

#[derive(Serialize, Deserialize)]
struct ApplicationDoc {
    stage: ApplicationStage,
    history: Vec<StageDoc>,
}

#[derive(Serialize, Deserialize)]
struct JobDoc {
    #[serde(rename = "_id")]
    id: String,
    title: String,
    company: String,
    location: String,
    remote_policy: RemotePolicy,
    url: Option<String>,
    description: String,
    source: String,
    status: JobStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    application: ApplicationDoc,
    notes: String,
    score: Option<i32>,
    tags: Vec<String>,
    dedupe_key: String,
    created_at: BsonDate,
    updated_at: BsonDate,
}

impl From<&Job> for JobDoc {
    fn from(j: &Job) -> Self {
        JobDoc {
            id: j.id.clone(),
            title: j.title.clone(),
            company: j.company.clone(),
            location: j.location.clone(),
            remote_policy: j.remote_policy,
            url: j.url.clone(),
            description: j.description.clone(),
            source: j.source.clone(),
            status: j.status,
            error: j.error.clone(),
            application: ApplicationDoc {
                stage: j.application.stage,
                history: j
                    .application
                    .history
                    .iter()
                    .map(|h| StageDoc { stage: h.stage, at: date(h.at) })
                    .collect(),
            },
            notes: j.notes.clone(),
            score: j.score.map(i32::from),
            tags: j.tags.clone(),
            dedupe_key: j.dedupe_key.clone(),
            created_at: date(j.created_at),
            updated_at: date(j.updated_at),
        }
    }
}

impl From<JobDoc> for Job {
    fn from(d: JobDoc) -> Self {
        Job {
            id: d.id,
            title: d.title,
            company: d.company,
            location: d.location,
            remote_policy: d.remote_policy,
            url: d.url,
            description: d.description,
            source: d.source,
            status: d.status,
            error: d.error,
            application: Application {
                stage: d.application.stage,
                history: d
                    .application
                    .history
                    .into_iter()
                    .map(|h| StageChange {
                        stage: h.stage,
                        at: from_millis(h.at.timestamp_millis()),
                    })
                    .collect(),
            },
            notes: d.notes,
            score: d.score.map(|s| s.clamp(0, 100) as u8),
            tags: d.tags,
            dedupe_key: d.dedupe_key,
            created_at: from_millis(d.created_at.timestamp_millis()),
            updated_at: from_millis(d.updated_at.timestamp_millis()),
        }
    }
}

fn job_to_doc(job: &Job) -> StoreResult<Document> {
    bson::to_document(&JobDoc::from(job)).map_err(backend)
}

fn job_from_doc(d: Document) -> StoreResult<Job> {
    bson::from_document::<JobDoc>(d).map(Job::from).map_err(backend)
}

const RUN_DATES: &[&str] =
    &["created_at", "updated_at", "available_at", "lease_until", "started_at", "finished_at"];
const STAR_DATES: &[&str] = &["created_at", "updated_at"];
const AUDIT_DATES: &[&str] = &["at"];
const SESSION_DATES: &[&str] = &["created_at", "expires_at", "revoked_at"];
const CACHE_DATES: &[&str] = &["cached_at"];
const PROFILE_DATES: &[&str] = &["updated_at"];

impl MongoStore {
    /// Connects, checks the server answers, and creates the indexes.
    pub async fn connect(uri: &str, database: &str) -> StoreResult<Self> {
        let mut options = ClientOptions::parse(uri)
            .await
            .map_err(|e| StoreError::Unavailable(format!("invalid MONGODB_URI: {e}").into()))?;
        options.app_name = Some("jobintel".into());
        options.server_selection_timeout = Some(Duration::from_secs(5));
        options.connect_timeout = Some(Duration::from_secs(5));
        let client = Client::with_options(options).map_err(mongo_err)?;
        let store = Self { db: client.database(database) };
        store.ping().await?;
        store.create_indexes().await?;
        Ok(store)
    }

    fn coll(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
    }

    async fn create_indexes(&self) -> StoreResult<()> {
        let plain = |keys: Document| IndexModel::builder().keys(keys).build();
        let unique = |keys: Document| {
            IndexModel::builder()
                .keys(keys)
                .options(IndexOptions::builder().unique(true).build())
                .build()
        };
        let jobs = self.coll("jobs");
        jobs.create_index(plain(doc! {"status": 1, "created_at": -1})).await.map_err(mongo_err)?;
        jobs.create_index(plain(doc! {"created_at": -1})).await.map_err(mongo_err)?;
        jobs.create_index(unique(doc! {"dedupe_key": 1})).await.map_err(mongo_err)?;
        let runs = self.coll("pipeline_runs");
        runs.create_index(plain(doc! {"job_id": 1, "created_at": -1})).await.map_err(mongo_err)?;
        runs.create_index(plain(doc! {"status": 1, "created_at": -1})).await.map_err(mongo_err)?;
        runs.create_index(unique(doc! {"active_key": 1})).await.map_err(mongo_err)?;
        // Claims filter on status + available_at and sort by created_at. (An index with
        // available_at between the two is not used: SecantusDB, our test server, then drops
        // rows on an inclusive date bound.)
        runs.create_index(plain(doc! {"status": 1, "created_at": 1})).await.map_err(mongo_err)?;
        runs.create_index(plain(doc! {"status": 1, "lease_until": 1})).await.map_err(mongo_err)?;
        let cache = self.coll("company_cache");
        cache.create_index(unique(doc! {"company_key": 1})).await.map_err(mongo_err)?;
        cache.create_index(plain(doc! {"company": 1})).await.map_err(mongo_err)?;
        cache
            .create_index(
                IndexModel::builder()
                    .keys(doc! {"cached_at": 1})
                    .options(
                        IndexOptions::builder()
                            .expire_after(Duration::from_secs(COMPANY_CACHE_TTL_SECONDS as u64))
                            .build(),
                    )
                    .build(),
            )
            .await
            .map_err(mongo_err)?;
        self.coll("users").create_index(unique(doc! {"username": 1})).await.map_err(mongo_err)?;
        let sessions = self.coll("sessions");
        sessions
            .create_index(plain(doc! {"username": 1, "created_at": -1}))
            .await
            .map_err(mongo_err)?;
        // A session is of no use a day after it expired.
        sessions
            .create_index(
                IndexModel::builder()
                    .keys(doc! {"expires_at": 1})
                    .options(
                        IndexOptions::builder()
                            .expire_after(Duration::from_secs(24 * 3600))
                            .build(),
                    )
                    .build(),
            )
            .await
            .map_err(mongo_err)?;
        self.coll("audit_log").create_index(plain(doc! {"at": -1})).await.map_err(mongo_err)?;
        self.coll("cv_versions")
            .create_index(unique(doc! {"job_id": 1, "number": -1}))
            .await
            .map_err(mongo_err)?;
        self.coll("star_records")
            .create_index(plain(doc! {"created_at": 1}))
            .await
            .map_err(mongo_err)?;
        Ok(())
    }

    /// Inserts many jobs, skipping duplicates; returns how many were new (benchmark seeding).
    pub async fn insert_jobs_bulk(&self, jobs: Vec<Job>) -> StoreResult<u64> {
        let total = jobs.len() as u64;
        let docs = jobs.iter().map(job_to_doc).collect::<StoreResult<Vec<_>>>()?;
        match self.coll("jobs").insert_many(docs).ordered(false).await {
            Ok(r) => Ok(r.inserted_ids.len() as u64),
            Err(e) => match &*e.kind {
                ErrorKind::InsertMany(f) => {
                    Ok(total - f.write_errors.as_ref().map_or(0, |w| w.len() as u64))
                }
                _ => Err(mongo_err(e)),
            },
        }
    }
}

fn job_filter(q: &JobQuery) -> Document {
    let mut filter = doc! {};
    if !q.statuses.is_empty() {
        let values: Vec<&str> = q.statuses.iter().map(|s| s.as_str()).collect();
        filter.insert("status", doc! {"$in": values});
    }
    // User text only ever becomes an escaped, literal regex *value*, never a key or operator.
    let contains = |text: &str| doc! {"$regex": escape_regex(text), "$options": "i"};
    if let Some(text) = &q.q {
        filter.insert(
            "$or",
            vec![
                doc! {"title": contains(text)},
                doc! {"company": contains(text)},
                doc! {"location": contains(text)},
            ],
        );
    }
    if let Some(loc) = &q.location {
        filter.insert("location", contains(loc));
    }
    let mut created = doc! {};
    if let Some(t) = q.created_from {
        created.insert("$gte", date(t));
    }
    if let Some(t) = q.created_to {
        created.insert("$lte", date(t));
    }
    if !created.is_empty() {
        filter.insert("created_at", created);
    }
    if let Some(m) = q.min_score {
        filter.insert("score", doc! {"$gte": i32::from(m)});
    }
    filter
}

#[async_trait]
impl JobStore for MongoStore {
    async fn insert_job(&self, job: &Job) -> StoreResult<()> {
        match self.coll("jobs").insert_one(job_to_doc(job)?).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate(&e) => {
                let existing = self
                    .coll("jobs")
                    .find_one(doc! {"dedupe_key": &job.dedupe_key})
                    .await
                    .map_err(mongo_err)?
                    .and_then(|d| d.get_str("_id").ok().map(str::to_string));
                Err(StoreError::Duplicate { key: "dedupe_key".into(), existing_id: existing })
            }
            Err(e) => Err(mongo_err(e)),
        }
    }

    async fn get_job(&self, id: &str) -> StoreResult<Option<Job>> {
        self.coll("jobs")
            .find_one(doc! {"_id": id})
            .await
            .map_err(mongo_err)?
            .map(job_from_doc)
            .transpose()
    }

    async fn replace_job(&self, job: &Job) -> StoreResult<bool> {
        match self.coll("jobs").replace_one(doc! {"_id": &job.id}, job_to_doc(job)?).await {
            Ok(r) => Ok(r.matched_count > 0),
            Err(e) if is_duplicate(&e) => {
                Err(StoreError::Duplicate { key: "dedupe_key".into(), existing_id: None })
            }
            Err(e) => Err(mongo_err(e)),
        }
    }

    async fn delete_job(&self, id: &str) -> StoreResult<bool> {
        let r = self.coll("jobs").delete_one(doc! {"_id": id}).await.map_err(mongo_err)?;
        Ok(r.deleted_count > 0)
    }

    async fn list_jobs(&self, query: &JobQuery) -> StoreResult<JobPage> {
        let filter = job_filter(query);
        let jobs = self.coll("jobs");
        let total = jobs.count_documents(filter.clone()).await.map_err(mongo_err)?;
        let dir = match query.order {
            SortOrder::Asc => 1,
            SortOrder::Desc => -1,
        };
        let items: Vec<Document> = jobs
            .find(filter)
            .sort(doc! {query.sort.as_str(): dir, "_id": dir})
            .skip(query.offset())
            .limit(i64::from(query.limit))
            .await
            .map_err(mongo_err)?
            .try_collect()
            .await
            .map_err(mongo_err)?;
        Ok(JobPage {
            items: items.into_iter().map(job_from_doc).collect::<StoreResult<_>>()?,
            total,
            page: query.page,
            limit: query.limit,
        })
    }

    async fn count_jobs_by_status(&self) -> StoreResult<Vec<StatusCount>> {
        let groups: Vec<Document> = self
            .coll("jobs")
            .aggregate(vec![doc! {"$group": {"_id": "$status", "n": {"$sum": 1}}}])
            .await
            .map_err(mongo_err)?
            .try_collect()
            .await
            .map_err(mongo_err)?;
        let count_of = |status: &str| {
            groups
                .iter()
                .find(|g| g.get_str("_id").ok() == Some(status))
                .and_then(|g| match g.get("n") {
                    Some(Bson::Int32(n)) => Some(*n as u64),
                    Some(Bson::Int64(n)) => Some(*n as u64),
                    Some(Bson::Double(n)) => Some(*n as u64),
                    _ => None,
                })
                .unwrap_or(0)
        };
        Ok(JobStatus::ALL
            .iter()
            .map(|s| StatusCount { status: *s, count: count_of(s.as_str()) })
            .collect())
    }
}

fn run_to_doc(run: &PipelineRun) -> StoreResult<Document> {
    let mut d = to_doc(run, RUN_DATES)?;
    d.insert("active_key", active_key(run));
    Ok(d)
}

fn run_from_doc(d: Document) -> StoreResult<PipelineRun> {
    from_doc(d, true, RUN_DATES)
}

/// How often a claim retries after losing a compare-and-swap race to another worker.
const CLAIM_RACES: usize = 16;

impl MongoStore {
    fn runs(&self) -> Collection<Document> {
        self.coll("pipeline_runs")
    }

    async fn find_runs(
        &self,
        filter: Document,
        sort: Document,
        limit: i64,
    ) -> StoreResult<Vec<PipelineRun>> {
        let docs: Vec<Document> = self
            .runs()
            .find(filter)
            .sort(sort)
            .limit(limit)
            .await
            .map_err(mongo_err)?
            .try_collect()
            .await
            .map_err(mongo_err)?;
        docs.into_iter().map(run_from_doc).collect()
    }

    /// Replaces `run` with `next` only if the stored run is still exactly in `run`'s state
    /// (status, attempt, worker): a compare-and-swap, so two writers never both win.
    async fn swap_run(&self, run: &PipelineRun, next: &PipelineRun) -> StoreResult<bool> {
        let filter = doc! {
            "_id": &run.id,
            "status": run.status.as_str(),
            "attempt": run.attempt as i64,
            "worker_id": run.worker_id.as_deref().map_or(Bson::Null, |w| Bson::String(w.into())),
        };
        let r = self.runs().replace_one(filter, run_to_doc(next)?).await.map_err(mongo_err)?;
        Ok(r.matched_count > 0)
    }
}

#[async_trait]
impl RunStore for MongoStore {
    async fn insert_run(&self, run: &PipelineRun) -> StoreResult<()> {
        match self.runs().insert_one(run_to_doc(run)?).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate(&e) => {
                let existing = self
                    .runs()
                    .find_one(doc! {"active_key": &run.job_id})
                    .await
                    .map_err(mongo_err)?
                    .and_then(|d| d.get_str("_id").ok().map(str::to_string));
                Err(StoreError::Duplicate {
                    key: "active run for this job".into(),
                    existing_id: existing,
                })
            }
            Err(e) => Err(mongo_err(e)),
        }
    }

    async fn get_run(&self, id: &str) -> StoreResult<Option<PipelineRun>> {
        self.runs()
            .find_one(doc! {"_id": id})
            .await
            .map_err(mongo_err)?
            .map(run_from_doc)
            .transpose()
    }

    async fn list_runs(&self, filter: &RunQuery) -> StoreResult<Vec<PipelineRun>> {
        let mut f = doc! {};
        if let Some(s) = filter.status {
            f.insert("status", s.as_str());
        }
        if let Some(j) = &filter.job_id {
            f.insert("job_id", j.as_str());
        }
        let mut created = doc! {};
        if let Some(t) = filter.created_from {
            created.insert("$gte", date(t));
        }
        if let Some(t) = filter.created_to {
            created.insert("$lte", date(t));
        }
        if !created.is_empty() {
            f.insert("created_at", created);
        }
        self.find_runs(f, doc! {"created_at": -1, "_id": -1}, i64::from(filter.limit)).await
    }

    async fn claim_run(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> StoreResult<Option<PipelineRun>> {
        for _ in 0..CLAIM_RACES {
            let candidates = self
                .find_runs(
                    doc! {"status": "queued", "available_at": {"$lte": date(now)}},
                    doc! {"created_at": 1, "_id": 1},
                    1,
                )
                .await?;
            let Some(run) = candidates.into_iter().next() else { return Ok(None) };
            let next = claimed(run.clone(), worker, now, lease);
            if self.swap_run(&run, &next).await? {
                return Ok(Some(next));
            }
        }
        Ok(None)
    }

    async fn renew_lease(&self, id: &str, worker: &str, until: DateTime<Utc>) -> StoreResult<bool> {
        let r = self
            .runs()
            .update_one(
                doc! {"_id": id, "worker_id": worker, "status": "processing"},
                doc! {"$set": {"lease_until": date(until), "updated_at": date(now())}},
            )
            .await
            .map_err(mongo_err)?;
        Ok(r.matched_count > 0)
    }

    async fn save_run(&self, run: &PipelineRun, worker: &str) -> StoreResult<bool> {
        let r = self
            .runs()
            .replace_one(
                doc! {"_id": &run.id, "worker_id": worker, "status": "processing"},
                run_to_doc(run)?,
            )
            .await
            .map_err(mongo_err)?;
        Ok(r.matched_count > 0)
    }

    async fn expire_leases(
        &self,
        now: DateTime<Utc>,
        backoff: chrono::Duration,
    ) -> StoreResult<Vec<PipelineRun>> {
        let expired = self
            .find_runs(
                doc! {"status": "processing", "lease_until": {"$lt": date(now)}},
                doc! {"created_at": 1},
                1_000,
            )
            .await?;
        let mut changed = Vec::new();
        for run in expired {
            let next = after_lost_lease(run.clone(), now, backoff);
            if self.swap_run(&run, &next).await? {
                changed.push(next);
            }
        }
        Ok(changed)
    }

    async fn stop_run(
        &self,
        id: &str,
        status: RunStatus,
        error: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PipelineRun>> {
        for _ in 0..CLAIM_RACES {
            let Some(run) = self.get_run(id).await? else { return Ok(None) };
            if !run.status.is_active() {
                return Ok(Some(run));
            }
            let next = stopped(run.clone(), status, error.clone(), now);
            if self.swap_run(&run, &next).await? {
                return Ok(Some(next));
            }
        }
        Err(backend(format!("run {id} kept changing; stop not applied")))
    }
}

#[async_trait]
impl StarStore for MongoStore {
    async fn list_stars(&self) -> StoreResult<Vec<StarRecord>> {
        let docs: Vec<Document> = self
            .coll("star_records")
            .find(doc! {})
            .sort(doc! {"created_at": 1, "_id": 1})
            .await
            .map_err(mongo_err)?
            .try_collect()
            .await
            .map_err(mongo_err)?;
        docs.into_iter().map(|d| from_doc(d, true, STAR_DATES)).collect()
    }

    async fn get_star(&self, id: &str) -> StoreResult<Option<StarRecord>> {
        self.coll("star_records")
            .find_one(doc! {"_id": id})
            .await
            .map_err(mongo_err)?
            .map(|d| from_doc(d, true, STAR_DATES))
            .transpose()
    }

    async fn put_star(&self, star: &StarRecord) -> StoreResult<()> {
        self.coll("star_records")
            .replace_one(doc! {"_id": &star.id}, to_doc(star, STAR_DATES)?)
            .upsert(true)
            .await
            .map_err(mongo_err)?;
        Ok(())
    }

    async fn delete_star(&self, id: &str) -> StoreResult<bool> {
        let r = self.coll("star_records").delete_one(doc! {"_id": id}).await.map_err(mongo_err)?;
        Ok(r.deleted_count > 0)
    }
}

const CV_DATES: &[&str] = &["saved_at", "sent_at"];

#[async_trait]
impl CvStore for MongoStore {
    async fn insert_sent_packet(&self, record: &SentPacketRecord) -> StoreResult<()> {
        let mut d = to_doc(record, &["sent_at"])?;
        d.insert("_id", format!("{}:{}", record.packet.job_id, record.packet.version));
        match self.coll("sent_packets").insert_one(d).await {
            Err(e) if is_duplicate(&e) => {
                Err(StoreError::Duplicate { key: "sent_packet".into(), existing_id: None })
            }
            other => other.map(|_| ()).map_err(mongo_err),
        }
    }

    async fn get_sent_packet(
        &self,
        job_id: &str,
        number: u32,
    ) -> StoreResult<Option<SentPacketRecord>> {
        self.coll("sent_packets")
            .find_one(doc! {"_id": format!("{job_id}:{number}")})
            .await
            .map_err(mongo_err)?
            .map(|d| from_doc(d, false, &["sent_at"]))
            .transpose()
    }

    async fn insert_cv_version(&self, version: &CvVersion, keep: u32) -> StoreResult<()> {
        let versions = self.coll("cv_versions");
        let mut d = to_doc(version, CV_DATES)?;
        d.insert("_id", format!("{}:{}", version.job_id, version.number));
        match versions.insert_one(d).await {
            Err(e) if is_duplicate(&e) => {
                return Err(StoreError::Duplicate { key: "cv_version".into(), existing_id: None });
            }
            other => other.map_err(mongo_err)?,
        };
        let oldest_kept = versions
            .find_one(doc! {"job_id": &version.job_id})
            .sort(doc! {"number": -1})
            .skip(u64::from(keep.saturating_sub(1)))
            .await
            .map_err(mongo_err)?
            .and_then(|d| match d.get("number") {
                Some(Bson::Int32(n)) => Some(i64::from(*n)),
                Some(Bson::Int64(n)) => Some(*n),
                _ => None,
            });
        if let Some(n) = oldest_kept {
            versions
                .delete_many(
                    doc! {"job_id": &version.job_id, "sent_at": Bson::Null, "number": {"$lt": n}},
                )
                .await
                .map_err(mongo_err)?;
        }
        Ok(())
    }

    async fn latest_cv_version(&self, job_id: &str) -> StoreResult<Option<CvVersion>> {
        self.coll("cv_versions")
            .find_one(doc! {"job_id": job_id})
            .sort(doc! {"number": -1})
            .await
            .map_err(mongo_err)?
            .map(|d| from_doc(d, false, CV_DATES))
            .transpose()
    }

    async fn get_cv_version(&self, job_id: &str, number: u32) -> StoreResult<Option<CvVersion>> {
        self.coll("cv_versions")
            .find_one(doc! {"job_id": job_id, "number": i64::from(number)})
            .await
            .map_err(mongo_err)?
            .map(|d| from_doc(d, false, CV_DATES))
            .transpose()
    }

    async fn list_cv_versions(&self, job_id: &str) -> StoreResult<Vec<CvVersionSummary>> {
        let docs: Vec<Document> = self
            .coll("cv_versions")
            .find(doc! {"job_id": job_id})
            .projection(doc! {"document": 0})
            .sort(doc! {"number": -1})
            .await
            .map_err(mongo_err)?
            .try_collect()
            .await
            .map_err(mongo_err)?;
        docs.into_iter().map(|d| from_doc(d, false, CV_DATES)).collect()
    }

    async fn mark_cv_version_sent(
        &self,
        job_id: &str,
        number: u32,
        at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        let sent = at.map_or(Bson::Null, |t| Bson::DateTime(date(t)));
        let r = self
            .coll("cv_versions")
            .update_one(
                doc! {"job_id": job_id, "number": i64::from(number)},
                doc! {"$set": {"sent_at": sent}},
            )
            .await
            .map_err(mongo_err)?;
        Ok(r.matched_count > 0)
    }

    async fn delete_cv_versions(&self, job_id: &str) -> StoreResult<u64> {
        let r = self
            .coll("cv_versions")
            .delete_many(doc! {"job_id": job_id})
            .await
            .map_err(mongo_err)?;
        Ok(r.deleted_count)
    }
}

/// The master CV is a single document in `profile`.
const PROFILE_ID: &str = "master";

#[async_trait]
impl ProfileStore for MongoStore {
    async fn get_profile(&self) -> StoreResult<Option<Profile>> {
        self.coll("profile")
            .find_one(doc! {"_id": PROFILE_ID})
            .await
            .map_err(mongo_err)?
            .map(|d| from_doc(d, false, PROFILE_DATES))
            .transpose()
    }

    async fn put_profile(&self, profile: &Profile) -> StoreResult<()> {
        let mut d = to_doc(profile, PROFILE_DATES)?;
        d.insert("_id", PROFILE_ID);
        self.coll("profile")
            .replace_one(doc! {"_id": PROFILE_ID}, d)
            .upsert(true)
            .await
            .map_err(mongo_err)?;
        Ok(())
    }
}

#[async_trait]
impl CompanyCacheStore for MongoStore {
    async fn get_company(&self, company: &str) -> StoreResult<Option<CompanyCacheEntry>> {
        // The TTL monitor runs about once a minute; the date filter makes expiry exact.
        let oldest = date(Utc::now() - chrono::Duration::seconds(COMPANY_CACHE_TTL_SECONDS));
        self.coll("company_cache")
            .find_one(doc! {"company_key": company_key(company), "cached_at": {"$gte": oldest}})
            .await
            .map_err(mongo_err)?
            .map(|d| from_doc(d, false, CACHE_DATES))
            .transpose()
    }

    async fn put_company(&self, entry: &CompanyCacheEntry) -> StoreResult<()> {
        let key = company_key(&entry.company);
        let mut d = to_doc(entry, CACHE_DATES)?;
        d.insert("company_key", key.as_str());
        self.coll("company_cache")
            .replace_one(doc! {"company_key": &key}, d)
            .upsert(true)
            .await
            .map_err(mongo_err)?;
        Ok(())
    }

    async fn delete_companies(&self, company: Option<&str>) -> StoreResult<u64> {
        let filter = match company {
            Some(name) => doc! {"company_key": company_key(name)},
            None => doc! {},
        };
        let r = self.coll("company_cache").delete_many(filter).await.map_err(mongo_err)?;
        Ok(r.deleted_count)
    }

    async fn purge_companies(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let filter = doc! {"cached_at": {"$lt": date(before)}};
        let r = self.coll("company_cache").delete_many(filter).await.map_err(mongo_err)?;
        Ok(r.deleted_count)
    }
}

fn user_to_doc(u: &User) -> Document {
    doc! {
        "_id": &u.id,
        "username": &u.username,
        "role": u.role.as_str(),
        "password_hash": &u.password_hash.0,
        "disabled": u.disabled,
        "created_at": date(u.created_at),
        "updated_at": date(u.updated_at),
    }
}

fn user_from_doc(d: &Document) -> StoreResult<User> {
    let s = |k: &str| d.get_str(k).map(str::to_string).map_err(backend);
    let t = |k: &str| d.get_datetime(k).map(|t| from_millis(t.timestamp_millis())).map_err(backend);
    Ok(User {
        id: s("_id")?,
        username: s("username")?,
        role: s("role")?.parse().map_err(backend)?,
        password_hash: PasswordHash(s("password_hash")?),
        // Users written before accounts could be disabled have no field: enabled.
        disabled: d.get_bool("disabled").unwrap_or(false),
        created_at: t("created_at")?,
        updated_at: t("updated_at")?,
    })
}

#[async_trait]
impl UserStore for MongoStore {
    async fn insert_user(&self, user: &User) -> StoreResult<()> {
        match self.coll("users").insert_one(user_to_doc(user)).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate(&e) => {
                Err(StoreError::Duplicate { key: "username".into(), existing_id: None })
            }
            Err(e) => Err(mongo_err(e)),
        }
    }

    async fn get_user(&self, username: &str) -> StoreResult<Option<User>> {
        self.coll("users")
            .find_one(doc! {"username": username})
            .await
            .map_err(mongo_err)?
            .map(|d| user_from_doc(&d))
            .transpose()
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        let docs: Vec<Document> = self
            .coll("users")
            .find(doc! {})
            .sort(doc! {"username": 1})
            .await
            .map_err(mongo_err)?
            .try_collect()
            .await
            .map_err(mongo_err)?;
        docs.iter().map(user_from_doc).collect()
    }

    async fn set_password_hash(&self, username: &str, hash: &PasswordHash) -> StoreResult<bool> {
        self.update_user(username, doc! {"password_hash": &hash.0}).await
    }

    async fn set_role(&self, username: &str, role: Role) -> StoreResult<bool> {
        self.update_user(username, doc! {"role": role.as_str()}).await
    }

    async fn set_disabled(&self, username: &str, disabled: bool) -> StoreResult<bool> {
        self.update_user(username, doc! {"disabled": disabled}).await
    }
}

impl MongoStore {
    async fn update_user(&self, username: &str, mut fields: Document) -> StoreResult<bool> {
        fields.insert("updated_at", date(now()));
        let r = self
            .coll("users")
            .update_one(doc! {"username": username}, doc! {"$set": fields})
            .await
            .map_err(mongo_err)?;
        Ok(r.matched_count > 0)
    }
}

#[async_trait]
impl SessionStore for MongoStore {
    async fn insert_session(&self, session: &Session) -> StoreResult<()> {
        let d = to_doc(session, SESSION_DATES)?;
        self.coll("sessions").insert_one(d).await.map_err(mongo_err)?;
        Ok(())
    }

    async fn get_session(&self, id: &str) -> StoreResult<Option<Session>> {
        let d = self.coll("sessions").find_one(doc! {"_id": id}).await.map_err(mongo_err)?;
        d.map(|d| from_doc(d, true, SESSION_DATES)).transpose()
    }

    async fn list_sessions(
        &self,
        username: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Session>> {
        let mut filter = doc! {"revoked_at": Bson::Null, "expires_at": {"$gt": date(now)}};
        if let Some(u) = username {
            filter.insert("username", u);
        }
        let docs: Vec<Document> = self
            .coll("sessions")
            .find(filter)
            .sort(doc! {"created_at": -1, "_id": -1})
            .await
            .map_err(mongo_err)?
            .try_collect()
            .await
            .map_err(mongo_err)?;
        docs.into_iter().map(|d| from_doc(d, true, SESSION_DATES)).collect()
    }

    async fn revoke_session(&self, id: &str, at: DateTime<Utc>) -> StoreResult<bool> {
        let r = self
            .coll("sessions")
            .update_one(
                doc! {"_id": id, "revoked_at": Bson::Null},
                doc! {"$set": {"revoked_at": date(at)}},
            )
            .await
            .map_err(mongo_err)?;
        Ok(r.modified_count > 0)
    }

    async fn revoke_user_sessions(&self, username: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        let r = self
            .coll("sessions")
            .update_many(
                doc! {"username": username, "revoked_at": Bson::Null,
                "expires_at": {"$gt": date(at)}},
                doc! {"$set": {"revoked_at": date(at)}},
            )
            .await
            .map_err(mongo_err)?;
        Ok(r.modified_count)
    }
}

#[async_trait]
impl SettingsStore for MongoStore {
    async fn get_setting(&self, key: &str) -> StoreResult<Option<serde_json::Value>> {
        let doc = self.coll("settings").find_one(doc! {"_id": key}).await.map_err(mongo_err)?;
        match doc.and_then(|d| d.get("value").cloned()) {
            Some(v) => Ok(Some(bson::from_bson(v).map_err(backend)?)),
            None => Ok(None),
        }
    }

    async fn put_setting(&self, key: &str, value: &serde_json::Value) -> StoreResult<()> {
        let value = bson::to_bson(value).map_err(backend)?;
        self.coll("settings")
            .replace_one(
                doc! {"_id": key},
                doc! {"_id": key, "value": value, "updated_at": date(now())},
            )
            .upsert(true)
            .await
            .map_err(mongo_err)?;
        Ok(())
    }
}

#[async_trait]
impl AuditStore for MongoStore {
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.coll("audit_log").insert_one(to_doc(entry, AUDIT_DATES)?).await.map_err(mongo_err)?;
        Ok(())
    }

    async fn list_audit(&self, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let docs: Vec<Document> = self
            .coll("audit_log")
            .find(doc! {})
            .sort(doc! {"at": -1, "_id": -1})
            .limit(i64::from(limit))
            .await
            .map_err(mongo_err)?
            .try_collect()
            .await
            .map_err(mongo_err)?;
        docs.into_iter().map(|d| from_doc(d, true, AUDIT_DATES)).collect()
    }
}

#[async_trait]
impl Store for MongoStore {
    fn backend(&self) -> &'static str {
        "mongodb"
    }

    async fn ping(&self) -> StoreResult<()> {
        self.db.run_command(doc! {"ping": 1}).await.map_err(mongo_err)?;
        Ok(())
    }
}
