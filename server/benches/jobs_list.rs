//! `GET /api/jobs` over HTTP against the raw store query, on SQLite and on the MongoDB-wire
//! server: seeds `BENCH_JOBS` jobs (default 100,000), then times the issue's query — status
//! filter + created_at range, sorted by created_at, page of 50 — `BENCH_ROUNDS` times each.
//!
//! Run: `cargo bench -p server --bench jobs_list` (see BENCHMARKS.md).

#[path = "../tests/support/mod.rs"]
mod support;

use app::model::*;
use chrono::Duration;
use server::auth::Auth;
use server::config::{Config, Secret};
use server::services::Services;
use server::store::{SharedStore, new_id, now};
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Deterministic, varied jobs spread over the last 365 days.
fn jobs(n: usize) -> Vec<Job> {
    let statuses = JobStatus::ALL;
    (0..n)
        .map(|i| {
            let at = now() - Duration::minutes((i as i64 * 5_256) % (365 * 24 * 60));
            Job {
                id: new_id(),
                title: format!("Engineer {i}"),
                company: format!("Company {}", i % 997),
                location: ["Berlin", "Remote", "London", "Oslo"][i % 4].into(),
                remote_policy: RemotePolicy::Hybrid,
                url: None,
                description:
                    "A realistic description would be longer; the list query does not read it."
                        .into(),
                source: "bench".into(),
                status: statuses[i % statuses.len()],
                error: None,
                application: Application::new(at),
                notes: String::new(),
                score: Some((i % 101) as u8),
                tags: vec![],
                dedupe_key: format!("bench|{i}"),
                created_at: at,
                updated_at: at,
            }
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn summary(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    (percentile(&ms, 0.5), percentile(&ms, 0.95))
}

/// One HTTP/1.1 GET on a fresh connection; returns the status line's code.
async fn get(addr: std::net::SocketAddr, path: &str, token: &str) -> u16 {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    String::from_utf8_lossy(&buf[..12.min(buf.len())])
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

async fn run(name: &str, store: SharedStore, seeded: u64, rounds: usize) {
    let query_pairs = {
        let from = (now() - Duration::days(90)).to_rfc3339();
        let to = (now() - Duration::days(30)).to_rfc3339();
        vec![
            ("status".to_string(), "new".to_string()),
            ("created_from".into(), from),
            ("created_to".into(), to),
            ("sort".into(), "created_at".into()),
            ("order".into(), "desc".into()),
            ("limit".into(), "50".into()),
        ]
    };
    let query =
        JobQuery::from_pairs(query_pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
    let path = format!("/api/jobs?{}", encode_query(&query_pairs));

    let mut raw = Vec::with_capacity(rounds);
    let mut hits = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        hits = store.list_jobs(&query).await.expect("query").total;
        raw.push(t.elapsed().as_secs_f64() * 1000.0);
    }

    let config = Config::from_lookup(|_| None).unwrap();
    let auth = Auth::new(&Secret::new("b".repeat(40))).unwrap();
    let services =
        Services::new(config, store.clone(), auth, server::providers::Providers::offline(store));
    services
        .create_user(
            server::services::Actor::Operator,
            "bench",
            Role::Viewer,
            "bench-password".into(),
        )
        .await
        .ok();
    let token = services.issue_token("bench", Duration::hours(1), "test").await.unwrap().0;
    let leptos = leptos::prelude::LeptosOptions::builder().output_name("jobintel").build();
    let router = server::http::router(services, leptos);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let mut http = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        assert_eq!(get(addr, &path, &token).await, 200);
        http.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (raw50, raw95) = summary(raw);
    let (http50, http95) = summary(http);
    println!(
        "{name:8} jobs={seeded:>7} matches={hits:>5} rounds={rounds}  raw store query p50={raw50:7.2} ms p95={raw95:7.2} ms  \
         GET /api/jobs p50={http50:7.2} ms p95={http95:7.2} ms  p95 ratio={:.2}x",
        http95 / raw95
    );
}

#[tokio::main]
async fn main() {
    let n = env_number("BENCH_JOBS", 100_000);
    let rounds = env_number("BENCH_ROUNDS", 200);
    let only = std::env::var("BENCH_BACKEND").unwrap_or_default();

    if only.is_empty() || only == "sqlite" {
        let (store, _dir) = support::sqlite_store().await;
        let t = Instant::now();
        let seeded = store.insert_jobs_bulk(jobs(n)).await.expect("seed sqlite");
        eprintln!("sqlite: seeded {seeded} jobs in {:.1} s", t.elapsed().as_secs_f64());
        run("sqlite", Arc::new(store), seeded, rounds).await;
    }
    if only.is_empty() || only == "mongodb" {
        let (store, _db) = support::mongo_store().await;
        let t = Instant::now();
        let mut seeded = 0;
        for chunk in jobs(n).chunks(5_000) {
            seeded += store.insert_jobs_bulk(chunk.to_vec()).await.expect("seed mongodb");
        }
        eprintln!("mongodb: seeded {seeded} jobs in {:.1} s", t.elapsed().as_secs_f64());
        run("mongodb", Arc::new(store), seeded, rounds).await;
    }
}
