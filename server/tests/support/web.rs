//! The HTTP test harness: the real router (no sockets) on a real SQLite store, with an admin
//! and a viewer signed in.

use app::model::*;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use server::auth::Auth;
use server::config::{Config, Secret};
use server::services::{Services, SharedServices};
use tower::ServiceExt;

/// Held by every test that drives the router, for its whole life, so those tests run one at a
/// time. Each `#[tokio::test]` has a runtime of its own, and with several alive at once a
/// Leptos page render was seen to lose its wake-up and hang for good (about one run in ten
/// under load; never with one test thread, and a served process has a single runtime).
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    ONE_AT_A_TIME.lock().await
}

pub struct App {
    pub router: Router,
    pub services: SharedServices,
    pub admin: String,
    pub viewer: String,
    pub dir: tempfile::TempDir,
    _serial: tokio::sync::MutexGuard<'static, ()>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

/// Services on a fresh SQLite store with the offline providers and `config` (its data
/// directory set to the store's).
pub async fn services(config: Config) -> (SharedServices, tempfile::TempDir) {
    services_on(config, server::clock::system()).await
}

/// The same, reading time from `clock` (a `ManualClock` lets a test move it).
pub async fn services_on(
    mut config: Config,
    clock: server::clock::SharedClock,
) -> (SharedServices, tempfile::TempDir) {
    let (store, dir) = super::sqlite_store().await;
    config.data_dir = dir.path().to_path_buf();
    let auth = Auth::new(&Secret::new("t".repeat(40))).unwrap();
    let store: server::store::SharedStore = std::sync::Arc::new(store);
    let providers = server::providers::Providers::offline_with_clock(store.clone(), clock);
    (Services::new(config, store, auth, providers), dir)
}

pub async fn app() -> App {
    app_with(Config::from_lookup(|_| None).unwrap()).await
}

/// `app()` with its own configuration.
pub async fn app_with(config: Config) -> App {
    let serial = serial().await;
    let (services, dir) = services(config).await;
    services
        .create_user(
            server::services::Actor::Operator,
            "admin",
            Role::Admin,
            "admin-password".into(),
        )
        .await
        .unwrap();
    services
        .create_user(
            server::services::Actor::Operator,
            "viewer",
            Role::Viewer,
            "viewer-password".into(),
        )
        .await
        .unwrap();
    let admin = services.issue_token("admin", chrono::Duration::hours(1), "test").await.unwrap().0;
    let viewer =
        services.issue_token("viewer", chrono::Duration::hours(1), "test").await.unwrap().0;
    let leptos = leptos::prelude::LeptosOptions::builder()
        .output_name("jobintel")
        .site_root(dir.path().to_string_lossy().to_string())
        .build();
    let router = server::http::router(services.clone(), leptos);
    App { router, services, admin, viewer, dir, _serial: serial }
}

impl App {
    /// Sends a request through the router and reads the whole answer.
    pub async fn request(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 10 * 1024 * 1024).await.unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Reply { status, headers, text, bytes: bytes.to_vec() }
    }

    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<(&str, String)>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some((ct, b)) => req.header(header::CONTENT_TYPE, ct).body(Body::from(b)),
            None => req.body(Body::empty()),
        }
        .unwrap();
        self.request(req).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Method::GET, uri, Some(&self.admin), None).await
    }

    pub async fn json(&self, method: Method, uri: &str, token: &str, body: Value) -> Reply {
        self.send(method, uri, Some(token), Some(("application/json", body.to_string()))).await
    }

    pub async fn page(&self, uri: &str) -> Reply {
        let req = Request::builder()
            .uri(uri)
            .header(header::COOKIE, format!("other=1; jobintel_token={}", self.admin))
            .body(Body::empty())
            .unwrap();
        self.request(req).await
    }

    pub async fn form(&self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::COOKIE, format!("jobintel_token={}", self.admin))
            // What a browser sends with a form posted from one of our pages.
            .header("sec-fetch-site", "same-origin")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(encode_query(fields)))
            .unwrap();
        self.request(req).await
    }

    /// Executes the next queued run with the offline pipeline, as `serve`'s runner would.
    pub async fn run_next(&self) -> bool {
        let store = self.services.store.clone();
        let runner = server::pipeline::Runner::new(
            store.clone(),
            server::pipeline::layers::offline_pipeline(store),
            server::pipeline::RunnerSettings::new(1, std::time::Duration::from_secs(60)),
        );
        runner.step().await.unwrap()
    }

    pub async fn create(&self, title: &str, company: &str, location: &str) -> Value {
        let r = self
            .json(
                Method::POST,
                "/api/jobs",
                &self.admin,
                json!({"title": title, "company": company, "location": location}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()
    }
}

pub fn assert_error(r: &Reply, status: StatusCode, needle: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    let body = r.json();
    assert!(body["error"].is_string(), "error kind in {body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(needle), "`{message}` should mention `{needle}`");
}
