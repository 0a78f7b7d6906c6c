//! The runbook's admin procedures: pipeline pause, stuck runs, FireCrawl, the company cache,
//! the PDF renderer, users, sessions and the audit log. Every one needs the admin role and is
//! audited.

use super::{ApiResult, Op, Tag, invalid_body};
use crate::http::openapi::Api;
use crate::http::{ApiJson, AppState, BodyText, CurrentUser, QueryPairs};
use crate::services::require_admin;
use crate::store::AuditEntry;
use app::error::AppError;
use app::model::*;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub fn routes() -> Api {
    let admin = |op: Op| op.tag(Tag::Admin).admin();
    Api::new()
        .route(
            admin(Op::post(
                "/api/admin/pipeline/pause",
                "Stop claiming runs (the runbook's emergency disable; PDF export keeps working)",
            ))
            .ok::<Paused>(200, "Paused"),
            post(pause),
        )
        .route(
            admin(Op::post("/api/admin/pipeline/resume", "Resume claiming runs"))
                .ok::<Paused>(200, "Resumed"),
            post(resume),
        )
        .route(
            admin(Op::post(
                "/api/admin/stuck-jobs/clear",
                "Fail runs processing for longer than older_than (default 30m) with \
                 'Stuck processing - manual reset'",
            ))
            .optional_body::<ClearStuck>()
            .ok::<StuckCleared>(200, "How many runs were failed")
            .error(422, "A duration that does not parse, or both fields given"),
            post(clear_stuck),
        )
        .route(
            admin(Op::post(
                "/api/admin/firecrawl",
                "Switch FireCrawl on or off at runtime (persisted, audited)",
            ))
            .body::<FirecrawlRequest>()
            .ok::<FirecrawlState>(200, "The switch as set")
            .error(422, "Bad body, or enabling without FIRECRAWL_API_KEY"),
            post(set_firecrawl),
        )
        .route(
            admin(Op::delete(
                "/api/admin/company-cache",
                "Delete cached company research: one company (case- and space-insensitive) or \
                 all (audited)",
            ))
            .query::<String>("company", "Company name; omit to clear every entry")
            .ok::<CacheCleared>(200, "How many entries were deleted")
            .error(400, "An unknown query parameter"),
            delete(clear_company_cache),
        )
        .route(
            admin(Op::post(
                "/api/admin/pdf/restart",
                "Restart the PDF renderer: the next render launches a fresh Chromium",
            ))
            .ok::<Restarted>(200, "Restarted"),
            post(restart_pdf),
        )
        .route(
            admin(Op::get("/api/admin/users", "Users")).ok::<Vec<UserInfo>>(200, "Users"),
            get(list_users),
        )
        .route(
            admin(Op::post("/api/admin/users", "Create a user"))
                .body::<NewUser>()
                .ok::<UserInfo>(201, "Created")
                .error(409, "Username taken"),
            post(create_user),
        )
        .route(
            admin(Op::get("/api/admin/sessions", "Live sessions and tokens, newest first"))
                .query::<String>("username", "Only this user's")
                .query::<bool>("tokens_only", "Only issued tokens")
                .ok::<Sessions>(200, "The sessions")
                .error(400, "Unknown parameter or bad value"),
            get(list_sessions),
        )
        .route(
            admin(Op::delete("/api/admin/sessions/{id}", "End one session or token"))
                .no_content("Ended")
                .error(404, "No such session")
                .error(409, "Already ended"),
            delete(revoke_session),
        )
        .route(
            admin(Op::post(
                "/api/admin/users/{username}/revoke",
                "End every session and token of a user",
            ))
            .ok::<SessionsEnded>(200, "How many were ended")
            .error(404, "No such user"),
            post(revoke_user),
        )
        .route(
            admin(Op::get("/api/admin/audit", "The audit log, newest first"))
                .ok::<AuditLog>(200, "The latest 200 entries"),
            get(audit_log),
        )
}

#[derive(Serialize, JsonSchema)]
pub struct Paused {
    paused: bool,
}

#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearStuck {
    /// A duration as the CLI takes it (`30m`, `2h`); the default is 30m.
    older_than: Option<String>,
    /// The older form, still accepted.
    older_than_minutes: Option<u32>,
}

#[derive(Serialize, JsonSchema)]
pub struct StuckCleared {
    /// The ids of the runs failed.
    cleared: Vec<String>,
    older_than_minutes: i64,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FirecrawlRequest {
    enabled: bool,
}

#[derive(Serialize, JsonSchema)]
pub struct FirecrawlState {
    enabled: bool,
}

#[derive(Serialize, JsonSchema)]
pub struct CacheCleared {
    deleted: u64,
    /// The company cleared, or `null` for all.
    company: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct Restarted {
    restarted: bool,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    username: String,
    role: Role,
    password: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Sessions {
    sessions: Vec<Session>,
}

#[derive(Serialize, JsonSchema)]
pub struct SessionsEnded {
    sessions_ended: u64,
}

#[derive(Serialize, JsonSchema)]
pub struct AuditLog {
    entries: Vec<AuditEntry>,
}

async fn pause(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Paused>> {
    s.services.set_paused((&user).into(), true).await?;
    Ok(Json(Paused { paused: true }))
}

async fn resume(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Paused>> {
    s.services.set_paused((&user).into(), false).await?;
    Ok(Json(Paused { paused: false }))
}

/// The runbook's "Clear Stuck Jobs" (default: processing for longer than
/// `CLEAR_STUCK_OLDER_THAN`). The body is optional.
async fn clear_stuck(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    BodyText(body): BodyText,
) -> ApiResult<Json<StuckCleared>> {
    let req: ClearStuck = if body.trim().is_empty() {
        ClearStuck::default()
    } else {
        serde_json::from_str(&body).map_err(invalid_body)?
    };
    let older_than = match (req.older_than, req.older_than_minutes) {
        (Some(_), Some(_)) => {
            return Err(AppError::Invalid(
                "give `older_than` or `older_than_minutes`, not both".into(),
            )
            .into());
        }
        (Some(text), None) => crate::auth::parse_ttl(&text)
            .map_err(|e| AppError::Invalid(format!("`older_than`: {e}")))?,
        (None, Some(minutes)) => chrono::Duration::minutes(i64::from(minutes)),
        (None, None) => crate::auth::parse_ttl(CLEAR_STUCK_OLDER_THAN)
            .map_err(|e| AppError::Internal(format!("default duration: {e}")))?,
    };
    let cleared = s.services.clear_stuck((&user).into(), older_than).await?;
    Ok(Json(StuckCleared { cleared, older_than_minutes: older_than.num_minutes() }))
}

/// `POST /api/admin/firecrawl {"enabled": bool}`: persisted, shared by every process.
async fn set_firecrawl(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    BodyText(body): BodyText,
) -> ApiResult<Json<FirecrawlState>> {
    let req: FirecrawlRequest = serde_json::from_str(&body).map_err(|e| {
        AppError::Invalid(format!("invalid body: {e}; expected {{\"enabled\": true|false}}"))
    })?;
    let enabled = s.services.set_firecrawl((&user).into(), req.enabled).await?;
    Ok(Json(FirecrawlState { enabled }))
}

/// `DELETE /api/admin/company-cache[?company=NAME]`: one company, or all without `company`.
async fn clear_company_cache(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Json<CacheCleared>> {
    let mut company = None;
    for (k, v) in pairs {
        match k.as_str() {
            "company" => company = Some(v),
            _ => return Err(AppError::BadRequest(format!("invalid query parameter `{k}`")).into()),
        }
    }
    let deleted = s.services.clear_company_cache((&user).into(), company.as_deref()).await?;
    Ok(Json(CacheCleared { deleted, company }))
}

async fn restart_pdf(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Restarted>> {
    s.services.restart_pdf(&user).await?;
    Ok(Json(Restarted { restarted: true }))
}

async fn list_users(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<UserInfo>>> {
    require_admin(&user)?;
    Ok(Json(s.services.list_users().await?))
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
) -> ApiResult<Json<Sessions>> {
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
                ))
                .into());
            }
        }
    }
    let sessions =
        s.services.list_sessions((&user).into(), username.as_deref(), tokens_only).await?;
    Ok(Json(Sessions { sessions }))
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
) -> ApiResult<Json<SessionsEnded>> {
    let sessions_ended = s.services.revoke_user((&user).into(), &username).await?;
    Ok(Json(SessionsEnded { sessions_ended }))
}

async fn audit_log(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<AuditLog>> {
    let entries = s.services.audit_log(&user, 200).await?;
    Ok(Json(AuditLog { entries }))
}
