//! Jobs: the postings and where the candidate is with each.

use super::{ApiResult, Op, Tag};
use crate::http::openapi::{Api, Body};
use crate::http::{ApiJson, AppState, BodyText, CurrentUser, QueryPairs};
use app::error::AppError;
use app::model::*;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub fn routes() -> Api {
    let list = Op::get("/api/jobs", "List jobs")
        .tag(Tag::Jobs)
        .query::<JobStatus>("status", "Repeatable")
        .query::<String>("q", "Literal text in title, company or location")
        .query::<String>("location", "Literal text in location")
        .query::<DateTime<Utc>>("created_from", "RFC 3339 or YYYY-MM-DD (UTC)")
        .query::<DateTime<Utc>>("created_to", "RFC 3339 or YYYY-MM-DD (UTC)")
        .query::<u8>("min_score", "0-100")
        .query::<JobSort>("sort", "The column to sort by (default created_at)")
        .query::<SortOrder>("order", "asc or desc (default desc)")
        .query::<u32>("page", "1-based")
        .query::<u32>("limit", "1-200, default 25")
        .ok::<Page<JobView>>(200, "A page of jobs, each with its latest run")
        .error(400, "Unknown or invalid query parameter (named)");
    Api::new()
        .route(list, get(list_jobs))
        .route(
            Op::post("/api/jobs", "Create a job")
                .tag(Tag::Jobs)
                .admin()
                .body::<NewJob>()
                .ok::<Job>(201, "Created")
                .error(409, "Duplicate (same company, title, location)"),
            post(create_job),
        )
        .route(
            Op::post(
                "/api/jobs/import",
                "Import a JSON array of jobs, CSV with a header row, a Greenhouse, Lever or \
                 Ashby payload (one job or a whole board), an HTML page carrying a schema.org \
                 JobPosting in JSON-LD, `{\"url\": \"…\"}`: a posting's link, read through \
                 its board's public API (Greenhouse, Lever, Ashby) or its page's JSON-LD, never \
                 from a private address, or `{\"board\": {\"kind\": \"greenhouse|lever|ashby\", \
                 \"name\": …, \"eu\"?, \"title\"?, \"location\"?, \"remote\"?}}`: every open \
                 posting of a board, filtered by title words, location and remote; one result \
                 per row (per posting)",
            )
            .tag(Tag::Jobs)
            .admin()
            .rate_limited()
            .body_of(Body::JsonOrCsv(|g| g.subschema_for::<NewJob>()))
            .ok::<ImportSummary>(200, "Per-row results (created, duplicate, error)")
            .error(400, "Malformed body")
            .error(413, "More postings than one import takes")
            .error(
                422,
                "A board posting without a required field, a page with no JobPosting, or a \
                 link refused (private address, not http(s), gone, more than 5 redirects)",
            )
            .error(504, "The link did not answer within 20 s"),
            post(import_jobs),
        )
        .route(
            Op::post("/api/jobs/bulk", "Set the status of, or delete, many jobs")
                .tag(Tag::Jobs)
                .admin()
                .body::<BulkRequest>()
                .ok::<BulkResults>(200, "One result per id"),
            post(bulk_jobs),
        )
        .route(
            Op::get("/api/jobs/status-counts", "Number of jobs per status")
                .tag(Tag::Jobs)
                .ok::<Vec<StatusCount>>(200, "Every status, zeroes included"),
            get(status_counts),
        )
        .route(
            Op::get("/api/jobs/{id}", "One job, with its latest run and its documents")
                .tag(Tag::Jobs)
                .ok::<JobView>(200, "Job"),
            get(get_job),
        )
        .route(
            Op::patch("/api/jobs/{id}", "Change some fields of a job")
                .tag(Tag::Jobs)
                .admin()
                .body::<JobPatch>()
                .ok::<Job>(200, "Updated job")
                .error(409, "Would duplicate another job"),
            axum::routing::patch(patch_job),
        )
        .route(
            Op::delete("/api/jobs/{id}", "Delete a job")
                .tag(Tag::Jobs)
                .admin()
                .no_content("Deleted"),
            axum::routing::delete(delete_job),
        )
}

#[derive(Serialize, JsonSchema)]
pub struct ImportSummary {
    created: usize,
    duplicates: usize,
    errors: usize,
    rows: Vec<ImportRow>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum BulkAction {
    SetStatus,
    Delete,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    ids: Vec<String>,
    action: BulkAction,
    /// Required for `set_status`.
    status: Option<JobStatus>,
}

#[derive(Serialize, JsonSchema)]
pub struct BulkResults {
    results: Vec<BulkResult>,
}

async fn list_jobs(
    State(s): State<AppState>,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Json<Page<JobView>>> {
    let query = JobQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(AppError::from)?;
    Ok(Json(s.services.list_job_views(&query).await?))
}

async fn create_job(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(job): ApiJson<NewJob>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    Ok((StatusCode::CREATED, Json(s.services.create_job(&user, job).await?)))
}

/// A JSON array of jobs or CSV with a header row; one result per row.
async fn import_jobs(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    BodyText(body): BodyText,
) -> ApiResult<Json<ImportSummary>> {
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let rows = s.services.import_jobs(&user, &body, content_type).await?;
    let count = |f: fn(&ImportRow) -> bool| rows.iter().filter(|r| f(r)).count();
    Ok(Json(ImportSummary {
        created: count(|r| matches!(r, ImportRow::Created { .. })),
        duplicates: count(|r| matches!(r, ImportRow::Duplicate { .. })),
        errors: count(|r| matches!(r, ImportRow::Error { .. })),
        rows,
    }))
}

async fn bulk_jobs(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(req): ApiJson<BulkRequest>,
) -> ApiResult<Json<BulkResults>> {
    let results = match req.action {
        BulkAction::Delete => s.services.bulk_delete(&user, &req.ids).await?,
        BulkAction::SetStatus => {
            let status = req
                .status
                .ok_or_else(|| AppError::Invalid("`status` is required for set_status".into()))?;
            s.services.bulk_status(&user, &req.ids, status).await?
        }
    };
    Ok(Json(BulkResults { results }))
}

async fn status_counts(State(s): State<AppState>) -> ApiResult<Json<Vec<StatusCount>>> {
    Ok(Json(s.services.status_counts().await?))
}

async fn get_job(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<JobView>> {
    Ok(Json(s.services.job_view(&id).await?))
}

async fn patch_job(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<JobPatch>,
) -> ApiResult<Json<Job>> {
    Ok(Json(s.services.update_job(&user, &id, patch).await?))
}

async fn delete_job(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.services.delete_job(&user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
