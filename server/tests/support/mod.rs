//! Test harness: real stores. SQLite in a temporary directory; MongoDB through the
//! wire-compatible test server (SecantusDB, installed by `make test-deps`), started once per
//! test binary on a free port, with a fresh database per test. A tiny shell watchdog stops the
//! server when the test process exits, however it exits.
#![allow(dead_code)]

pub mod fakes;
pub mod web;

use server::store::{MongoStore, SqliteStore, new_id};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub fn mongod_path() -> PathBuf {
    match std::env::var("JOBINTEL_TEST_MONGOD") {
        Ok(p) => PathBuf::from(p),
        Err(_) => {
            let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
            PathBuf::from(home).join(".cache/jobintel/mongo-venv/bin/secantusd-py")
        }
    }
}

pub fn python_path() -> PathBuf {
    mongod_path().with_file_name("python")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The URI of this test binary's MongoDB-wire server, starting it on first use.
pub fn mongo_uri() -> &'static str {
    // The child (the watchdog shell) is kept for the life of the test binary; the watchdog
    // itself stops the server when this process exits.
    static SERVER: OnceLock<(String, std::sync::Mutex<std::process::Child>)> = OnceLock::new();
    &SERVER.get_or_init(|| {
        let bin = mongod_path();
        assert!(
            bin.exists(),
            "the MongoDB-wire test server is not installed at {} (run `make test-deps`)",
            bin.display()
        );
        let port = free_port();
        let script = r#""$BIN" --host 127.0.0.1 --port "$PORT" --storage-path :memory: --log-level WARNING &
srv=$!
while kill -0 "$OWNER" 2>/dev/null && kill -0 "$srv" 2>/dev/null; do sleep 0.5; done
kill "$srv" 2>/dev/null"#;
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("BIN", &bin)
            .env("PORT", port.to_string())
            .env("OWNER", std::process::id().to_string())
            .stdin(Stdio::null())
            .spawn()
            .expect("start the MongoDB-wire test server");
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "MongoDB-wire test server did not start on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        (format!("mongodb://127.0.0.1:{port}/"), std::sync::Mutex::new(child))
    })
    .0
}

/// A fresh database on the shared test server; returns the store and the database name.
pub async fn mongo_store() -> (MongoStore, String) {
    let db = format!("t{}", new_id());
    let store = MongoStore::connect(mongo_uri(), &db).await.expect("connect to the test server");
    (store, db)
}

pub async fn sqlite_store() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path()).await.expect("open sqlite");
    (store, dir)
}

/// Queues `n` jobs (copies of the demo postings, under fresh dedupe keys) with a run each.
pub async fn queue_demo_runs(store: &server::store::SharedStore, n: usize) {
    use app::model::{JobStatus, PipelineRun};
    let demo = server::demo::demo_jobs(server::store::now()).expect("demo jobs");
    for i in 0..n {
        let mut job = demo[i % demo.len()].clone();
        job.id = new_id();
        job.dedupe_key = format!("queued-demo|{i}");
        job.status = JobStatus::Queued;
        store.insert_job(&job).await.expect("insert job");
        let run = PipelineRun::queued(
            new_id(),
            job.id,
            app::model::TierChoice::Auto,
            3,
            server::store::now(),
        );
        store.insert_run(&run).await.expect("queue run");
    }
}

/// Services over `store` with the demo data and an admin (`admin` / `admin-password`).
pub async fn demo_with_admin(
    config: server::config::Config,
    store: server::store::SharedStore,
    providers: server::providers::SharedProviders,
) -> (std::sync::Arc<server::services::Services>, app::model::UserInfo) {
    let auth = server::auth::Auth::new(&server::config::Secret::new("d".repeat(40))).unwrap();
    let services = server::services::Services::new(config, store, auth, providers);
    services.seed_demo(false).await.unwrap();
    let user = services
        .create_user(
            server::services::Actor::Operator,
            "admin",
            app::model::Role::Admin,
            "admin-password".into(),
        )
        .await
        .unwrap();
    (services, user)
}
