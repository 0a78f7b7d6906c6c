//! The HTTP surface: one router with the REST API (`/api`), the page forms (`/forms`), the
//! Leptos pages and server functions (`/sfn`), and static files.
//!
//! Error policy: handlers return `AppError`, which renders as `{"error", "message"}` with the
//! variant's status (see `app::error`). Extractor rejections (bad JSON, bad query, too large)
//! are mapped to the same shape here, so no user mistake ever becomes a 500 or an HTML page.

mod api;
mod events;
mod forms;
pub mod limits;
pub mod openapi;
pub mod security;

use crate::auth::COOKIE;
use crate::error::ServiceError;
use crate::services::SharedServices;
use app::error::AppError;
use app::model::UserInfo;
use app::ports::SharedBackend;
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRef, FromRequest, FromRequestParts, Request, State,
};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use std::time::Instant;
use tracing::Instrument;

/// Largest request body accepted (imports of a few thousand rows fit comfortably).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub services: SharedServices,
    pub leptos: LeptosOptions,
    pub limits: std::sync::Arc<limits::RateLimits>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

pub fn router(services: SharedServices, leptos: LeptosOptions) -> Router {
    let limits = std::sync::Arc::new(limits::RateLimits::new(
        services.config.rate_limits.pdf_per_minute,
        services.config.rate_limits.runs_per_minute,
        services.config.rate_limits.imports_per_minute,
    ));
    let state = AppState { services: services.clone(), leptos: leptos.clone(), limits };
    let backend: SharedBackend = services;
    let context = move || {
        provide_context(backend.clone());
        security::provide_page_policy();
    };
    let shell = move |options: LeptosOptions| app::shell(options);
    let page_shell = {
        let leptos = leptos.clone();
        move || app::shell(leptos.clone())
    };
    let routes = generate_route_list(app::App);
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, context.clone(), page_shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell));
    Router::new()
        .route("/health", get(liveness))
        .merge(api::routes())
        .merge(forms::routes())
        .merge(pages)
        // Outermost last: trace → headers → body limit → same-origin writes → auth → limits.
        .layer(middleware::from_fn_with_state(state.clone(), limits::limit_expensive))
        .layer(middleware::from_fn_with_state(state.clone(), auth_gate))
        .layer(middleware::from_fn_with_state(state.clone(), security::same_origin_writes))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), security::response_headers))
        .layer(middleware::from_fn(trace_requests))
        .with_state(state)
}

/// `GET /health`: public liveness for uptime monitors.
async fn liveness() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// One span per request with method, path, status and latency. The query string and headers
/// are not recorded: they may carry tokens.
async fn trace_requests(req: Request, next: Next) -> Response {
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let started = Instant::now();
    let response = next.run(req).instrument(span.clone()).await;
    let latency_ms = (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
    let status = response.status().as_u16();
    span.record("status", status);
    span.record("latency_ms", latency_ms);
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, latency_ms, "request failed");
        } else {
            tracing::info!(status, latency_ms, "request");
        }
    });
    response
}

/// Paths anyone may fetch. Everything else needs a valid token. Server functions (`/sfn/…`)
/// authenticate themselves so that they can answer with their typed error.
fn is_public(path: &str) -> bool {
    matches!(path, "/health" | "/login" | "/forms/login" | "/api/auth/login" | "/favicon.ico")
        || path.starts_with("/pkg/")
        || path.starts_with("/fonts/")
        || path.starts_with("/sfn/")
}

/// The token of a request: `Authorization: Bearer …`, else the session cookie.
pub fn request_token(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return value.strip_prefix("Bearer ").map(str::trim);
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE).and_then(|rest| rest.strip_prefix('=')))
}

/// Lets public paths through; otherwise verifies the token and puts the user into the request.
/// Signed-out API calls get 401 JSON; signed-out page visits are sent to `/login`.
async fn auth_gate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if is_public(&path) {
        return next.run(req).await;
    }
    let user = match request_token(req.headers()) {
        Some(token) => state.services.authenticate(token).await,
        None => Err(AppError::Unauthorized("not signed in".into()).into()),
    };
    match user {
        Ok(user) => {
            req.extensions_mut().insert(user);
            next.run(req).await
        }
        Err(ServiceError::Refused(_))
            if path.starts_with("/api/") || path == "/run" || path == "/metrics" =>
        {
            AppError::Unauthorized("sign in: send `Authorization: Bearer <token>`".into())
                .into_response()
        }
        Err(ServiceError::Refused(_)) => Redirect::to("/login").into_response(),
        // The store could not say whether the session is live: that is not the caller's fault.
        Err(e) => e.into_response(),
    }
}

/// The signed-in user, put into the request by `auth_gate`.
pub struct CurrentUser(pub UserInfo);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<UserInfo>()
            .cloned()
            .map(CurrentUser)
            .ok_or_else(|| AppError::Unauthorized("not signed in".into()))
    }
}

/// The client's address, for login throttling ("local" when not served over a socket).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "local".to_string(), |c| c.0.ip().to_string()),
        ))
    }
}

/// Maps an extractor rejection to our error shape by its status.
fn rejection(status: StatusCode, text: String) -> AppError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::TooLarge(format!("the body is larger than {BODY_LIMIT} bytes"))
        }
        StatusCode::UNPROCESSABLE_ENTITY => AppError::Invalid(text),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::BadRequest(
            "send the body as JSON with `Content-Type: application/json`".into(),
        ),
        _ => AppError::BadRequest(text),
    }
}

/// `Json<T>` whose rejections are our JSON errors (400 syntax, 422 shape, 413 size).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    Json<T>: FromRequest<S, Rejection = axum::extract::rejection::JsonRejection>,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(rejection(r.status(), r.body_text())),
        }
    }
}

/// Query pairs as plain strings, for handlers that validate every key themselves.
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map(|q| QueryPairs(q.0))
            .map_err(|r| rejection(r.status(), r.body_text()))
    }
}

/// The request body as UTF-8 text (CSV imports).
pub struct BodyText(pub String);

impl<S: Send + Sync> FromRequest<S> for BodyText {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        String::from_request(req, state)
            .await
            .map(BodyText)
            .map_err(|r| rejection(r.status(), r.body_text()))
    }
}

/// The `Set-Cookie` value carrying a session token (or clearing it with `None`).
pub fn session_cookie(token: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match token {
        Some(t) => format!(
            "{COOKIE}={t}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
            crate::services::SESSION_TTL_HOURS * 3600
        ),
        None => format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}"),
    }
}

impl AppState {
    fn secure_cookies(&self) -> bool {
        self.services.config.environment == crate::config::Environment::Production
    }
}

/// A service error answers as its wire error; a failure of ours is logged here, once.
impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        self.handled().into_response()
    }
}
