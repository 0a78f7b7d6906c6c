//! The LLM router against local servers that speak OpenAI's, OpenRouter's and Anthropic's wire
//! formats: retries that honour Retry-After, breakers and fallback, quota alerts, 529s, repair
//! of malformed answers, schema rejection, timeouts, rate-limit headers, cost and the budget.

mod support;

use app::model::{HealthStatus, LayerName, LayerStatus, TierChoice};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use server::clock::{self, SharedClock};
use server::control::ControlPlane;
use server::providers::anthropic::Anthropic;
use server::providers::chat::ChatClient;
use server::providers::llm::AskError;
use server::providers::llm::{Llm, LlmSettings, RetryPolicy, Served};
use server::providers::models::ModelTable;
use server::providers::openai::OpenAiCompatible;
use server::providers::prompts::Prompt;
use server::store::SharedStore;
use std::sync::Arc;
use std::time::Duration;
use support::fakes::*;
use tower::ServiceExt;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Verdict {
    #[schemars(range(max = 100))]
    score: u8,
    reason: String,
}

const MODEL: &str = "gpt-6-luna";

fn good() -> Value {
    json!({"score": 82, "reason": "Rust and Kafka match"})
}

fn offline_verdict() -> Verdict {
    Verdict { score: 50, reason: "offline".into() }
}

async fn store() -> (SharedStore, tempfile::TempDir) {
    let (s, dir) = support::sqlite_store().await;
    (Arc::new(s), dir)
}

fn http(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder().timeout(timeout).build().unwrap()
}

fn openai(fake: &FakeServer, clock: &SharedClock) -> Arc<dyn ChatClient> {
    let base = format!("{}/v1", fake.url);
    Arc::new(OpenAiCompatible::openai(
        &base,
        "sk-test-key",
        http(Duration::from_secs(5)),
        clock.clone(),
    ))
}

fn anthropic(fake: &FakeServer, clock: &SharedClock) -> Arc<dyn ChatClient> {
    Arc::new(Anthropic::new(&fake.url, "sk-ant-test", http(Duration::from_secs(5)), clock.clone()))
}

fn settings() -> LlmSettings {
    LlmSettings {
        retry: RetryPolicy {
            max_retries: 2,
            base: chrono::Duration::milliseconds(20),
            cap: chrono::Duration::seconds(5),
        },
        ..LlmSettings::default()
    }
}

fn router(
    chain: Vec<Arc<dyn ChatClient>>,
    settings: LlmSettings,
    store: SharedStore,
    clock: SharedClock,
) -> Llm {
    let control = Arc::new(ControlPlane::new(store, clock.clone(), None));
    Llm::new(chain, ModelTable::bundled(), settings, control, clock)
}

async fn ask(llm: &Llm) -> Result<Served<Verdict>, AskError> {
    let prompt = || {
        Ok(Prompt {
            system: "Score the fit.".into(),
            user: "<posting>\"…\"</posting>".into(),
            version: "test@1".into(),
        })
    };
    llm.ask(LayerName::FitScore, TierChoice::Auto, prompt, |_: &Verdict| Ok(()), offline_verdict)
        .await
}

/// A fake that always fails the same way.
async fn failing(reply: Scripted) -> FakeServer {
    FakeServer::start(move |_, _| reply.clone()).await
}

async fn answering() -> FakeServer {
    FakeServer::start(|_, _| openai_limits(openai_answer(MODEL, &good(), 1000, 500), 4999)).await
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_the_call_succeeds() {
    let (store, _dir) = store().await;
    let clock = clock::system();
    let fake = answering().await;
    fake.push([openai_error(
        429,
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for requests",
    )
    .header("retry-after", "2")]);
    let llm = router(vec![openai(&fake, &clock)], settings(), store, clock);
    let served = ask(&llm).await.unwrap();
    assert_eq!(served.value, Verdict { score: 82, reason: "Rust and Kafka match".into() });
    assert_eq!(
        (served.usage.provider.as_str(), served.usage.calls, served.usage.retries),
        ("openai", 2, 1)
    );
    let r = fake.requests();
    let waited = r[1].at - r[0].at;
    assert!(waited >= Duration::from_secs(2), "waited {waited:?}, Retry-After said 2 s");
    assert!(waited < Duration::from_secs(4), "waited {waited:?}");
    // The request was a strict json_schema request with the bearer key.
    assert_eq!(r[0].path, "/v1/chat/completions");
    assert_eq!(r[0].headers["authorization"], "Bearer sk-test-key");
    assert_eq!(r[0].body["response_format"]["json_schema"]["strict"], true);
    assert_eq!(
        r[0].body["response_format"]["json_schema"]["schema"]["additionalProperties"],
        false
    );
    assert_eq!(r[0].body["model"], MODEL);
    assert!(r[0].body.get("max_completion_tokens").is_some());
}

#[tokio::test]
async fn repeated_500s_open_the_breaker_and_the_fallback_provider_serves() {
    let (store, _dir) = store().await;
    let clock = clock::system();
    let down = failing(anthropic_error(500, "api_error", "Internal server error")).await;
    let up = answering().await;
    let llm = router(vec![anthropic(&down, &clock), openai(&up, &clock)], settings(), store, clock);
    let served = ask(&llm).await.unwrap();
    assert_eq!(served.usage.provider, "openai");
    assert_eq!(down.requests().len(), 3, "three failures open the breaker (threshold 3)");
    assert!(
        served.usage.fallbacks[0].starts_with("anthropic: retryable (HTTP 500)"),
        "{:?}",
        served.usage.fallbacks
    );
    let states = llm.providers();
    assert_eq!(serde_json::to_value(&states[0].breaker).unwrap()["state"], "open");
    // While open, the provider is not even called.
    let again = ask(&llm).await.unwrap();
    assert_eq!(down.requests().len(), 3);
    assert_eq!(again.usage.fallbacks, ["anthropic: circuit open"]);
}

#[tokio::test]
async fn a_quota_error_is_not_retried_and_raises_an_alert() {
    let (store, _dir) = store().await;
    let clock = clock::system();
    let broke = failing(openai_error(
        429,
        "insufficient_quota",
        "insufficient_quota",
        "You exceeded your current quota",
    ))
    .await;
    let llm = router(vec![openai(&broke, &clock)], settings(), store, clock);
    let served = ask(&llm).await.unwrap();
    assert_eq!(broke.requests().len(), 1, "no retry on quota");
    assert_eq!(served.usage.provider, "offline", "the offline provider served");
    assert_eq!(served.value, offline_verdict());
    let alerts = llm.alerts();
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        (alerts[0].provider.as_str(), alerts[0].kind.as_str()),
        ("openai", "quota_exhausted")
    );
    let breaker = serde_json::to_value(&llm.providers()[0].breaker).unwrap();
    assert_eq!(breaker["state"], "open");
    assert_eq!(breaker["reason"], "quota_exhausted");
}

#[tokio::test]
async fn an_invalid_key_alerts_and_never_reaches_the_alert_text() {
    let (store, _dir) = store().await;
    let clock = clock::system();
    let fake = failing(openai_error(
        401,
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided: sk-test***key.",
    ))
    .await;
    let llm = router(vec![openai(&fake, &clock)], settings(), store, clock);
    ask(&llm).await.unwrap();
    assert_eq!(fake.requests().len(), 1);
    let alert = &llm.alerts()[0];
    assert_eq!(alert.kind, "auth");
    assert!(!alert.message.contains("sk-test"), "{}", alert.message);
}

#[tokio::test]
async fn anthropic_529_overloaded_is_retried_with_a_forced_tool_call() {
    let (store, _dir) = store().await;
    let clock = clock::system();
    let fake =
        FakeServer::start(|_, _| anthropic_answer("claude-haiku-5-5", "fit_score", &good())).await;
    fake.push([anthropic_error(529, "overloaded_error", "Overloaded")]);
    let llm = router(vec![anthropic(&fake, &clock)], settings(), store, clock);
    let served = ask(&llm).await.unwrap();
    assert_eq!((served.usage.provider.as_str(), served.usage.retries), ("anthropic", 1));
    assert_eq!(served.usage.model.as_deref(), Some("claude-haiku-5-5"));
    let r = &fake.requests()[1];
    assert_eq!(r.path, "/v1/messages");
    assert_eq!(r.headers["x-api-key"], "sk-ant-test");
    assert_eq!(r.headers["anthropic-version"], "2023-06-01");
    assert_eq!(r.body["tool_choice"], json!({"type": "tool", "name": "fit_score"}));
    assert_eq!(r.body["tools"][0]["input_schema"]["properties"]["score"]["maximum"], 100);
    assert!(r.body["max_tokens"].as_u64().unwrap() > 0);
    // Rate-limit headers are Anthropic's RFC 3339 reset times.
    let limit = llm.providers()[0].rate_limit.clone().unwrap();
    assert_eq!(limit.remaining_requests, Some(49));
    assert_eq!(limit.reset_requests.unwrap().to_rfc3339(), "2026-11-28T12:40:59+00:00");
}

#[tokio::test]
async fn malformed_json_is_repaired_once_then_fails_the_layer() {
    let (store, _dir) = store().await;
    let clock = clock::system();
    let fake = answering().await;
    fake.push([
        openai_text(MODEL, "{\"score\": 82, \"reason\": ", 900, 20),
        openai_text(MODEL, "Sure! Here it is", 950, 5),
    ]);
    let strict = LlmSettings { offline_fallback: false, ..settings() };
    let llm = router(vec![openai(&fake, &clock)], strict, store.clone(), clock.clone());
    let err = ask(&llm).await.err().expect("the layer fails");
    assert!(err.to_string().contains("invalid answer after one repair"), "{err}");
    assert!(err.to_string().contains("not valid JSON"), "{err}");
    let r = fake.requests();
    assert_eq!(r.len(), 2, "one repair, no more");
    let repair = &r[1].body["messages"];
    assert_eq!(repair[2]["role"], "assistant");
    assert!(repair[3]["content"].as_str().unwrap().contains("rejected"));

    // A repair that works is an answer.
    fake.push([openai_text(MODEL, "{\"score\": 82", 900, 20)]);
    let served = ask(&llm).await.unwrap();
    assert_eq!((served.usage.calls, served.value.score), (2, 82));
}

#[tokio::test]
async fn a_schema_invalid_answer_is_rejected_with_the_path() {
    let (store, _dir) = store().await;
    let clock = clock::system();
    let fake = answering().await;
    fake.push([
        openai_answer(MODEL, &json!({"score": "high", "reason": "x"}), 10, 5),
        openai_answer(MODEL, &json!({"score": 140, "reason": "x"}), 10, 5),
    ]);
    let strict = LlmSettings { offline_fallback: false, ..settings() };
    let llm = router(vec![openai(&fake, &clock)], strict, store, clock);
    let err = ask(&llm).await.err().unwrap();
    assert!(err.to_string().contains("`/score`: 140 is above the maximum 100"), "{err}");
    let repair = fake.requests()[1].body["messages"][3]["content"].as_str().unwrap().to_string();
    assert!(repair.contains("`/score`: expected integer, got string"), "{repair}");
}

#[tokio::test]
async fn a_slow_provider_times_out_and_the_next_one_serves() {
    let (store, _dir) = store().await;
    let clock = clock::system();
    let slow = FakeServer::start(|_, _| {
        openai_answer(MODEL, &good(), 10, 5).after(Duration::from_secs(3))
    })
    .await;
    let base = format!("{}/v1", slow.url);
    let impatient: Arc<dyn ChatClient> = Arc::new(OpenAiCompatible::openai(
        &base,
        "k",
        http(Duration::from_millis(300)),
        clock.clone(),
    ));
    let no_retries =
        LlmSettings { retry: RetryPolicy { max_retries: 0, ..settings().retry }, ..settings() };
    let llm = router(vec![impatient], no_retries, store, clock);
    let served = ask(&llm).await.unwrap();
    assert_eq!(served.usage.provider, "offline");
    assert!(served.usage.fallbacks[0].contains("timed out"), "{:?}", served.usage.fallbacks);
}

#[tokio::test]
async fn truncation_and_refusal_are_not_retried() {
    let (store, _dir) = store().await;
    let clock = clock::system();
    let mut cut = openai_text(MODEL, "{\"score\": 8", 10, 4096);
    cut.body = cut.body.replace("\"stop\"", "\"length\"");
    let fake = answering().await;
    fake.push([cut]);
    let llm = router(vec![openai(&fake, &clock)], settings(), store, clock);
    let served = ask(&llm).await.unwrap();
    assert_eq!(fake.requests().len(), 1);
    assert!(served.usage.fallbacks[0].contains("truncated"), "{:?}", served.usage.fallbacks);
}

#[tokio::test]
async fn openrouter_gets_attribution_headers_and_its_reported_cost_wins() {
    let (store, _dir) = store().await;
    let clock = clock::system();
    let mut answer = openai_answer("google/gemini-2.5-flash", &good(), 1000, 500);
    answer.body =
        answer.body.replace("\"total_tokens\":1500", "\"total_tokens\":1500,\"cost\":0.0123");
    let fake = FakeServer::start(move |_, _| answer.clone()).await;
    let client: Arc<dyn ChatClient> = Arc::new(OpenAiCompatible::openrouter(
        &format!("{}/api/v1", fake.url),
        "sk-or-v1-test",
        "http://jobintel.example",
        http(Duration::from_secs(5)),
        clock.clone(),
    ));
    let llm = router(vec![client], settings(), store, clock);
    let served = ask(&llm).await.unwrap();
    assert_eq!(served.usage.cost_usd, 0.0123);
    let r = &fake.requests()[0];
    assert_eq!(r.path, "/api/v1/chat/completions");
    assert_eq!(r.headers["http-referer"], "http://jobintel.example");
    assert_eq!(r.headers["x-title"], "jobintel");
    assert_eq!(r.body["model"], "google/gemini-2.5-flash");
    assert!(r.body.get("max_tokens").is_some());

    // An error that arrives in a 200 body (generation already started) is still an error.
    fake.push([Scripted::json(200, json!({"error": {"code": 502, "message": "upstream model down", "metadata": {"provider_name": "x"}}}))]);
    let served = ask(&llm).await.unwrap();
    assert_eq!(served.usage.retries, 1, "a 502 in the body is retried");
}

#[tokio::test]
async fn cost_is_priced_from_the_table_and_the_budget_pauses_the_pipeline() {
    let (store, _dir) = store().await;
    let clock = clock::system();
    let fake = answering().await;
    let control = Arc::new(ControlPlane::new(store.clone(), clock.clone(), Some(0.0005)));
    let llm = Llm::new(
        vec![openai(&fake, &clock)],
        ModelTable::bundled(),
        settings(),
        control.clone(),
        clock,
    );
    let one_call = (1000.0 * 0.10 + 500.0 * 0.50) / 1_000_000.0;
    let served = ask(&llm).await.unwrap();
    assert!((served.usage.cost_usd - one_call).abs() < 1e-12, "{}", served.usage.cost_usd);
    assert_eq!((served.usage.input_tokens, served.usage.output_tokens), (1000, 500));
    ask(&llm).await.unwrap();
    assert!((control.spent_today().await - 2.0 * one_call).abs() < 1e-12);
    // $0.0007 spent of a $0.0005 budget: the next layer is answered offline and the pipeline
    // pauses itself, saying why.
    let third = ask(&llm).await.unwrap();
    assert_eq!(third.usage.provider, "offline");
    assert_eq!(fake.requests().len(), 2);
    let pause = store.get_setting("pipeline").await.unwrap().unwrap();
    assert_eq!(pause["paused"], true);
    assert!(pause["reason"].as_str().unwrap().contains("daily LLM budget"), "{pause}");
}

/// A fake OpenAI that answers the layers it knows and refuses the rest with a 400.
fn pipeline_fake(_path: &str, body: &Value) -> Scripted {
    let answer = match layer_of(body).as_str() {
        "fit_score" => {
            json!({"score": 91, "rationale": ["Asks for Rust; five years of Rust at Northwind."], "gaps": []})
        }
        "role_research" => {
            json!({"summary": "Own the ledger.", "business_impact": ["Fewer incidents"], "why_now": ["Growth"]})
        }
        _ => {
            return openai_error(
                400,
                "invalid_request_error",
                "unsupported",
                "unsupported layer in this fake",
            );
        }
    };
    openai_limits(openai_answer(MODEL, &answer, 2000, 300), 4990)
}

#[tokio::test]
async fn a_run_records_provider_model_tokens_and_cost_and_metrics_show_them() {
    let fake = FakeServer::start(pipeline_fake).await;
    let (sqlite, dir) = support::sqlite_store().await;
    let store: SharedStore = Arc::new(sqlite);
    let base = format!("{}/v1", fake.url);
    let vars = [
        ("PRIMARY_LLM_PROVIDER", "openai"),
        ("OPENAI_API_KEY", "sk-test"),
        ("OPENAI_BASE_URL", base.as_str()),
    ];
    let config = server::config::Config::from_lookup(|k| {
        vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    })
    .unwrap();
    let providers =
        server::providers::Providers::from_config(&config, store.clone(), clock::system()).unwrap();
    let (services, user) = support::demo_with_admin(config, store.clone(), providers).await;
    let job = store.list_jobs(&Default::default()).await.unwrap().items.remove(0);
    let run = services.enqueue_run(&user, &job.id, TierChoice::A).await.unwrap();
    let runner = server::pipeline::Runner::new(
        store.clone(),
        services.layers(),
        server::pipeline::RunnerSettings::new(1, Duration::from_secs(60)),
    );
    assert!(runner.step().await.unwrap());
    let done = store.get_run(&run.id).await.unwrap().unwrap();
    assert!(
        matches!(done.status, app::model::RunStatus::Completed | app::model::RunStatus::Partial),
        "{:?}",
        done.error
    );
    let layer = |n: &str| done.layers.iter().find(|l| l.name.as_str() == n).unwrap().clone();
    let fit = layer("fit_score");
    assert_eq!((fit.provider.as_deref(), fit.model.as_deref()), (Some("openai"), Some(MODEL)));
    assert_eq!((fit.input_tokens, fit.output_tokens), (2000, 300));
    assert_eq!(fit.prompt_version.as_deref(), Some("fit_score@1"));
    assert_eq!(
        fit.output.unwrap()["category"],
        "exceptional",
        "category follows the model's score"
    );
    let asked: Vec<Value> = fake.requests().into_iter().map(|r| r.body).collect();
    let fit_request = asked.iter().find(|b| layer_of(b) == "fit_score").unwrap();
    assert_eq!(fit_request["model"], "gpt-6.1-terra", "tier A picks the table's tier-A model");
    let user_message = fit_request["messages"][1]["content"].as_str().unwrap();
    assert!(user_message.contains("<star_records>"), "{user_message}");
    let jd = layer("jd_extraction");
    assert_eq!(jd.provider.as_deref(), Some("offline"));
    assert!(jd.fallbacks[0].starts_with("openai: bad_request (HTTP 400)"), "{:?}", jd.fallbacks);
    let per_call = (2000.0 * 0.10 + 300.0 * 0.50) / 1_000_000.0;
    let total: f64 = done.layers.iter().map(|l| l.cost_usd).sum();
    assert!((total - 2.0 * per_call).abs() < 1e-12, "two layers answered by the model: {total}");

    let token = services.issue_token("admin", chrono::Duration::hours(1), "test").await.unwrap().0;
    let leptos = leptos::prelude::LeptosOptions::builder()
        .output_name("jobintel")
        .site_root(dir.path().to_string_lossy().to_string())
        .build();
    let app = server::http::router(services.clone(), leptos);
    let get = |uri: &str| {
        Request::builder()
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let res = app.clone().oneshot(get("/api/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let m: Value =
        serde_json::from_slice(&axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap())
            .unwrap();
    assert_eq!(m["rate_limits"]["openai"]["remaining_requests"], 4990);
    assert_eq!(m["rate_limits"]["openai"]["limit_tokens"], 160000);
    assert!((m["llm_cost"]["last_run_usd"].as_f64().unwrap() - 2.0 * per_call).abs() < 1e-9);
    assert!((m["llm_cost"]["today_usd"].as_f64().unwrap() - 2.0 * per_call).abs() < 1e-9);
    assert_eq!(m["circuit_breakers"]["openai"]["state"], "closed");
    assert_eq!(m["pipeline"]["runs_24h"], 1);
    let unauthenticated = Request::builder().uri("/api/metrics").body(Body::empty()).unwrap();
    assert_eq!(
        app.clone().oneshot(unauthenticated).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    let res = app.oneshot(get("/api/health")).await.unwrap();
    let h: Value =
        serde_json::from_slice(&axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap())
            .unwrap();
    assert_eq!(h["llm"]["status"], "healthy");
    let openai = h["llm"]["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "openai")
        .unwrap()
        .clone();
    assert_eq!(openai, json!({"name": "openai", "configured": true, "breaker": "closed"}));
}

/// Answers company searches with news and contact searches with LinkedIn profiles.
fn firecrawl_fake(_path: &str, body: &Value) -> Scripted {
    let query = body["query"].as_str().unwrap_or_default();
    if query.contains("linkedin") {
        firecrawl_hits(&[
            (
                "https://www.linkedin.com/in/ada-example",
                "Ada Example - Engineering Manager - Lumen Bank | LinkedIn",
                "Leads the ledger team",
            ),
            (
                "https://www.linkedin.com/in/someone-else",
                "Sam Other - Recruiter - Another Co | LinkedIn",
                "Elsewhere",
            ),
        ])
    } else {
        firecrawl_hits(&[
            (
                "https://news.example/lumen-series-b",
                "Lumen Bank raises Series B",
                "The payments company raised $40M in funding.",
            ),
            (
                "https://news.example/lumen-partner",
                "Lumen Bank partners with a bank",
                "A partnership for instant payouts.",
            ),
        ])
    }
}

struct Harness {
    services: server::services::SharedServices,
    store: SharedStore,
    clock: Arc<clock::ManualClock>,
    user: app::model::UserInfo,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn new(vars: &[(&str, &str)]) -> Self {
        let (sqlite, dir) = support::sqlite_store().await;
        let store: SharedStore = Arc::new(sqlite);
        let config = server::config::Config::from_lookup(|k| {
            vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        })
        .unwrap();
        let clock = clock::ManualClock::new(chrono::Utc::now());
        let providers =
            server::providers::Providers::from_config(&config, store.clone(), clock.clone())
                .unwrap();
        let (services, user) = support::demo_with_admin(config, store.clone(), providers).await;
        Harness { services, store, clock, user, _dir: dir }
    }

    /// A harness whose LLM is the OpenAI-compatible `llm` fake, and FireCrawl the `firecrawl`
    /// fake when given.
    async fn with_model(llm: &FakeServer, firecrawl: Option<&FakeServer>) -> Self {
        let base = format!("{}/v1", llm.url);
        let mut vars = vec![
            ("PRIMARY_LLM_PROVIDER", "openai"),
            ("OPENAI_API_KEY", "sk-test"),
            ("OPENAI_BASE_URL", base.as_str()),
        ];
        if let Some(f) = firecrawl {
            vars.extend([("FIRECRAWL_API_KEY", "fc-test"), ("FIRECRAWL_BASE_URL", f.url.as_str())]);
        }
        Harness::new(&vars).await
    }

    async fn job(&self, company: &str) -> app::model::Job {
        let jobs = self
            .store
            .list_jobs(&app::model::JobQuery { limit: 200, ..Default::default() })
            .await
            .unwrap()
            .items;
        jobs.into_iter()
            .find(|j| j.company == company)
            .unwrap_or_else(|| panic!("a demo job at {company}"))
    }

    async fn run(&self, job: &app::model::Job) -> app::model::PipelineRun {
        let run = self.services.enqueue_run(&self.user, &job.id, TierChoice::A).await.unwrap();
        // One clock for the process: the runner claims by the services' (moved) time.
        let mut settings = server::pipeline::RunnerSettings::new(1, Duration::from_secs(60));
        settings.clock = self.clock.clone();
        let runner =
            server::pipeline::Runner::new(self.store.clone(), self.services.layers(), settings);
        assert!(runner.step().await.unwrap());
        self.store.get_run(&run.id).await.unwrap().unwrap()
    }
}

impl Harness {
    /// The run's page as the server renders it (take `support::web::serial` first).
    async fn run_page(&self, run: &app::model::PipelineRun) -> String {
        let token =
            self.services.issue_token("admin", chrono::Duration::hours(1), "test").await.unwrap().0;
        let leptos = leptos::prelude::LeptosOptions::builder().output_name("jobintel").build();
        let page = server::http::router(self.services.clone(), leptos)
            .oneshot(
                Request::builder()
                    .uri(format!("/runs/{}", run.id))
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let body = axum::body::to_bytes(page.into_body(), 1 << 24).await.unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }
}

fn layer<'a>(run: &'a app::model::PipelineRun, name: &str) -> &'a app::model::LayerRun {
    run.layers.iter().find(|l| l.name.as_str() == name).unwrap()
}

#[tokio::test]
async fn firecrawl_429_opens_its_breaker_for_five_minutes_and_contacts_turn_synthetic() {
    let fake = FakeServer::start(firecrawl_fake).await;
    fake.push([firecrawl_error(429, "Rate limit exceeded").header("retry-after", "30")]);
    let h =
        Harness::new(&[("FIRECRAWL_API_KEY", "fc-test"), ("FIRECRAWL_BASE_URL", &fake.url)]).await;
    let job = h.job("Lumen Bank").await;

    let first = h.run(&job).await;
    assert_eq!(fake.requests().len(), 1, "the 429 stops further calls in this run");
    assert_eq!(fake.requests()[0].path, "/v2/search");
    assert_eq!(fake.requests()[0].headers["authorization"], "Bearer fc-test");
    assert_eq!(first.status, app::model::RunStatus::Partial, "the run goes on, flagged");
    let people = layer(&first, "people_mapper");
    assert_eq!(people.status, LayerStatus::Warning);
    assert!(people.log.iter().any(|l| l.contains("circuit is open")), "{:?}", people.log);
    let contacts = people.output.as_ref().unwrap()["primary"].as_array().unwrap().clone();
    assert!(
        contacts
            .iter()
            .all(|c| c["synthetic"] == true
                && c["source"].as_str().unwrap().starts_with("synthetic"))
    );
    let health = h.services.health().await;
    assert_eq!(health.firecrawl.status, HealthStatus::Degraded);

    h.clock.advance(chrono::Duration::seconds(299));
    h.run(&job).await;
    assert_eq!(fake.requests().len(), 1, "still backing off at 4:59");

    h.clock.advance(chrono::Duration::seconds(2));
    let later = h.run(&job).await;
    assert_eq!(fake.requests().len(), 3, "after five minutes both searches go out");
    let people = layer(&later, "people_mapper");
    assert_eq!(people.provider.as_deref(), Some("firecrawl"));
    let primary = &people.output.as_ref().unwrap()["primary"];
    assert_eq!(primary[0]["name"], "Ada Example");
    assert_eq!(primary[0]["source"], "https://www.linkedin.com/in/ada-example");
    assert_eq!(primary[1]["synthetic"], true, "the other company's recruiter is not taken");
    assert_eq!(h.services.health().await.firecrawl.status, HealthStatus::Healthy);
    let metrics = serde_json::to_value(h.services.metrics().await.unwrap()).unwrap();
    assert_eq!(metrics["rate_limits"]["firecrawl"]["per_minute"]["used"], 2);
    assert_eq!(metrics["rate_limits"]["firecrawl"]["per_day"], json!({"limit": 600, "used": 3}));
    assert_eq!(metrics["rate_limits"]["firecrawl"]["credits_used_today"], 4);
}

#[tokio::test]
async fn company_research_is_cached_per_company_until_its_ttl_and_can_be_cleared() {
    let fake = FakeServer::start(firecrawl_fake).await;
    let h =
        Harness::new(&[("FIRECRAWL_API_KEY", "fc-test"), ("FIRECRAWL_BASE_URL", &fake.url)]).await;
    let job = h.job("Lumen Bank").await;
    let company_searches = || {
        fake.requests()
            .iter()
            .filter(|r| !r.body["query"].as_str().unwrap().contains("linkedin"))
            .count()
    };

    let first = h.run(&job).await;
    let research = layer(&first, "company_research").output.clone().unwrap();
    assert_eq!(research["source"], "web search (FireCrawl)");
    let kinds: Vec<&str> = research["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["funding", "partnership"]);
    assert_eq!(research["signals"][0]["source_url"], "https://news.example/lumen-series-b");
    assert_eq!(company_searches(), 1);

    let second = h.run(&job).await;
    assert_eq!(layer(&second, "company_research").provider.as_deref(), Some("cache"));
    assert_eq!(company_searches(), 1, "the second run for the company reads the cache");

    // Eight days later the entry has expired.
    let mut entry = h.store.get_company("lumen bank").await.unwrap().unwrap();
    entry.cached_at = chrono::Utc::now() - chrono::Duration::days(8);
    h.store.put_company(&entry).await.unwrap();
    h.run(&job).await;
    assert_eq!(company_searches(), 2, "expired research is fetched again");

    assert_eq!(
        h.services
            .clear_company_cache(server::services::Actor::User(&h.user), Some("  LUMEN   bank "))
            .await
            .unwrap(),
        1
    );
    assert_eq!(h.store.get_company("Lumen Bank").await.unwrap(), None);

    // Switched off at runtime: no more requests, synthetic contacts, research from the posting.
    h.services.set_firecrawl(server::services::Actor::User(&h.user), false).await.unwrap();
    let off = h.run(&job).await;
    assert_eq!(company_searches(), 2);
    assert!(
        layer(&off, "company_research").log.iter().any(|l| l.contains("FireCrawl is disabled"))
    );
    assert_eq!(h.services.health().await.firecrawl.status, HealthStatus::Disabled);
}

/// The draft CV quoted in a cv_generation request.
fn draft_of(body: &Value) -> Vec<Value> {
    let user = body["messages"][1]["content"].as_str().unwrap();
    let start = user.find("<draft>").unwrap() + "<draft>".len();
    let end = user.find("</draft>").unwrap();
    serde_json::from_str(user[start..end].trim()).unwrap()
}

#[tokio::test]
async fn a_model_may_rephrase_bullets_but_never_the_facts() {
    let honest = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flag = honest.clone();
    let fake = FakeServer::start(move |_, body| {
        if layer_of(body) != "cv_generation" {
            return openai_error(
                400,
                "invalid_request_error",
                "unsupported",
                "unsupported layer in this fake",
            );
        }
        let mut lines = draft_of(body);
        if flag.load(std::sync::atomic::Ordering::SeqCst) {
            // Reorder: skills first; rephrase one bullet, keeping its numbers.
            lines.sort_by_key(|l| l["section"] != "skills");
            let bullet = lines
                .iter_mut()
                .find(|l| l["source"].as_str().unwrap().contains(".highlights["))
                .unwrap();
            let original = bullet["text"].as_str().unwrap().to_string();
            bullet["text"] = json!(format!("Tailored for the posting: {original}"));
        } else {
            // Invent a better employer.
            let employer = lines
                .iter_mut()
                .find(|l| l["source"].as_str().unwrap().ends_with("].name"))
                .unwrap();
            employer["text"] = json!("Google");
        }
        openai_answer(MODEL, &json!({"lines": lines}), 3000, 800)
    })
    .await;
    let h = Harness::with_model(&fake, None).await;
    let job = h.job("Lumen Bank").await;

    let run = h.run(&job).await;
    let cv = layer(&run, "cv_generation");
    assert_eq!(cv.provider.as_deref(), Some("openai"), "{:?}", cv.fallbacks);
    let lines = cv.output.as_ref().unwrap()["lines"].as_array().unwrap().clone();
    assert_eq!(lines[0]["section"], "skills");
    assert!(
        lines.iter().any(|l| l["text"].as_str().unwrap().starts_with("Tailored for the posting"))
    );

    honest.store(false, std::sync::atomic::Ordering::SeqCst);
    let run = h.run(&job).await;
    let cv = layer(&run, "cv_generation");
    assert_eq!(cv.provider.as_deref(), Some("offline"), "the invented employer is refused");
    assert_eq!(cv.calls, 2, "one repair attempt");
    assert!(cv.fallbacks[0].contains("must stay exactly"), "{:?}", cv.fallbacks);
    let texts: Vec<&str> = cv.output.as_ref().unwrap()["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap())
        .collect();
    assert!(!texts.contains(&"Google"));
}

#[tokio::test]
async fn role_research_reads_the_posting_page_through_firecrawl_scrape() {
    let firecrawl = FakeServer::start(|path, _| {
        if path == "/v2/scrape" {
            Scripted::json(200, json!({"success": true, "data": {
                "markdown": "# Staff Engineer\nThe ledger team is moving to event sourcing this quarter.",
                "metadata": {"title": "Staff Engineer", "sourceURL": "https://jobs.lumenbank.example/staff-payments", "statusCode": 200}
            }}))
        } else {
            firecrawl_hits(&[])
        }
    })
    .await;
    let llm = FakeServer::start(|_, body| {
        if layer_of(body) == "role_research" {
            let answer = json!({"summary": "Own the ledger.", "business_impact": ["Fewer incidents"], "why_now": ["Event sourcing this quarter"]});
            return openai_answer(MODEL, &answer, 1500, 200);
        }
        openai_error(400, "invalid_request_error", "unsupported", "unsupported layer in this fake")
    })
    .await;
    let h = Harness::with_model(&llm, Some(&firecrawl)).await;
    let run = h.run(&h.job("Lumen Bank").await).await;
    let scrape = firecrawl
        .requests()
        .into_iter()
        .find(|r| r.path == "/v2/scrape")
        .expect("the page was scraped");
    assert_eq!(scrape.body["url"], "https://jobs.lumenbank.example/staff-payments");
    assert_eq!(scrape.body["formats"], json!(["markdown"]));
    let asked = llm.requests().into_iter().find(|r| layer_of(&r.body) == "role_research").unwrap();
    let user = asked.body["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("moving to event sourcing this quarter"), "{user}");
    let role = layer(&run, "role_research");
    assert_eq!(
        (role.provider.as_deref(), role.prompt_version.as_deref()),
        (Some("openai"), Some("role_research@2"))
    );
    assert!(
        role.log.iter().any(|l| l.starts_with("posting page read via FireCrawl")),
        "{:?}",
        role.log
    );
    assert!(
        role.log.iter().any(|l| l.contains("1500 + 200 tokens")),
        "per-call line: {:?}",
        role.log
    );
}

#[tokio::test]
async fn concurrent_layers_add_up_their_spend() {
    let (store, _dir) = store().await;
    let clock = clock::system();
    let fake = answering().await;
    let control = Arc::new(ControlPlane::new(store, clock.clone(), None));
    let chain = vec![openai(&fake, &clock)];
    let llm = Arc::new(Llm::new(chain, ModelTable::bundled(), settings(), control.clone(), clock));
    let asks = (0..10).map(|_| {
        let llm = llm.clone();
        tokio::spawn(async move { ask(&llm).await.unwrap().usage.cost_usd })
    });
    let costs: Vec<f64> =
        futures_util::future::join_all(asks).await.into_iter().map(|c| c.unwrap()).collect();
    let one_call = (1000.0 * 0.10 + 500.0 * 0.50) / 1_000_000.0;
    assert!(costs.iter().all(|c| (c - one_call).abs() < 1e-12));
    assert!((control.spent_today().await - 10.0 * one_call).abs() < 1e-12, "no increment lost");
}

/// A model that lies in the cover letter, mixing true and invented sentences: the invented
/// ones never reach the stored letter, the true ones do, and the run lists what was blocked.
/// When only lies come back, the grounded offline letter stands in, never an empty one.
#[tokio::test]
async fn a_lying_models_claims_never_reach_the_cover_letter() {
    // It renders a page: one router-driving test at a time (see `support::web::serial`).
    let _serial = support::web::serial().await;
    const LIES: &str = "I led Kubernetes and AWS migrations at Google since 2008, increasing \
        revenue by 300%. I tuned CUDA kernels for the trading desk. I hold a PhD in distributed \
        systems.";
    const TRUTH: &str = "At Fjordpay AB I led the rewrite of the double-entry ledger in Rust, \
        cutting p99 posting latency from 420 ms to 35 ms. I introduced SLOs and error budgets \
        for the services my team ran, and I mentor engineers through design reviews.";
    let mixed = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flag = mixed.clone();
    let fake = FakeServer::start(move |_, body| {
        if layer_of(body) != "cover_letter" {
            return openai_error(400, "invalid_request_error", "unsupported", "not this layer");
        }
        let middle = if flag.load(std::sync::atomic::Ordering::SeqCst) {
            format!("{LIES} {TRUTH}")
        } else {
            LIES.to_string()
        };
        let text = format!(
            "Dear Lumen Bank hiring team,\n\n{middle}\n\nI would welcome the chance to discuss \
             how I could help Lumen Bank.\n\nKind regards,\nMara Lindqvist"
        );
        openai_answer(MODEL, &json!({"text": text, "cited_star_ids": []}), 3000, 400)
    })
    .await;
    let h = Harness::with_model(&fake, None).await;
    let job = h.job("Lumen Bank").await;

    let run = h.run(&job).await;
    let letter_layer = layer(&run, "cover_letter");
    assert_eq!(letter_layer.provider.as_deref(), Some("openai"), "{:?}", letter_layer.fallbacks);
    let letter: app::outputs::Letter =
        serde_json::from_value(letter_layer.output.clone().unwrap()).unwrap();
    for invented in ["Google", "2008", "300", "CUDA", "PhD"] {
        assert!(!letter.text.contains(invented), "{invented} reached the letter:\n{}", letter.text);
    }
    assert!(
        letter.text.contains("from 420 ms to 35 ms"),
        "the true sentence survives:\n{}",
        letter.text
    );
    assert!(letter.text.contains("I mentor engineers"), "{}", letter.text);
    let blocked: Vec<(app::outputs::ClaimKind, &str)> =
        letter.blocked.iter().map(|b| (b.kind, b.claim.as_str())).collect();
    use app::outputs::ClaimKind::*;
    for claim in [
        (Employer, "Google"),
        (Number, "2008"),
        (Number, "300"),
        (Technology, "CUDA"),
        (Degree, "phd"),
    ] {
        assert!(blocked.contains(&claim), "{claim:?} not listed in {blocked:?}");
    }
    assert!(
        letter_layer.log.iter().any(|l| l.starts_with("fact gate: ")),
        "{:?}",
        letter_layer.log
    );
    // The run page lists what was blocked, as text.
    let html = h.run_page(&run).await;
    let count = format!("{} claims blocked", letter.blocked.len());
    assert!(html.contains(&count), "the run page says {count}");
    assert!(html.contains("data-testid=\"blocked-claims\""));

    mixed.store(false, std::sync::atomic::Ordering::SeqCst);
    let run = h.run(&job).await;
    let letter: app::outputs::Letter =
        serde_json::from_value(layer(&run, "cover_letter").output.clone().unwrap()).unwrap();
    assert!(letter.text.starts_with("Dear Lumen Bank hiring team,"), "{}", letter.text);
    assert!(
        letter.text.contains("Your posting describes this need"),
        "the offline letter:\n{}",
        letter.text
    );
    for invented in ["Google", "2008", "300", "CUDA", "PhD"] {
        assert!(!letter.text.contains(invented), "{invented} reached the letter");
    }
    assert!(!letter.blocked.is_empty());
}

/// The JSON a prompt quotes between `<tag>` and `</tag>`.
fn prompt_data(body: &Value, tag: &str) -> Value {
    let content = body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["content"].as_str())
        .find(|c| c.contains(&format!("<{tag}>")))
        .unwrap_or_else(|| panic!("no <{tag}> in the prompt"));
    let start = content.find(&format!("<{tag}>\n")).unwrap() + tag.len() + 3;
    let end = content.find(&format!("\n</{tag}>")).unwrap();
    serde_json::from_str(&content[start..end]).unwrap()
}

/// `value` without the gate's own `blocked` lists, which quote what they kept out.
fn without_blocked(mut value: Value) -> Value {
    match &mut value {
        Value::Object(map) => {
            map.remove("blocked");
            for v in map.values_mut() {
                *v = without_blocked(v.take());
            }
        }
        Value::Array(items) => {
            for v in items {
                *v = without_blocked(v.take());
            }
        }
        _ => {}
    }
    value
}

/// True sentences about Mara Lindqvist's records (`server/demo`), for the lying model to mix in.
const TRUE_LEDGER: &str = "At Fjordpay AB I led the rewrite of the double-entry ledger in Rust, \
    cutting p99 posting latency from 420 ms to 35 ms.";
const TRUE_SLOS: &str = "I introduced SLOs and error budgets for the services my team ran.";

/// The answers of a model that fabricates in every layer it is asked for, mixing in true
/// sentences: invented employers, degrees, institutions, technologies, numbers and dates.
fn lying_everywhere(body: &Value) -> Scripted {
    let answer = match layer_of(body).as_str() {
        "jd_extraction" => json!({
            "title": "Principal Engineer", "company": "Google", "location": "Mountain View",
            "remote_policy": "remote", "seniority": "staff", "role_category": "backend",
            "responsibilities": [
                "Lead the design of an event-sourced ledger with exactly-once semantics",
                "Run the CUDA cluster since 2008"
            ],
            "must_have": [
                "PhD from Stanford",
                "Deep experience with double-entry ledgers or payment systems",
                "Track record of leading cross-team technical initiatives"
            ],
            "nice_to_have": [],
            "technical_skills": ["Rust", "Go", "Snowflake", "CUDA"],
            "soft_skills": [], "top_keywords": ["ledger", "Snowflake"],
            "years_of_experience": 15, "salary": "$300k base"
        }),
        "pain_points" => json!({
            "pain_points": [{
                "text": "The ledger team lost 300 engineers and moved to Snowflake.",
                "evidence": "the ledger was not designed for instant payments",
                "confidence": 0.8
            }],
            "strategic_needs": [], "risks_if_unfilled": [], "success_metrics": []
        }),
        "company_research" => json!({
            "company": "Lumen Bank",
            "summary": "Lumen Bank raised $40M in funding. It was founded by ex-Google engineers in 2008.",
            "signals": [
                {"kind": "funding", "text": "The payments company raised $40M in funding.",
                 "source_url": "https://news.example/lumen-series-b"},
                {"kind": "growth", "text": "Lumen Bank runs 300 CUDA servers.",
                 "source_url": "https://news.example/lumen-partner"}
            ],
            "source": "web"
        }),
        "role_research" => json!({
            "summary": "The role sets the technical direction for the ledger and payment rails. \
                It reports to a former Google VP and owns 300 CUDA servers.",
            "business_impact": ["Cut cloud costs by 300%", "Mentor senior engineers across three teams"],
            "why_now": ["Lumen Bank moved to Snowflake in 2008."]
        }),
        "fit_score" => json!({
            "score": 95,
            "rationale": [
                "I ran Snowflake at Google for 17 years.",
                "Your posting asks for double-entry ledgers; I led the double-entry ledger rewrite at Fjordpay AB."
            ],
            "gaps": ["I hold a PhD from Stanford, so there are no gaps."]
        }),
        "outreach" => {
            let contacts = prompt_data(body, "contacts");
            let body_text = format!(
                "Hello,\n\n{TRUE_LEDGER} {TRUE_SLOS} I spent 2008 to 2020 at Google running CUDA \
                 clusters. {TRUE_LEDGER} {TRUE_SLOS} {TRUE_LEDGER} {TRUE_SLOS}\n\nI would welcome \
                 a short conversation about the ledger work at Lumen Bank.\n\nKind regards,\nMara \
                 Lindqvist"
            );
            let messages: Vec<Value> = contacts
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    json!({
                        "contact": c["name"],
                        "linkedin_note": format!("{TRUE_SLOS} I also hold a PhD from Stanford."),
                        "email_subject": "Ledger work at Lumen Bank",
                        "email_body": body_text,
                    })
                })
                .collect();
            json!({"messages": messages})
        }
        "cover_letter" => json!({
            "text": format!(
                "Dear Lumen Bank hiring team,\n\nI led Snowflake and AWS migrations at Google since \
                 2008, increasing revenue by 300%. As VP of Engineering I hired the payments team. \
                 I graduated from Stanford University. {TRUE_LEDGER} {TRUE_SLOS}\n\nI would welcome the \
                 chance to discuss how I could help Lumen Bank.\n\nKind regards,\nMara Lindqvist"
            ),
            "cited_star_ids": []
        }),
        "cv_generation" => {
            // The draft with its facts kept and one bullet rephrased to claim more.
            let mut lines = prompt_data(body, "draft");
            for line in lines.as_array_mut().unwrap() {
                let bullet = line["source"].as_str().is_some_and(|s| s.contains("highlights"));
                if bullet && line["text"].as_str().unwrap().contains("double-entry ledger") {
                    line["text"] = json!(
                        "Led the rewrite of the double-entry ledger at Google in CUDA; p99 posting \
                         latency 420 ms → 35 ms."
                    );
                }
            }
            json!({"lines": lines})
        }
        _ => return openai_error(400, "invalid_request_error", "unsupported", "not this layer"),
    };
    openai_answer(MODEL, &answer, 2500, 400)
}

/// A model that fabricates in every layer: no invented claim reaches any stored output (the
/// posting's analysis, the research, the fit, outreach, the letter, the CV, the dossier), the
/// true sentences survive, and each layer lists what it blocked.
#[tokio::test]
async fn a_model_lying_in_every_layer_leaves_no_fabrication_in_any_document() {
    // It renders a page: one router-driving test at a time (see `support::web::serial`).
    let _serial = support::web::serial().await;
    let firecrawl = FakeServer::start(firecrawl_fake).await;
    let llm = FakeServer::start(|_, body| lying_everywhere(body)).await;
    let h = Harness::with_model(&llm, Some(&firecrawl)).await;
    let job = h.job("Lumen Bank").await;
    let run = h.run(&job).await;

    for name in [
        "jd_extraction",
        "pain_points",
        "company_research",
        "role_research",
        "fit_score",
        "outreach",
        "cover_letter",
        "cv_generation",
    ] {
        let l = layer(&run, name);
        assert_eq!(l.provider.as_deref(), Some("openai"), "{name} was answered by the model");
        let blocked = &l.output.as_ref().unwrap()["blocked"];
        assert!(blocked.as_array().is_some_and(|b| !b.is_empty()), "{name} lists what it blocked");
    }
    for l in &run.layers {
        let stored = without_blocked(l.output.clone().unwrap_or_default()).to_string();
        for invented in [
            "Google",
            "CUDA",
            "Snowflake",
            "PhD",
            "Stanford",
            "2008",
            "300",
            "17 years",
            "VP of Engineering",
        ] {
            assert!(
                !stored.contains(invented),
                "{invented:?} reached the {} output: {stored}",
                l.name.as_str()
            );
        }
    }
    let output = |name: &str| layer(&run, name).output.clone().unwrap();
    // What is true survives, attributed where it belongs.
    let jd: app::outputs::Jd = serde_json::from_value(output("jd_extraction")).unwrap();
    assert_eq!((jd.company.as_str(), jd.title.as_str()), ("Lumen Bank", job.title.as_str()));
    assert_eq!(jd.technical_skills, ["Rust", "Go"]);
    assert_eq!(jd.years_of_experience, None);
    assert_eq!(jd.salary, None);
    assert_eq!(
        jd.must_have,
        [
            "Deep experience with double-entry ledgers or payment systems",
            "Track record of leading cross-team technical initiatives"
        ]
    );
    let pains: app::outputs::Pains = serde_json::from_value(output("pain_points")).unwrap();
    assert_eq!(
        pains.pain_points[0].text, "the ledger was not designed for instant payments",
        "a finding that claims more than its quote becomes the quote"
    );
    let company: app::outputs::Company =
        serde_json::from_value(output("company_research")).unwrap();
    assert_eq!(company.summary, "Lumen Bank raised $40M in funding.");
    assert_eq!(company.signals.len(), 1, "{:?}", company.signals);
    let role: app::outputs::Role = serde_json::from_value(output("role_research")).unwrap();
    assert_eq!(
        role.summary,
        "The role sets the technical direction for the ledger and payment rails."
    );
    assert_eq!(role.business_impact, ["Mentor senior engineers across three teams"]);
    assert!(role.why_now.is_empty());
    let fit: app::outputs::Fit = serde_json::from_value(output("fit_score")).unwrap();
    assert_eq!(fit.rationale.len(), 1, "{:?}", fit.rationale);
    assert!(fit.gaps.is_empty());
    // The model's 95 is kept but checked against the ledger, and flagged as far from it.
    assert_eq!((fit.score, fit.ledger.model_score), (95, Some(95)));
    assert!(fit.ledger.score < 75, "{:?}", fit.ledger);
    let fit_layer = layer(&run, "fit_score");
    assert_eq!(fit_layer.status, LayerStatus::Warning);
    let flag = format!("from the ledger's {}", fit.ledger.score);
    assert!(fit_layer.log.iter().any(|l| l.contains(&flag)), "{:?}", fit_layer.log);
    let letter = output("cover_letter")["text"].as_str().unwrap().to_string();
    assert!(letter.contains(TRUE_LEDGER) && letter.contains(TRUE_SLOS), "{letter}");
    let outreach: app::outputs::Messages = serde_json::from_value(output("outreach")).unwrap();
    for m in &outreach.messages {
        assert_eq!(m.linkedin_note, TRUE_SLOS, "the true half of the note stays");
    }
    let dossier = output("publish")["dossier"].as_str().unwrap().to_string();
    assert!(dossier.contains("Lumen Bank raised $40M in funding."), "{dossier}");
    // The run page lists, per document, what was kept out.
    let html = h.run_page(&run).await;
    assert!(html.contains("Posting analysis"));
    assert!(html.contains("data-testid=\"ledger\""));
    assert!(html.contains(&format!("The model scored 95; the ledger {}.", fit.ledger.score)));
    let lists = html.matches("data-testid=\"blocked-claims\"").count();
    assert_eq!(lists, 8, "analysis, pains, company, role, fit, outreach, letter and CV");
}
