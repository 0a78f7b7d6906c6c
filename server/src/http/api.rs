//! The REST API under `/api`, one file per resource. Handlers only translate HTTP to
//! `Services` calls and back; each is declared once with its documentation (see `openapi`).

mod admin;
mod auth;
mod cv;
mod jobs;
mod metrics;
mod profile;
mod runs;

use super::AppState;
use super::openapi::{self, Api, Op, Tag};
use app::error::AppError;
use axum::Router;
use axum::http::header;
use axum::routing::{any, get};
use std::sync::Arc;

type ApiResult<T> = Result<T, crate::error::ServiceError>;

/// Every REST operation, with its declaration.
pub fn api() -> Api {
    auth::routes()
        .merge(metrics::routes())
        .merge(jobs::routes())
        .merge(runs::routes())
        .merge(profile::routes())
        .merge(cv::routes())
        .merge(admin::routes())
}

/// The routes, `/api/openapi.json` generated from their declarations, and a JSON 404 for
/// anything else under `/api`.
pub fn routes() -> Router<AppState> {
    let doc = Op::get("/api/openapi.json", "This document")
        .tag(Tag::Meta)
        .ok::<serde_json::Value>(200, "The OpenAPI 3.1 description of every route");
    let (router, mut ops) = api().into_parts();
    ops.push(doc.clone());
    let document = Arc::new(openapi::document(&ops).to_string());
    let serve = move || {
        let document = document.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], document.to_string()) }
    };
    router.route(doc.path(), get(serve)).route("/api/{*rest}", any(unknown_route))
}

async fn unknown_route() -> AppError {
    AppError::NotFound("no such API route; see /api/openapi.json".into())
}

/// A JSON body that did not parse: 422 saying why.
fn invalid_body(e: serde_json::Error) -> AppError {
    AppError::Invalid(format!("invalid body: {e}"))
}
