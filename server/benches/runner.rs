//! Runner throughput: enqueue `BENCH_RUNS` runs (default 1,000) for as many jobs and drain
//! them with the offline pipeline and `MAX_CONCURRENT_RUNS` = 8, on SQLite and on the
//! MongoDB-wire server. Prints runs per second, and the runner's own overhead per run (the
//! drain time minus the time spent inside layers).
//!
//! Run: `cargo bench -p server --bench runner` (see BENCHMARKS.md).

#[path = "../tests/support/mod.rs"]
mod support;

use app::model::*;
use server::pipeline::{Runner, RunnerSettings, layers};
use server::store::SharedStore;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn seed(store: &SharedStore, runs: usize) {
    let services = server::services::Services::new(
        server::config::Config::from_lookup(|_| None).unwrap(),
        store.clone(),
        server::auth::Auth::new(&server::config::Secret::new("r".repeat(40))).unwrap(),
        server::providers::Providers::offline(store.clone()),
    );
    services.seed_demo(false).await.unwrap();
    support::queue_demo_runs(store, runs).await;
}

async fn drain(name: &str, store: SharedStore, runs: usize) {
    let mut settings = RunnerSettings::new(8, Duration::from_secs(600));
    settings.poll_interval = Duration::from_millis(5);
    let runner = Runner::new(store.clone(), layers::offline_pipeline(store.clone()), settings);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let task = tokio::spawn(runner.clone().run_until(stopped));
    let done =
        |s: RunStatus| matches!(s, RunStatus::Completed | RunStatus::Partial | RunStatus::Failed);
    loop {
        let finished =
            store.list_runs(&RunQuery::with_status(RunStatus::Queued, 1)).await.unwrap().is_empty()
                && runner.active_runs() == 0;
        if finished {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    stop.send(true).unwrap();
    task.await.unwrap();
    let all = store.list_runs(&RunQuery { limit: 200, ..Default::default() }).await.unwrap();
    assert!(all.iter().all(|r| done(r.status)), "every run finished");
    let layer_ms: f64 =
        all.iter().flat_map(|r| &r.layers).filter_map(|l| l.duration_ms).sum::<u64>() as f64;
    let per_run_layers = layer_ms / all.len().max(1) as f64;
    let per_run_total = elapsed * 1000.0 * 8.0 / runs as f64;
    println!(
        "{name:8} runs={runs} concurrency=8  drained in {elapsed:6.2} s  {:7.1} runs/s  \
         time in layers {per_run_layers:6.2} ms/run  runner overhead ≈ {:6.2} ms/run (per slot)",
        runs as f64 / elapsed,
        (per_run_total - per_run_layers).max(0.0)
    );
}

#[tokio::main]
async fn main() {
    let runs = env_number("BENCH_RUNS", 1_000);
    let only = std::env::var("BENCH_BACKEND").unwrap_or_default();
    if only.is_empty() || only == "sqlite" {
        let (store, _dir) = support::sqlite_store().await;
        let store: SharedStore = Arc::new(store);
        seed(&store, runs).await;
        drain("sqlite", store, runs).await;
    }
    if only.is_empty() || only == "mongodb" {
        let (store, _db) = support::mongo_store().await;
        let store: SharedStore = Arc::new(store);
        seed(&store, runs).await;
        drain("mongodb", store, runs).await;
    }
}
