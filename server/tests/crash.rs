//! A `jobintel serve` process killed with SIGKILL in the middle of its runs leaves nothing
//! stuck: a second process takes the abandoned runs back once their lease expires and
//! finishes every one.

mod support;

use app::model::*;
use server::store::{SharedStore, SqliteStore};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn serve(dir: &std::path::Path) -> Child {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    Command::new(env!("CARGO_BIN_EXE_jobintel"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("JOBINTEL_DATA_DIR", dir)
        .env("JOBINTEL_ADDR", format!("127.0.0.1:{port}"))
        .env("LOG_LEVEL", "error")
        .env("MAX_CONCURRENT_RUNS", "4")
        .env("RUN_LEASE_SECONDS", "3")
        .env("RUN_SWEEP_SECONDS", "1")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start jobintel serve")
}

async fn runs(store: &SharedStore, status: RunStatus) -> Vec<PipelineRun> {
    store.list_runs(&RunQuery::with_status(status, 1_000)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_leaves_no_run_stuck() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    support::queue_demo_runs(&store, 200).await;

    let mut first = serve(dir.path());
    let deadline = Instant::now() + Duration::from_secs(30);
    let held = loop {
        let processing = runs(&store, RunStatus::Processing).await;
        if !processing.is_empty() {
            break processing;
        }
        assert!(Instant::now() < deadline, "the first process never claimed a run");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    first.kill().unwrap(); // SIGKILL: no shutdown, no last words.
    first.wait().unwrap();
    let orphaned: Vec<String> =
        runs(&store, RunStatus::Processing).await.into_iter().map(|r| r.id).collect();
    assert!(
        !orphaned.is_empty(),
        "runs were mid-flight when the process died ({} seen held)",
        held.len()
    );

    let mut second = serve(dir.path());
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let open = runs(&store, RunStatus::Queued).await.len()
            + runs(&store, RunStatus::Processing).await.len();
        if open == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{open} runs still open after 90 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    second.kill().unwrap();
    second.wait().unwrap();

    for id in &orphaned {
        let run = store.get_run(id).await.unwrap().unwrap();
        assert!(
            matches!(run.status, RunStatus::Completed | RunStatus::Partial),
            "{id}: {:?} {:?}",
            run.status,
            run.error
        );
        assert!(run.attempt >= 2, "{id} was taken back and run again");
    }
    assert_eq!(runs(&store, RunStatus::Failed).await.len(), 0);
    let stuck = store
        .list_jobs(&JobQuery {
            statuses: vec![JobStatus::Queued, JobStatus::Processing],
            limit: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(stuck.total, 0, "no job left queued or processing");
}
