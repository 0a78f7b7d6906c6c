//! The one error type that crosses the wire: services return it, the REST API maps each variant
//! to a status code (see `server::http::error`), and server functions hand it to the UI typed.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::FromServerFnError;
use server_fn::error::ServerFnErrorErr;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
pub enum AppError {
    /// 400: the request itself is malformed (bad JSON, a bad query parameter).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: signed in, but the role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: the named thing does not exist.
    #[error("{0}")]
    NotFound(String),
    /// 409: conflicts with existing data (a duplicate job, an existing user).
    #[error("{0}")]
    Conflict(String),
    /// 413: the body is larger than the limit.
    #[error("{0}")]
    TooLarge(String),
    /// 422: well-formed but invalid (a field out of range, an empty title).
    #[error("{0}")]
    Invalid(String),
    /// 429: too many attempts; retry after this many seconds.
    #[error("too many attempts; retry in {0} s")]
    RateLimited(u64),
    /// 503: a dependency (the store) is unavailable.
    #[error("{0}")]
    Unavailable(String),
    /// 503 with `Retry-After`: a bounded queue is full (the PDF renderer); retry after this
    /// many seconds.
    #[error("busy; retry in {0} s")]
    Busy(u64),
    /// 504: a dependency did not finish in time (a PDF render).
    #[error("{0}")]
    Timeout(String),
    /// 500: our fault. The message is generic; details go to the log only.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn not_found(what: &str, id: &str) -> Self {
        AppError::NotFound(format!("{what} `{id}` not found"))
    }
}

impl From<crate::model::QueryError> for AppError {
    fn from(e: crate::model::QueryError) -> Self {
        AppError::BadRequest(e.to_string())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) => {
                AppError::BadRequest(m)
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
mod http_response {
    use super::AppError;
    use axum::response::{IntoResponse, Response};
    use http::{HeaderValue, StatusCode, header};

    impl AppError {
        pub fn status(&self) -> StatusCode {
            match self {
                AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
                AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
                AppError::Forbidden(_) => StatusCode::FORBIDDEN,
                AppError::NotFound(_) => StatusCode::NOT_FOUND,
                AppError::Conflict(_) => StatusCode::CONFLICT,
                AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
                AppError::Unavailable(_) | AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
                AppError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
                AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }

        /// The machine-readable name of the variant, as in the JSON body's `error` field.
        pub fn kind(&self) -> &'static str {
            match self {
                AppError::BadRequest(_) => "bad_request",
                AppError::Unauthorized(_) => "unauthorized",
                AppError::Forbidden(_) => "forbidden",
                AppError::NotFound(_) => "not_found",
                AppError::Conflict(_) => "conflict",
                AppError::TooLarge(_) => "too_large",
                AppError::Invalid(_) => "invalid",
                AppError::RateLimited(_) => "rate_limited",
                AppError::Unavailable(_) => "unavailable",
                AppError::Busy(_) => "busy",
                AppError::Timeout(_) => "timeout",
                AppError::Internal(_) => "internal",
            }
        }
    }

    /// Every API error is `{"error": kind, "message": text}` with the variant's status.
    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let body = serde_json::json!({"error": self.kind(), "message": self.to_string()});
            let mut response = (self.status(), axum::Json(body)).into_response();
            if let AppError::RateLimited(seconds) | AppError::Busy(seconds) = self
                && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
    }
}

impl From<crate::model::UnknownValue> for AppError {
    fn from(e: crate::model::UnknownValue) -> Self {
        AppError::Invalid(e.to_string())
    }
}

impl From<crate::model::BadValue> for AppError {
    fn from(e: crate::model::BadValue) -> Self {
        AppError::Invalid(e.0)
    }
}
