//! The candidate: the master CV (JSON Resume) and the STAR records.

use super::{ApiResult, Op, Tag};
use crate::http::openapi::Api;
use crate::http::{ApiJson, AppState, CurrentUser, QueryPairs};
use app::model::*;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use serde_json::Value;

pub fn routes() -> Api {
    Api::new()
        .route(
            Op::get(
                "/api/profile/resume",
                "The master CV as JSON Resume (`?download=1` for a file)",
            )
            .tag(Tag::Profile)
            .query::<String>("download", "Any value: send it as an attachment")
            .ok::<Value>(200, "The JSON Resume document, unknown fields included"),
            get(get_resume),
        )
        .route(
            Op::put("/api/profile/resume", "Replace the master CV")
                .tag(Tag::Profile)
                .admin()
                .body::<Value>()
                .ok::<Profile>(200, "Saved")
                .error(422, "Not a valid JSON Resume (the field is named)"),
            put(put_resume),
        )
        .route(
            Op::patch("/api/profile/basics", "Update the master CV's basics")
                .tag(Tag::Profile)
                .admin()
                .body::<ProfileBasics>()
                .ok::<Profile>(200, "Saved"),
            patch(patch_basics),
        )
        .route(
            Op::get("/api/stars", "STAR records")
                .tag(Tag::Profile)
                .ok::<Vec<StarRecord>>(200, "Every record, in order"),
            get(list_stars),
        )
        .route(
            Op::post("/api/stars", "Create a STAR record")
                .tag(Tag::Profile)
                .admin()
                .body::<StarInput>()
                .ok::<StarRecord>(201, "Created"),
            post(create_star),
        )
        .route(
            Op::get("/api/stars/{id}", "One STAR record")
                .tag(Tag::Profile)
                .ok::<StarRecord>(200, "STAR record"),
            get(get_star),
        )
        .route(
            Op::put("/api/stars/{id}", "Replace a STAR record")
                .tag(Tag::Profile)
                .admin()
                .body::<StarInput>()
                .ok::<StarRecord>(200, "Saved"),
            put(put_star),
        )
        .route(
            Op::delete("/api/stars/{id}", "Delete a STAR record")
                .tag(Tag::Profile)
                .admin()
                .no_content("Deleted"),
            axum::routing::delete(delete_star),
        )
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
