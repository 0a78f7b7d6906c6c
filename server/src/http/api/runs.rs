//! Pipeline runs: queueing, following, cancelling and retrying them.

use super::{ApiResult, Op, Tag};
use crate::http::openapi::{Api, Body};
use crate::http::{ApiJson, AppState, CurrentUser, QueryPairs};
use crate::services::tier_choice;
use app::error::AppError;
use app::model::*;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub fn routes() -> Api {
    let list = Op::get("/api/pipeline-runs", "Pipeline runs, newest first")
        .tag(Tag::Runs)
        .query::<RunStatus>("status", "")
        .query::<String>("job_id", "")
        .query::<DateTime<Utc>>(
            "created_from",
            "RFC 3339 or YYYY-MM-DD (UTC); runs created at or after this time",
        )
        .query::<DateTime<Utc>>(
            "created_to",
            "RFC 3339 or YYYY-MM-DD (UTC); runs created at or before this time",
        )
        .query::<u32>("limit", "1-200, default 50")
        .ok::<RunList>(200, "The runs")
        .error(400, "An invalid query parameter (named in the message)");
    let events = Op::get(
        "/api/pipeline-runs/{id}/events",
        "Server-sent events of a run: layer_started, log, layer_finished, layer_failed, \
         run_finished. Send Last-Event-ID to replay what you missed.",
    )
    .tag(Tag::Runs)
    .header::<u32>("Last-Event-ID", "The id of the last event seen")
    .ok_as(200, "The run's events, then the stream ends", Body::Text("text/event-stream"));
    Api::new()
        .route(
            Op::post("/run", "Queue a pipeline run for a job (the runbook's path)")
                .tag(Tag::Runs)
                .admin()
                .rate_limited()
                .body::<RunRequest>()
                .ok::<Queued>(202, "Queued, with where to follow the run")
                .error(404, "No such job")
                .error(409, "The job already has an active run (named)")
                .error(503, "The pipeline is paused, or the store is unreachable"),
            post(queue_run),
        )
        .route(
            Op::post("/api/runs/bulk", "Queue runs for many jobs; one result per job")
                .tag(Tag::Runs)
                .admin()
                .rate_limited()
                .body::<BulkRunRequest>()
                .ok::<BulkQueued>(200, "One result per job, each with its status"),
            post(queue_runs),
        )
        .route(list, get(list_runs))
        .route(
            Op::get(
                "/api/pipeline-runs/{id}",
                "A run with its layers, outputs, logs and durations",
            )
            .tag(Tag::Runs)
            .ok::<PipelineRun>(200, "The run"),
            get(get_run),
        )
        .route(events, get(crate::http::events::run_events_stream))
        .route(
            Op::get(
                "/api/jobs/{id}/chain",
                "The evidence chain of the job's latest finished run: the posting's needs \
                 (ledger requirements, pain points) with the records that meet them, and every \
                 sentence of the CV, cover letter, outreach and dossier with its sources, its \
                 transform and the needs it answers",
            )
            .tag(Tag::Runs)
            .ok::<app::chain::Chain>(200, "The chain")
            .error(404, "No such job, or it has no finished run"),
            get(job_chain),
        )
        .route(
            Op::post("/api/pipeline-runs/{id}/cancel", "Cancel a queued or processing run")
                .tag(Tag::Runs)
                .admin()
                .ok::<PipelineRun>(200, "The cancelled run")
                .error(409, "Already finished"),
            post(cancel_run),
        )
        .route(
            Op::post(
                "/api/pipeline-runs/{id}/retry",
                "Queue a failed run again from its failed layer, reusing earlier outputs",
            )
            .tag(Tag::Runs)
            .admin()
            .rate_limited()
            .ok::<Queued>(202, "Queued")
            .error(409, "Not failed, or the job has an active run")
            .error(503, "The pipeline is paused, or the store is unreachable"),
            post(retry_run),
        )
        .route(
            Op::get(
                "/api/pipeline/layers",
                "The pipeline's layers in order, each with the JSON Schema (2020-12) of the \
                 output it stores on a run",
            )
            .tag(Tag::Runs)
            .ok::<Layers>(200, "The layers"),
            get(pipeline_layers),
        )
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    job_id: String,
    /// `auto` (the default: the fit score picks), `A`, `B`, `C` or `D`.
    #[serde(default = "auto_tier")]
    tier: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRunRequest {
    /// 1–500 job ids.
    job_ids: Vec<String>,
    #[serde(default = "auto_tier")]
    tier: String,
}

fn auto_tier() -> String {
    TierChoice::Auto.as_str().into()
}

/// Where to follow a queued run.
#[derive(Serialize, JsonSchema)]
pub struct Queued {
    run_id: String,
    status_url: String,
    events_url: String,
}

impl Queued {
    fn of(run: &PipelineRun) -> Self {
        Queued {
            run_id: run.id.clone(),
            status_url: format!("/api/pipeline-runs/{}", run.id),
            events_url: format!("/api/pipeline-runs/{}/events", run.id),
        }
    }
}

#[derive(Serialize, JsonSchema)]
pub struct BulkQueued {
    results: Vec<QueueResult>,
}

/// One job's outcome in a bulk queue request.
#[derive(Serialize, JsonSchema)]
pub struct QueueResult {
    job_id: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_id: Option<String>,
    /// The HTTP status the single request would have had, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct RunList {
    runs: Vec<PipelineRun>,
    count: usize,
}

#[derive(Serialize, JsonSchema)]
pub struct Layers {
    layers: Vec<crate::services::LayerSchema>,
}

/// `POST /run` (runbook path): 202 with where to follow the run.
async fn queue_run(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(req): ApiJson<RunRequest>,
) -> ApiResult<(StatusCode, Json<Queued>)> {
    let tier = tier_choice(&req.tier)?;
    let run = s.services.enqueue_run(&user, &req.job_id, tier).await?;
    Ok((StatusCode::ACCEPTED, Json(Queued::of(&run))))
}

async fn queue_runs(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(req): ApiJson<BulkRunRequest>,
) -> ApiResult<Json<BulkQueued>> {
    if req.job_ids.is_empty() || req.job_ids.len() > 500 {
        return Err(AppError::Invalid("`job_ids` must name 1–500 jobs".into()).into());
    }
    let tier = tier_choice(&req.tier);
    let mut results = Vec::with_capacity(req.job_ids.len());
    for id in req.job_ids {
        let queued = match &tier {
            Ok(tier) => s.services.enqueue_run(&user, &id, *tier).await.map_err(|e| e.handled()),
            Err(e) => Err(e.clone()),
        };
        results.push(match queued {
            Ok(run) => QueueResult {
                job_id: id,
                ok: true,
                run_id: Some(run.id),
                status: None,
                error: None,
            },
            Err(e) => QueueResult {
                job_id: id,
                ok: false,
                run_id: None,
                status: Some(e.status().as_u16()),
                error: Some(e.to_string()),
            },
        });
    }
    Ok(Json(BulkQueued { results }))
}

/// The runbook's `GET /api/pipeline-runs?status=&job_id=&created_from=&created_to=&limit=`.
async fn list_runs(
    State(s): State<AppState>,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Json<RunList>> {
    let filter = RunQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(AppError::from)?;
    let runs = s.services.list_runs(filter).await?;
    Ok(Json(RunList { count: runs.len(), runs }))
}

async fn get_run(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<PipelineRun>> {
    Ok(Json(s.services.get_run(&id).await?))
}

async fn job_chain(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<app::chain::Chain>> {
    Ok(Json(s.services.job_chain(&id).await?))
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
) -> ApiResult<(StatusCode, Json<Queued>)> {
    let run = s.services.retry_run((&user).into(), &id).await?;
    Ok((StatusCode::ACCEPTED, Json(Queued::of(&run))))
}

async fn pipeline_layers(State(s): State<AppState>) -> Json<Layers> {
    Json(Layers { layers: s.services.layer_schemas() })
}
