//! `GET /api/pipeline-runs/{id}/events`: server-sent events for a run — one per layer start,
//! finish or failure and per log line, then a final `run_finished`. Events are derived from
//! the run as stored, so any process can serve them and ids are stable: `Last-Event-ID`
//! replays exactly what a client missed.

use super::{AppState, CurrentUser};
use app::model::{LayerStatus, PipelineRun, RunEventKind};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde_json::{Value, json};
use std::convert::Infallible;
use std::time::Duration;

/// How often the store is read for news while the run is live.
const POLL: Duration = Duration::from_millis(500);

/// The run's events in order, as (kind, data). Later reads only ever append.
pub fn run_events(run: &PipelineRun) -> Vec<(RunEventKind, Value)> {
    let mut events = Vec::new();
    for layer in &run.layers {
        let started = json!({"layer": layer.name, "at": layer.started_at});
        events.push((RunEventKind::LayerStarted, started));
        if layer.status == LayerStatus::Running {
            continue;
        }
        for line in &layer.log {
            events.push((RunEventKind::Log, json!({"layer": layer.name, "line": line})));
        }
        let kind = if layer.status == LayerStatus::Failed {
            RunEventKind::LayerFailed
        } else {
            RunEventKind::LayerFinished
        };
        events.push((
            kind,
            json!({"layer": layer.name, "status": layer.status, "duration_ms": layer.duration_ms, "error": layer.error}),
        ));
    }
    if !run.status.is_active() {
        events.push((RunEventKind::RunFinished, json!({"status": run.status, "error": run.error})));
    }
    events
}

struct Cursor {
    state: AppState,
    id: String,
    /// Events already sent (the next event's id).
    sent: usize,
    pending: Vec<Event>,
    done: bool,
}

pub async fn run_events_stream(
    State(state): State<AppState>,
    CurrentUser(_): CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, crate::error::ServiceError> {
    state.services.get_run(&id).await?;
    let sent = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map_or(0, |last| last + 1);
    let cursor = Cursor { state, id, sent, pending: Vec::new(), done: false };
    let events = stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(event) = c.pending.pop() {
                return Some((Ok(event), c));
            }
            if c.done {
                return None;
            }
            let run = match c.state.services.get_run(&c.id).await {
                Ok(run) => run,
                Err(_) => return None,
            };
            let all = run_events(&run);
            // Newest last in `all`; `pending` is popped from the end, so store it reversed.
            c.pending = all
                .iter()
                .enumerate()
                .skip(c.sent)
                .rev()
                .map(|(i, (kind, data))| {
                    Event::default().id(i.to_string()).event(kind.as_str()).data(data.to_string())
                })
                .collect();
            c.sent = all.len().max(c.sent);
            c.done = !run.status.is_active();
            if c.pending.is_empty() && !c.done {
                tokio::time::sleep(POLL).await;
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
