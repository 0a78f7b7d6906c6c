//! The REST API under `/api`. Handlers only translate HTTP to `Services` calls and back.

use super::{ApiJson, AppState, BodyText, ClientAddr, CurrentUser, QueryPairs, session_cookie};
use crate::services::{require_admin, tier_choice};
use app::error::AppError;
use app::model::*;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/api/health", get(health))
        .route("/api/jobs", get(list_jobs).post(create_job))
        .route("/api/jobs/import", post(import_jobs))
        .route("/api/jobs/bulk", post(bulk_jobs))
        .route("/api/jobs/status-counts", get(status_counts))
        .route("/api/jobs/{id}", get(get_job).patch(patch_job).delete(delete_job))
        .route("/run", post(queue_run))
        .route("/api/runs/bulk", post(queue_runs))
        .route("/api/pipeline-runs", get(list_runs))
        .route("/api/pipeline-runs/{id}", get(get_run))
        .route("/api/pipeline-runs/{id}/events", get(super::events::run_events_stream))
        .route("/api/pipeline-runs/{id}/cancel", post(cancel_run))
        .route("/api/pipeline-runs/{id}/retry", post(retry_run))
        .route("/api/pipeline/layers", get(pipeline_layers))
        .route("/api/metrics", get(metrics))
        .route("/api/jobs/{id}/cv-editor", get(cv_editor).put(save_cv))
        .route("/api/jobs/{id}/cv-editor/versions", get(cv_versions))
        .route("/api/jobs/{id}/cv-editor/versions/{number}", get(cv_version))
        .route("/api/jobs/{id}/cv-editor/versions/{number}/restore", post(restore_cv_version))
        .route("/api/jobs/{id}/cv-editor/versions/{number}/sent", post(mark_cv_sent))
        .route("/api/jobs/{id}/cv-editor/pdf", post(cv_pdf))
        .route("/api/jobs/{id}/cover-letter/pdf", post(cover_letter_pdf))
        .route("/api/jobs/{id}/dossier/pdf", post(dossier_pdf))
        .route("/api/profile/cv/pdf", post(master_cv_pdf))
        .route("/api/admin/pdf/restart", post(restart_pdf))
        .route("/metrics", get(prometheus))
        .route("/api/admin/firecrawl", post(set_firecrawl))
        .route("/api/admin/company-cache", axum::routing::delete(clear_company_cache))
        .route("/api/admin/pipeline/pause", post(pause))
        .route("/api/admin/pipeline/resume", post(resume))
        .route("/api/admin/stuck-jobs/clear", post(clear_stuck))
        .route("/api/profile/resume", get(get_resume).put(put_resume))
        .route("/api/profile/basics", patch(patch_basics))
        .route("/api/stars", get(list_stars).post(create_star))
        .route("/api/stars/{id}", get(get_star).put(put_star).delete(delete_star))
        .route("/api/admin/users", get(list_users).post(create_user))
        .route("/api/admin/sessions", get(list_sessions))
        .route("/api/admin/sessions/{id}", axum::routing::delete(revoke_session))
        .route("/api/admin/users/{username}/revoke", post(revoke_user))
        .route("/api/admin/audit", get(audit_log))
        .route("/api/openapi.json", get(openapi))
        .route("/api/{*rest}", any(unknown_route))
}

type ApiResult<T> = Result<T, AppError>;

async fn unknown_route() -> AppError {
    AppError::NotFound("no such API route; see /api/openapi.json".into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    username: String,
    password: String,
}

async fn login(
    State(s): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let token = s.services.login(&req.username, &req.password, &client).await?;
    let cookie = session_cookie(Some(&token), s.secure_cookies());
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({"token": token}))).into_response())
}

/// Ends the session of the token the request carries, and clears the cookie.
async fn logout(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = super::request_token(&headers) {
        s.services.logout(token).await?;
    }
    Ok(([(header::SET_COOKIE, session_cookie(None, s.secure_cookies()))], StatusCode::NO_CONTENT)
        .into_response())
}

async fn me(CurrentUser(user): CurrentUser) -> Json<UserInfo> {
    Json(user)
}

async fn health(State(s): State<AppState>) -> Json<Health> {
    Json(s.services.health().await)
}

async fn list_jobs(
    State(s): State<AppState>,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Json<JobPage>> {
    let query = JobQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    Ok(Json(s.services.list_jobs(&query).await?))
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
) -> ApiResult<Json<Value>> {
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let results = s.services.import_jobs(&user, &body, content_type).await?;
    let count = |f: fn(&ImportRow) -> bool| results.iter().filter(|r| f(r)).count();
    Ok(Json(json!({
        "created": count(|r| matches!(r, ImportRow::Created { .. })),
        "duplicates": count(|r| matches!(r, ImportRow::Duplicate { .. })),
        "errors": count(|r| matches!(r, ImportRow::Error { .. })),
        "rows": results,
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum BulkAction {
    SetStatus,
    Delete,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkRequest {
    ids: Vec<String>,
    action: BulkAction,
    status: Option<JobStatus>,
}

async fn bulk_jobs(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(req): ApiJson<BulkRequest>,
) -> ApiResult<Json<Value>> {
    let results = match req.action {
        BulkAction::Delete => s.services.bulk_delete(&user, &req.ids).await?,
        BulkAction::SetStatus => {
            let status = req
                .status
                .ok_or_else(|| AppError::Invalid("`status` is required for set_status".into()))?;
            s.services.bulk_status(&user, &req.ids, status).await?
        }
    };
    Ok(Json(json!({"results": results})))
}

async fn status_counts(State(s): State<AppState>) -> ApiResult<Json<Vec<StatusCount>>> {
    Ok(Json(s.services.status_counts().await?))
}

async fn get_job(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Job>> {
    Ok(Json(s.services.get_job(&id).await?))
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunRequest {
    job_id: String,
    #[serde(default = "auto_tier")]
    tier: String,
}

fn auto_tier() -> String {
    "auto".into()
}

fn queued_reply(run: &PipelineRun) -> Value {
    json!({
        "run_id": run.id,
        "status_url": format!("/api/pipeline-runs/{}", run.id),
        "events_url": format!("/api/pipeline-runs/{}/events", run.id),
    })
}

/// `POST /run` (runbook path): 202 with where to follow the run.
async fn queue_run(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(req): ApiJson<RunRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let tier = tier_choice(&req.tier)?;
    let run = s.services.enqueue_run(&user, &req.job_id, tier).await?;
    Ok((StatusCode::ACCEPTED, Json(queued_reply(&run))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkRunRequest {
    job_ids: Vec<String>,
    #[serde(default = "auto_tier")]
    tier: String,
}

async fn queue_runs(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(req): ApiJson<BulkRunRequest>,
) -> ApiResult<Json<Value>> {
    if req.job_ids.is_empty() || req.job_ids.len() > 500 {
        return Err(AppError::Invalid("`job_ids` must name 1–500 jobs".into()));
    }
    let tier = tier_choice(&req.tier);
    let mut results = Vec::with_capacity(req.job_ids.len());
    for id in &req.job_ids {
        let queued = match &tier {
            Ok(tier) => s.services.enqueue_run(&user, id, *tier).await,
            Err(e) => Err(e.clone()),
        };
        results.push(match queued {
            Ok(run) => json!({"job_id": id, "ok": true, "run_id": run.id}),
            Err(e) => json!({"job_id": id, "ok": false, "status": e.status().as_u16(), "error": e.to_string()}),
        });
    }
    Ok(Json(json!({"results": results})))
}

async fn get_run(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<PipelineRun>> {
    Ok(Json(s.services.get_run(&id).await?))
}

/// The optional body of the PDF endpoints: `paper` (`A4` | `Letter`), `page_numbers`,
/// `margin_mm`; what is left out keeps the document's settings.
fn print_overrides(body: &str) -> Result<crate::services::PrintOverrides, AppError> {
    if body.trim().is_empty() {
        return Ok(Default::default());
    }
    serde_json::from_str(body).map_err(|e| AppError::Invalid(format!("invalid body: {e}")))
}

async fn cv_editor(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<app::cv::CvEditorState>> {
    Ok(Json(s.services.cv_editor(&id).await?))
}

async fn save_cv(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ApiJson(save): ApiJson<app::cv::CvSave>,
) -> ApiResult<Json<app::cv::CvVersionSummary>> {
    Ok(Json(s.services.save_cv(&user, &id, save).await?))
}

async fn cv_versions(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<app::cv::CvVersionSummary>>> {
    Ok(Json(s.services.cv_versions(&id).await?))
}

/// A version number from the path: a positive integer, else 400 naming it.
fn version_number(raw: &str) -> Result<u32, AppError> {
    raw.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
        AppError::BadRequest(format!("version must be a positive whole number, got `{raw}`"))
    })
}

async fn cv_version(
    State(s): State<AppState>,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<Json<app::cv::CvVersion>> {
    Ok(Json(s.services.cv_version(&id, version_number(&number)?).await?))
}

async fn restore_cv_version(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<Json<app::cv::CvVersionSummary>> {
    Ok(Json(s.services.restore_cv_version(&user, &id, version_number(&number)?).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SentRequest {
    sent: bool,
}

async fn mark_cv_sent(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, number)): Path<(String, String)>,
    BodyText(body): BodyText,
) -> ApiResult<Json<app::cv::CvVersionSummary>> {
    require_admin(&user)?;
    // No body marks the version as sent; `{"sent": false}` takes the mark off.
    let sent = if body.trim().is_empty() {
        true
    } else {
        serde_json::from_str::<SentRequest>(&body)
            .map_err(|e| AppError::Invalid(format!("invalid body: {e}")))?
            .sent
    };
    Ok(Json(s.services.mark_cv_sent(&user, &id, version_number(&number)?, sent).await?))
}

/// `attachment` with an ASCII `filename` and the exact name as RFC 5987 `filename*`.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn pdf_response(pdf: crate::services::Pdf) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, content_disposition(&pdf.file_name)),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        pdf.bytes,
    )
        .into_response()
}

async fn cv_pdf(
    State(s): State<AppState>,
    Path(id): Path<String>,
    BodyText(body): BodyText,
) -> ApiResult<Response> {
    Ok(pdf_response(s.services.job_cv_pdf(&id, &print_overrides(&body)?).await?))
}

async fn cover_letter_pdf(
    State(s): State<AppState>,
    Path(id): Path<String>,
    BodyText(body): BodyText,
) -> ApiResult<Response> {
    Ok(pdf_response(s.services.cover_letter_pdf(&id, &print_overrides(&body)?).await?))
}

async fn dossier_pdf(
    State(s): State<AppState>,
    Path(id): Path<String>,
    BodyText(body): BodyText,
) -> ApiResult<Response> {
    Ok(pdf_response(s.services.dossier_pdf(&id, &print_overrides(&body)?).await?))
}

async fn restart_pdf(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Value>> {
    s.services.restart_pdf(&user).await?;
    Ok(Json(json!({"restarted": true})))
}

async fn master_cv_pdf(State(s): State<AppState>, BodyText(body): BodyText) -> ApiResult<Response> {
    Ok(pdf_response(s.services.master_cv_pdf(&print_overrides(&body)?).await?))
}

async fn metrics(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    Ok(Json(s.services.metrics().await?))
}

/// `GET /metrics`: the same figures in Prometheus' text format (scrape with a bearer token).
async fn prometheus(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
    let text = s.services.prometheus().await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text))
}

async fn pipeline_layers(State(s): State<AppState>) -> Json<Value> {
    Json(json!({"layers": s.services.layer_schemas()}))
}

async fn cancel_run(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<PipelineRun>> {
    Ok(Json(s.services.cancel_run(&user, &id).await?))
}

async fn retry_run(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let run = s.services.retry_run((&user).into(), &id).await?;
    Ok((StatusCode::ACCEPTED, Json(queued_reply(&run))))
}

async fn pause(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Value>> {
    s.services.set_paused((&user).into(), true).await?;
    Ok(Json(json!({"paused": true})))
}

async fn resume(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Value>> {
    s.services.set_paused((&user).into(), false).await?;
    Ok(Json(json!({"paused": false})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FireCrawlSwitch {
    enabled: bool,
}

/// `POST /api/admin/firecrawl {"enabled": bool}`: persisted, shared by every process.
async fn set_firecrawl(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    BodyText(body): BodyText,
) -> ApiResult<Json<Value>> {
    let req: FireCrawlSwitch = serde_json::from_str(&body).map_err(|e| {
        AppError::Invalid(format!("invalid body: {e}; expected {{\"enabled\": true|false}}"))
    })?;
    let enabled = s.services.set_firecrawl((&user).into(), req.enabled).await?;
    Ok(Json(json!({"enabled": enabled})))
}

/// `DELETE /api/admin/company-cache[?company=NAME]`: one company, or all without `company`.
async fn clear_company_cache(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Json<Value>> {
    let mut company = None;
    for (k, v) in pairs {
        match k.as_str() {
            "company" => company = Some(v),
            _ => return Err(AppError::BadRequest(format!("invalid query parameter `{k}`"))),
        }
    }
    let deleted = s.services.clear_company_cache((&user).into(), company.as_deref()).await?;
    Ok(Json(json!({"deleted": deleted, "company": company})))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ClearStuck {
    /// A duration as the CLI takes it (`30m`, `2h`).
    older_than: Option<String>,
    /// The older form, still accepted.
    older_than_minutes: Option<u32>,
}

/// The runbook's "Clear Stuck Jobs" (default: processing for longer than
/// `CLEAR_STUCK_OLDER_THAN`). The body is optional.
async fn clear_stuck(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    BodyText(body): BodyText,
) -> ApiResult<Json<Value>> {
    let req: ClearStuck = if body.trim().is_empty() {
        ClearStuck::default()
    } else {
        serde_json::from_str(&body).map_err(|e| AppError::Invalid(format!("invalid body: {e}")))?
    };
    let older_than = match (req.older_than, req.older_than_minutes) {
        (Some(_), Some(_)) => {
            return Err(AppError::Invalid(
                "give `older_than` or `older_than_minutes`, not both".into(),
            ));
        }
        (Some(text), None) => crate::auth::parse_ttl(&text)
            .map_err(|e| AppError::Invalid(format!("`older_than`: {e}")))?,
        (None, Some(minutes)) => chrono::Duration::minutes(i64::from(minutes)),
        (None, None) => crate::auth::parse_ttl(CLEAR_STUCK_OLDER_THAN)
            .map_err(|e| AppError::Internal(format!("default duration: {e}")))?,
    };
    let cleared = s.services.clear_stuck((&user).into(), older_than).await?;
    Ok(Json(json!({"cleared": cleared, "older_than_minutes": older_than.num_minutes()})))
}

/// The runbook's `GET /api/pipeline-runs?status=&job_id=&created_from=&created_to=&limit=`
/// (limit ≤ 200, default 50).
async fn list_runs(
    State(s): State<AppState>,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Json<Value>> {
    let filter = RunQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let runs = s.services.list_runs(filter).await?;
    Ok(Json(json!({"runs": runs, "count": runs.len()})))
}

async fn get_resume(
    State(s): State<AppState>,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let profile = s.services.profile().await?;
    let body = Json(profile.resume).into_response();
    if pairs.iter().any(|(k, _)| k == "download") {
        return Ok(([(header::CONTENT_DISPOSITION, "attachment; filename=\"resume.json\"")], body)
            .into_response());
    }
    Ok(body)
}

async fn put_resume(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(resume): ApiJson<Value>,
) -> ApiResult<Json<Profile>> {
    Ok(Json(s.services.put_resume(&user, resume).await?))
}

async fn patch_basics(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(basics): ApiJson<ProfileBasics>,
) -> ApiResult<Json<Profile>> {
    Ok(Json(s.services.update_basics(&user, basics).await?))
}

async fn list_stars(State(s): State<AppState>) -> ApiResult<Json<Vec<StarRecord>>> {
    Ok(Json(s.services.list_stars().await?))
}

async fn create_star(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(input): ApiJson<StarInput>,
) -> ApiResult<(StatusCode, Json<StarRecord>)> {
    Ok((StatusCode::CREATED, Json(s.services.save_star(&user, None, input).await?)))
}

async fn get_star(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<StarRecord>> {
    Ok(Json(s.services.get_star(&id).await?))
}

async fn put_star(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StarInput>,
) -> ApiResult<Json<StarRecord>> {
    Ok(Json(s.services.save_star(&user, Some(&id), input).await?))
}

async fn delete_star(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.services.delete_star(&user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_users(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<UserInfo>>> {
    require_admin(&user)?;
    Ok(Json(s.services.list_users().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    username: String,
    role: Role,
    password: String,
}

async fn create_user(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(new): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<UserInfo>)> {
    let created =
        s.services.create_user((&user).into(), &new.username, new.role, new.password).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `GET /api/admin/sessions?username=&tokens_only=true`: live sessions, newest first.
async fn list_sessions(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Json<Value>> {
    let (mut username, mut tokens_only) = (None, false);
    for (key, value) in pairs {
        match key.as_str() {
            "username" => username = Some(value),
            "tokens_only" => {
                tokens_only = value.parse().map_err(|_| {
                    AppError::BadRequest(format!(
                        "`tokens_only` must be true or false, not `{value}`"
                    ))
                })?;
            }
            other => {
                return Err(AppError::BadRequest(format!(
                    "unknown parameter `{other}`; use username or tokens_only"
                )));
            }
        }
    }
    let sessions =
        s.services.list_sessions((&user).into(), username.as_deref(), tokens_only).await?;
    Ok(Json(json!({"sessions": sessions})))
}

async fn revoke_session(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.services.revoke_session((&user).into(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke_user(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(username): Path<String>,
) -> ApiResult<Json<Value>> {
    let ended = s.services.revoke_user((&user).into(), &username).await?;
    Ok(Json(json!({"sessions_ended": ended})))
}

async fn audit_log(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Value>> {
    let entries = s.services.audit_log(&user, 200).await?;
    Ok(Json(json!({"entries": entries})))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], super::openapi::DOCUMENT).into_response()
}
