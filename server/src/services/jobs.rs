//! Jobs: validation, dedupe, import, edits and bulk actions.

use super::{Actor, Services, require_admin};
use crate::error::{ServiceError, ServiceResult};
use crate::store::{self, StoreError};
use app::error::AppError;
use app::model::*;

const MAX_TITLE: usize = 300;
const MAX_DESCRIPTION: usize = 100_000;
const MAX_NOTES: usize = 20_000;
const MAX_URL: usize = 2_048;
const MAX_TAGS: usize = 50;
const MAX_TAG: usize = 60;
/// Rows per import and ids per bulk action.
pub const MAX_IMPORT_ROWS: usize = 5_000;
pub const MAX_BULK_IDS: usize = 500;

/// `company|title|location`, each lower-cased with punctuation folded to single spaces, so the
/// same posting imported twice (or re-typed with other capitals) is recognised.
pub fn dedupe_key(company: &str, title: &str, location: &str) -> String {
    let norm = |s: &str| {
        s.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!("{}|{}|{}", norm(company), norm(title), norm(location))
}

fn text(field: &str, value: &str, required: bool, max: usize) -> Result<String, AppError> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(AppError::Invalid(format!("`{field}` must not be empty")));
    }
    if v.chars().count() > max {
        return Err(AppError::Invalid(format!("`{field}` is longer than {max} characters")));
    }
    Ok(v.to_string())
}

fn url(value: Option<&str>) -> Result<Option<String>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(u) if u.len() > MAX_URL => {
            Err(AppError::Invalid(format!("`url` is longer than {MAX_URL} characters")))
        }
        Some(u) if u.starts_with("https://") || u.starts_with("http://") => Ok(Some(u.to_string())),
        Some(_) => Err(AppError::Invalid("`url` must start with http:// or https://".into())),
    }
}

fn score(value: Option<u8>) -> Result<Option<u8>, AppError> {
    match value {
        Some(s) if s > 100 => Err(AppError::Invalid(format!("`score` must be 0–100, got {s}"))),
        other => Ok(other),
    }
}

fn tags(values: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for t in values.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if t.chars().count() > MAX_TAG {
            return Err(AppError::Invalid(format!(
                "tag `{t}` is longer than {MAX_TAG} characters"
            )));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            out.push(t.to_string());
        }
    }
    if out.len() > MAX_TAGS {
        return Err(AppError::Invalid(format!("at most {MAX_TAGS} tags")));
    }
    Ok(out)
}

/// Splits "a, b; c" into tags.
pub fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';']).map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect()
}

/// When the poster did not say, infer the remote policy from the location and title.
fn infer_remote(location: &str, title: &str) -> RemotePolicy {
    let text = format!("{location} {title}").to_lowercase();
    if text.contains("hybrid") {
        RemotePolicy::Hybrid
    } else if text.contains("remote") {
        RemotePolicy::Remote
    } else if location.trim().is_empty() {
        RemotePolicy::Unknown
    } else {
        RemotePolicy::Onsite
    }
}

/// Validates a submitted job and builds the stored one, created `now`.
pub fn build_job(new: NewJob, now: chrono::DateTime<chrono::Utc>) -> Result<Job, AppError> {
    let title = text("title", &new.title, true, MAX_TITLE)?;
    let company = text("company", &new.company, true, MAX_TITLE)?;
    let location = text("location", &new.location, false, MAX_TITLE)?;
    let description = text("description", &new.description, false, MAX_DESCRIPTION)?;
    let source = text("source", new.source.as_deref().unwrap_or("manual"), false, 100)?;
    Ok(Job {
        id: store::new_id(),
        remote_policy: new.remote_policy.unwrap_or_else(|| infer_remote(&location, &title)),
        dedupe_key: dedupe_key(&company, &title, &location),
        url: url(new.url.as_deref())?,
        source: if source.is_empty() { "manual".into() } else { source },
        status: JobStatus::New,
        error: None,
        application: Application::new(now),
        notes: text("notes", new.notes.as_deref().unwrap_or(""), false, MAX_NOTES)?,
        score: score(new.score)?,
        tags: tags(&new.tags)?,
        title,
        company,
        location,
        description,
        created_at: now,
        updated_at: now,
    })
}

/// Parses an import body into rows: a JSON array of jobs, or CSV with a header row.
/// A malformed body as a whole is an error; a bad row is reported as that row's error.
/// The link of an import body `{"url": "…"}`; `None` for any other body.
/// An import that fetches: a posting's link or a whole board.
enum Fetching {
    Link(String),
    Board(crate::postings::BoardRequest),
}

/// The fetch an import body `{"url": "…"}` or `{"board": {…}}` asks for; `None` for any
/// other body.
fn import_fetch(body: &str) -> Result<Option<Fetching>, AppError> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(body) else { return Ok(None) };
    let only = |key: &str| fields.len() == 1 && fields.contains_key(key);
    if only("board") {
        let board = serde_json::from_value(fields["board"].clone())
            .map_err(|e| AppError::Invalid(format!("`board`: {e}")))?;
        return Ok(Some(Fetching::Board(board)));
    }
    if !only("url") {
        // A job or a posting that has a `url` among its fields, not a link to fetch.
        return Ok(None);
    }
    match &fields["url"] {
        serde_json::Value::String(url) if !url.trim().is_empty() => {
            Ok(Some(Fetching::Link(url.clone())))
        }
        _ => Err(AppError::Invalid("an import by link is `{\"url\": \"https://…\"}`".into())),
    }
}

pub fn parse_import(
    body: &str,
    content_type: &str,
) -> Result<Vec<Result<NewJob, BadValue>>, AppError> {
    let trimmed = body.trim_start();
    if trimmed.is_empty() {
        return Err(AppError::Invalid("the import is empty".into()));
    }
    // A board's payload (Greenhouse, Lever, Ashby) or a page with a JobPosting in JSON-LD.
    if let Some(postings) = crate::postings::parse(body) {
        let postings = postings?;
        if postings.len() > MAX_IMPORT_ROWS {
            return Err(AppError::TooLarge(format!("at most {MAX_IMPORT_ROWS} rows per import")));
        }
        return Ok(postings.into_iter().map(|p| Ok(p.into_new_job())).collect());
    }
    let rows = if content_type.contains("json") || trimmed.starts_with('[') {
        let values: Vec<serde_json::Value> = serde_json::from_str(body)
            .map_err(|e| AppError::BadRequest(format!("expected a JSON array of jobs: {e}")))?;
        values
            .into_iter()
            .map(|v| serde_json::from_value::<NewJob>(v).map_err(|e| BadValue(e.to_string())))
            .collect::<Vec<_>>()
    } else {
        parse_csv(body)?
    };
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(AppError::TooLarge(format!("at most {MAX_IMPORT_ROWS} rows per import")));
    }
    Ok(rows)
}

const CSV_COLUMNS: &[&str] = &[
    "title",
    "company",
    "location",
    "remote_policy",
    "url",
    "description",
    "source",
    "tags",
    "score",
    "notes",
];

fn parse_csv(body: &str) -> Result<Vec<Result<NewJob, BadValue>>, AppError> {
    let mut reader =
        csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(body.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::BadRequest(format!("cannot read the CSV header: {e}")))?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    if let Some(unknown) = headers.iter().find(|h| !CSV_COLUMNS.contains(&h.as_str())) {
        return Err(AppError::BadRequest(format!(
            "unknown CSV column `{unknown}`; expected some of: {}",
            CSV_COLUMNS.join(", ")
        )));
    }
    for required in ["title", "company"] {
        if !headers.iter().any(|h| h == required) {
            return Err(AppError::BadRequest(format!("the CSV header has no `{required}` column")));
        }
    }
    Ok(reader
        .records()
        .map(|record| {
            let record = record.map_err(|e| BadValue(e.to_string()))?;
            let get = |name: &str| {
                headers
                    .iter()
                    .position(|h| h == name)
                    .and_then(|i| record.get(i))
                    .unwrap_or("")
                    .to_string()
            };
            let remote = get("remote_policy");
            let score_text = get("score");
            Ok(NewJob {
                title: get("title"),
                company: get("company"),
                location: get("location"),
                remote_policy: if remote.is_empty() { None } else { Some(remote.parse()?) },
                url: Some(get("url")),
                description: get("description"),
                source: Some(get("source")).filter(|s| !s.is_empty()).or(Some("import".into())),
                notes: Some(get("notes")),
                score: if score_text.is_empty() { None } else { Some(parse_score(&score_text)?) },
                tags: split_list(&get("tags")),
            })
        })
        .collect())
}

impl Services {
    pub async fn create_job(&self, user: &UserInfo, new: NewJob) -> ServiceResult<Job> {
        require_admin(user)?;
        let job = build_job(new, self.now())?;
        self.store.insert_job(&job).await.map_err(|e| duplicate_job(e, &job))?;
        self.audit(&user.actor(), "job.create", &job.id, serde_json::Value::Null).await;
        Ok(job)
    }

    /// Imports rows one by one; each gets its own result and nothing valid is lost to a bad row.
    pub async fn import_jobs(
        &self,
        actor: impl Into<Actor<'_>>,
        body: &str,
        content_type: &str,
    ) -> ServiceResult<Vec<ImportRow>> {
        let who = actor.into().admin()?;
        let rows = match import_fetch(body)? {
            Some(fetching) => {
                let fetcher = crate::fetch::Fetcher::new(self.config.import.allow_hosts.clone());
                let apis = &self.config.import;
                let postings = match fetching {
                    Fetching::Link(url) => crate::postings::from_url(&fetcher, apis, &url).await?,
                    Fetching::Board(b) => crate::postings::from_board(&fetcher, apis, &b).await?,
                };
                postings.into_iter().map(|p| Ok(p.into_new_job())).collect()
            }
            None => parse_import(body, content_type)?,
        };
        let mut results = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            let row_no = i + 1;
            let outcome =
                match row.map_err(AppError::from).and_then(|new| build_job(new, self.now())) {
                    Err(e) => ImportRow::Error { row: row_no, message: e.to_string() },
                    Ok(job) => match self.store.insert_job(&job).await {
                        Ok(()) => ImportRow::Created { row: row_no, id: job.id },
                        Err(StoreError::Duplicate { existing_id, .. }) => ImportRow::Duplicate {
                            row: row_no,
                            existing_id: existing_id.unwrap_or_default(),
                        },
                        Err(e) => return Err(e.into()),
                    },
                };
            results.push(outcome);
        }
        let created = results.iter().filter(|r| matches!(r, ImportRow::Created { .. })).count();
        self.audit(
            &who,
            "job.import",
            "jobs",
            serde_json::json!({"rows": results.len(), "created": created}),
        )
        .await;
        Ok(results)
    }

    pub async fn get_job(&self, id: &str) -> ServiceResult<Job> {
        Ok(self.store.get_job(id).await?.ok_or_else(|| AppError::not_found("job", id))?)
    }

    pub async fn list_jobs(&self, query: &JobQuery) -> ServiceResult<JobPage> {
        Ok(self.store.list_jobs(query).await?)
    }

    /// A job with where its latest run is (`GET /api/jobs/{id}`).
    pub async fn job_view(&self, id: &str) -> ServiceResult<JobView> {
        let job = self.get_job(id).await?;
        let mut latest = self.store.latest_runs(std::slice::from_ref(&job.id)).await?;
        Ok(JobView { job, latest_run: latest.pop().map(|r| RunSummary::of(&r)) })
    }

    /// A page of jobs, each with where its latest run is (`GET /api/jobs`).
    pub async fn list_job_views(&self, query: &JobQuery) -> ServiceResult<Page<JobView>> {
        let page = self.list_jobs(query).await?;
        let ids: Vec<String> = page.items.iter().map(|j| j.id.clone()).collect();
        let mut latest: std::collections::HashMap<String, PipelineRun> = self
            .store
            .latest_runs(&ids)
            .await?
            .into_iter()
            .map(|r| (r.job_id.clone(), r))
            .collect();
        Ok(page.map(|job| {
            let latest_run = latest.remove(&job.id).map(|r| RunSummary::of(&r));
            JobView { job, latest_run }
        }))
    }

    pub async fn status_counts(&self) -> ServiceResult<Vec<StatusCount>> {
        Ok(self.store.count_jobs_by_status().await?)
    }

    pub async fn update_job(
        &self,
        user: &UserInfo,
        id: &str,
        patch: JobPatch,
    ) -> ServiceResult<Job> {
        require_admin(user)?;
        let mut job = self.get_job(id).await?;
        let now = self.now();
        if let Some(t) = &patch.title {
            job.title = text("title", t, true, MAX_TITLE)?;
        }
        if let Some(c) = &patch.company {
            job.company = text("company", c, true, MAX_TITLE)?;
        }
        if let Some(l) = &patch.location {
            job.location = text("location", l, false, MAX_TITLE)?;
        }
        if let Some(r) = patch.remote_policy {
            job.remote_policy = r;
        }
        if let Some(u) = &patch.url {
            job.url = url(Some(u))?;
        }
        if let Some(d) = &patch.description {
            job.description = text("description", d, false, MAX_DESCRIPTION)?;
        }
        if let Some(n) = &patch.notes {
            job.notes = text("notes", n, false, MAX_NOTES)?;
        }
        if let Some(s) = patch.score {
            job.score = score(s)?;
        }
        if let Some(t) = &patch.tags {
            job.tags = tags(t)?;
        }
        if let Some(status) = patch.status {
            set_status(&mut job, status);
        }
        if let Some(stage) = patch.stage {
            job.application.move_to(stage, now);
        }
        job.dedupe_key = dedupe_key(&job.company, &job.title, &job.location);
        job.updated_at = now;
        match self.store.replace_job(&job).await {
            Ok(true) => {}
            Ok(false) => return Err(AppError::not_found("job", id).into()),
            Err(e) => return Err(duplicate_job(e, &job)),
        }
        self.audit(
            &user.username,
            "job.update",
            id,
            serde_json::to_value(&patch).unwrap_or_default(),
        )
        .await;
        Ok(job)
    }

    pub async fn delete_job(&self, user: &UserInfo, id: &str) -> ServiceResult<()> {
        require_admin(user)?;
        if !self.store.delete_job(id).await? {
            return Err(AppError::not_found("job", id).into());
        }
        self.store.delete_cv_versions(id).await?;
        self.audit(&user.actor(), "job.delete", id, serde_json::Value::Null).await;
        Ok(())
    }

    pub async fn bulk_status(
        &self,
        user: &UserInfo,
        ids: &[String],
        status: JobStatus,
    ) -> ServiceResult<Vec<BulkResult>> {
        let patch = JobPatch { status: Some(status), ..Default::default() };
        self.bulk(user, ids, |id| {
            let patch = patch.clone();
            async move { self.update_job(user, &id, patch).await.map(|_| ()) }
        })
        .await
    }

    pub async fn bulk_delete(
        &self,
        user: &UserInfo,
        ids: &[String],
    ) -> ServiceResult<Vec<BulkResult>> {
        self.bulk(user, ids, |id| async move { self.delete_job(user, &id).await }).await
    }

    async fn bulk<F, Fut>(
        &self,
        user: &UserInfo,
        ids: &[String],
        each: F,
    ) -> ServiceResult<Vec<BulkResult>>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = ServiceResult<()>>,
    {
        require_admin(user)?;
        if ids.is_empty() {
            return Err(AppError::Invalid("`ids` must name at least one job".into()).into());
        }
        if ids.len() > MAX_BULK_IDS {
            return Err(
                AppError::TooLarge(format!("at most {MAX_BULK_IDS} ids per bulk action")).into()
            );
        }
        let mut results = Vec::with_capacity(ids.len());
        for id in ids {
            let r = each(id.clone()).await;
            results.push(BulkResult {
                id: id.clone(),
                ok: r.is_ok(),
                error: r.err().map(|e| e.to_string()),
            });
        }
        Ok(results)
    }
}

/// Moves a job to `status`; only a failed job keeps an `error`.
fn set_status(job: &mut Job, status: JobStatus) {
    job.status = status;
    if status != JobStatus::Failed {
        job.error = None;
    }
}

fn duplicate_job(e: StoreError, job: &Job) -> ServiceError {
    match e {
        StoreError::Duplicate { existing_id, .. } => AppError::Conflict(match existing_id {
            Some(id) => {
                format!("a job with the same company, title and location already exists (id {id})")
            }
            None => format!(
                "a job with the same company, title and location already exists ({})",
                job.dedupe_key
            ),
        })
        .into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedupe_key_ignores_case_and_punctuation() {
        assert_eq!(
            dedupe_key("ACME, Inc.", "Senior  Rust Engineer", "Berlin"),
            dedupe_key("acme inc", "senior rust engineer!", " berlin ")
        );
    }

    #[test]
    fn empty_title_and_bad_url_and_score_are_invalid() {
        let base = NewJob { title: "T".into(), company: "C".into(), ..Default::default() };
        assert!(build_job(NewJob { title: "  ".into(), ..base.clone() }, store::now()).is_err());
        assert!(
            build_job(
                NewJob { url: Some("javascript:alert(1)".into()), ..base.clone() },
                store::now()
            )
            .is_err()
        );
        assert!(build_job(NewJob { score: Some(101), ..base.clone() }, store::now()).is_err());
        assert!(build_job(base, store::now()).is_ok());
    }

    #[test]
    fn csv_rows_parse_and_bad_rows_are_reported_alone() {
        let csv = "title,company,location,score,tags\nRust Dev,Acme,Remote,80,\"rust; async\"\nX,Y,Z,abc,\n";
        let rows = parse_import(csv, "text/csv").unwrap();
        assert_eq!(rows.len(), 2);
        let first = rows[0].as_ref().unwrap();
        assert_eq!(first.score, Some(80));
        assert_eq!(first.tags, vec!["rust", "async"]);
        assert!(rows[1].is_err());
    }

    #[test]
    fn csv_with_unknown_column_is_rejected_naming_it() {
        let err = parse_import("title,company,salary\na,b,c\n", "text/csv").unwrap_err();
        assert!(err.to_string().contains("salary"));
    }

    #[test]
    fn json_rows_with_wrong_types_become_row_errors() {
        let rows = parse_import(r#"[{"title":"a","company":"b"},{"title":1}]"#, "application/json")
            .unwrap();
        assert!(rows[0].is_ok());
        assert!(rows[1].is_err());
    }

    #[test]
    fn remote_policy_is_inferred_when_unstated() {
        assert_eq!(infer_remote("Remote (EU)", "Engineer"), RemotePolicy::Remote);
        assert_eq!(infer_remote("Berlin (hybrid)", "Engineer"), RemotePolicy::Hybrid);
        assert_eq!(infer_remote("Berlin", "Engineer"), RemotePolicy::Onsite);
    }
}
