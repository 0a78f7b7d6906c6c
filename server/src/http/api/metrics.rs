//! Health and figures: the runbook's `/api/health` and `/api/metrics`, and Prometheus.

use super::{ApiResult, Op, Tag};
use crate::http::AppState;
use crate::http::openapi::{Api, Body};
use app::model::Health;
use app::model::Metrics;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

pub fn routes() -> Api {
    Api::new()
        .route(
            Op::get("/api/health", "Health of the store, runner, providers and PDF service")
                .tag(Tag::Health)
                .ok::<Health>(200, "Health, in the runbook's shape"),
            get(health),
        )
        .route(
            Op::get(
                "/api/metrics",
                "Provider rate limits, LLM cost (today, 7 days, per run), circuit breakers, \
                 pipeline throughput and alerts",
            )
            .tag(Tag::Health)
            .ok::<Metrics>(200, "The figures, in the runbook's shape"),
            get(metrics),
        )
        .route(
            Op::get(
                "/metrics",
                "Prometheus text exposition of health, pipeline, cost, breakers and rate limits \
                 (bearer token required)",
            )
            .tag(Tag::Health)
            .ok_as(200, "OpenMetrics text", Body::Text(OPENMETRICS)),
            get(prometheus),
        )
}

async fn health(State(s): State<AppState>) -> Json<Health> {
    Json(s.services.health().await)
}

async fn metrics(State(s): State<AppState>) -> ApiResult<Json<Metrics>> {
    Ok(Json(s.services.metrics().await?))
}

/// `GET /metrics`: the same figures in Prometheus' text format (scrape with a bearer token).
async fn prometheus(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
    let text = s.services.prometheus().await?;
    Ok(([(header::CONTENT_TYPE, OPENMETRICS)], text))
}
