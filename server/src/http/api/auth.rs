//! Signing in and out.

use super::{ApiResult, Op, Tag};
use crate::http::openapi::Api;
use crate::http::{ApiJson, AppState, ClientAddr, CurrentUser, request_token, session_cookie};
use app::model::UserInfo;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub fn routes() -> Api {
    Api::new()
        .route(
            Op::post("/api/auth/login", "Sign in; returns a JWT and sets the session cookie")
                .tag(Tag::Auth)
                .public()
                .body::<LoginRequest>()
                .ok::<Token>(200, "Signed in")
                .error(401, "Wrong username or password, or the user is disabled")
                .error(429, "Too many failed attempts; see Retry-After"),
            post(login),
        )
        .route(
            Op::post("/api/auth/logout", "Sign out: end this token's session and clear the cookie")
                .tag(Tag::Auth)
                .no_content("Signed out"),
            post(logout),
        )
        .route(
            Op::get("/api/auth/me", "The signed-in user")
                .tag(Tag::Auth)
                .ok::<UserInfo>(200, "User"),
            get(me),
        )
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Token {
    /// A JWT for `Authorization: Bearer`.
    token: String,
}

async fn login(
    State(s): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let token = s.services.login(&req.username, &req.password, &client).await?;
    let cookie = session_cookie(Some(&token), s.secure_cookies());
    Ok(([(header::SET_COOKIE, cookie)], Json(Token { token })).into_response())
}

/// Ends the session of the token the request carries, and clears the cookie.
async fn logout(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = request_token(&headers) {
        s.services.logout(token).await?;
    }
    Ok(([(header::SET_COOKIE, session_cookie(None, s.secure_cookies()))], StatusCode::NO_CONTENT)
        .into_response())
}

async fn me(CurrentUser(user): CurrentUser) -> Json<UserInfo> {
    Json(user)
}
