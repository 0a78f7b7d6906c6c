//! Local HTTP servers that speak the providers' wire formats (integrations.md): OpenAI Chat
//! Completions (also OpenRouter), Anthropic Messages and FireCrawl. A test scripts responses
//! in order — status, headers, body, delay — and reads back every request the server received.
//! When the script is empty the server answers with `fallback`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Scripted {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Scripted {
    pub fn json(status: u16, body: Value) -> Self {
        Scripted { status, headers: Vec::new(), body: body.to_string(), delay: Duration::ZERO }
    }

    pub fn raw(status: u16, body: &str) -> Self {
        Scripted { status, headers: Vec::new(), body: body.into(), delay: Duration::ZERO }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
    pub at: Instant,
}

type Fallback = Arc<dyn Fn(&str, &Value) -> Scripted + Send + Sync>;

#[derive(Clone)]
struct Shared {
    script: Arc<Mutex<VecDeque<Scripted>>>,
    requests: Arc<Mutex<Vec<Recorded>>>,
    fallback: Fallback,
}

pub struct FakeServer {
    pub url: String,
    shared: Shared,
}

async fn handle(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = uri.path().to_string();
    s.requests.lock().unwrap().push(Recorded {
        method: method.to_string(),
        path: path.clone(),
        headers,
        body: body.clone(),
        at: Instant::now(),
    });
    let next = s.script.lock().unwrap().pop_front();
    let reply = next.unwrap_or_else(|| (s.fallback)(&path, &body));
    tokio::time::sleep(reply.delay).await;
    let mut response =
        (StatusCode::from_u16(reply.status).unwrap(), reply.body.clone()).into_response();
    response.headers_mut().insert("content-type", "application/json".parse().unwrap());
    for (k, v) in &reply.headers {
        response
            .headers_mut()
            .insert(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
    }
    response
}

impl FakeServer {
    pub async fn start(
        fallback: impl Fn(&str, &Value) -> Scripted + Send + Sync + 'static,
    ) -> Self {
        let shared = Shared {
            script: Arc::default(),
            requests: Arc::default(),
            fallback: Arc::new(fallback),
        };
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeServer { url, shared }
    }

    /// Queues responses, served in order before the fallback.
    pub fn push(&self, replies: impl IntoIterator<Item = Scripted>) {
        self.shared.script.lock().unwrap().extend(replies);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }
}

// ---- OpenAI Chat Completions (and OpenRouter) ----

/// The rate-limit headers OpenAI sends on every response.
pub fn openai_limits(s: Scripted, remaining: u64) -> Scripted {
    s.header("x-ratelimit-limit-requests", "5000")
        .header("x-ratelimit-remaining-requests", &remaining.to_string())
        .header("x-ratelimit-reset-requests", "6m0s")
        .header("x-ratelimit-limit-tokens", "160000")
        .header("x-ratelimit-remaining-tokens", "159976")
        .header("x-ratelimit-reset-tokens", "9ms")
        .header("x-request-id", "req_fake")
}

/// A completion whose content is `answer` serialised (a JSON string inside the message).
pub fn openai_answer(
    model: &str,
    answer: &Value,
    prompt_tokens: u64,
    completion_tokens: u64,
) -> Scripted {
    openai_text(model, &answer.to_string(), prompt_tokens, completion_tokens)
}

pub fn openai_text(
    model: &str,
    content: &str,
    prompt_tokens: u64,
    completion_tokens: u64,
) -> Scripted {
    Scripted::json(
        200,
        json!({
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_764_300_000, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": null},
                         "logprobs": null, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens,
                      "prompt_tokens_details": {"cached_tokens": 0}},
            "system_fingerprint": "fp_fake"
        }),
    )
}

pub fn openai_error(status: u16, kind: &str, code: &str, message: &str) -> Scripted {
    Scripted::json(
        status,
        json!({"error": {"message": message, "type": kind, "param": null, "code": code}}),
    )
}

// ---- Anthropic Messages ----

pub fn anthropic_answer(model: &str, tool: &str, input: &Value) -> Scripted {
    Scripted::json(
        200,
        json!({
            "id": "msg_fake", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "tool_use", "id": "toolu_fake", "name": tool, "input": input}],
            "stop_reason": "tool_use", "stop_sequence": null,
            "usage": {"input_tokens": 1200, "output_tokens": 300, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
        }),
    )
    .header("anthropic-ratelimit-requests-limit", "50")
    .header("anthropic-ratelimit-requests-remaining", "49")
    .header("anthropic-ratelimit-requests-reset", "2026-11-28T12:40:59Z")
    .header("request-id", "req_fake")
}

pub fn anthropic_error(status: u16, kind: &str, message: &str) -> Scripted {
    Scripted::json(
        status,
        json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_fake"}),
    )
}

/// The layer a request asks about: the OpenAI schema name or the Anthropic tool name.
pub fn layer_of(body: &Value) -> String {
    body.pointer("/response_format/json_schema/name")
        .or_else(|| body.pointer("/tool_choice/name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

// ---- FireCrawl ----

/// A v2 search response (`data.web`), two credits per ten results.
pub fn firecrawl_hits(hits: &[(&str, &str, &str)]) -> Scripted {
    let web: Vec<Value> = hits
        .iter()
        .enumerate()
        .map(|(i, (url, title, description))| {
            json!({"url": url, "title": title, "description": description, "position": i + 1})
        })
        .collect();
    Scripted::json(
        200,
        json!({"success": true, "data": {"web": web}, "id": "search-fake", "creditsUsed": 2 * web.len().div_ceil(10)}),
    )
}

pub fn firecrawl_error(status: u16, message: &str) -> Scripted {
    Scripted::json(status, json!({"success": false, "error": message}))
}
