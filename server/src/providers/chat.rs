//! The wire-neutral shape of one structured chat call, and how a failure is classified. The
//! OpenAI-compatible and Anthropic clients translate it to and from their formats.

use super::headers::RateLimit;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// A request for an answer that matches `schema`.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    pub model: String,
    pub system: String,
    pub messages: Vec<(Role, String)>,
    /// Names the schema (and the Anthropic tool): the layer name.
    pub schema_name: String,
    pub schema: Value,
    pub max_tokens: u32,
}

/// A successful reply: the answer's JSON text and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatReply {
    pub text: String,
    /// The model that answered, as the provider names it.
    pub model: String,
    pub input_tokens: u64,
    pub cached_tokens: u64,
    pub output_tokens: u64,
    /// Cost as the provider reported it (OpenRouter's `usage.cost`), preferred over the table.
    pub reported_cost: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// 5xx (incl. Anthropic's 529), 408, 409, timeouts, broken connections: retry with backoff.
    Retryable,
    /// 429 rate limit: retry after the time the provider asks for.
    RateLimited,
    /// Out of credits or over a spend limit: no retry, breaker open for long, alert.
    Quota,
    /// 401/403: no retry, alert.
    Auth,
    /// The request itself is wrong (400, 404, 413, 422): no retry.
    BadRequest,
    /// The answer was cut off at the token limit.
    Truncated,
    /// The model declined to answer.
    Refused,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Retryable => "retryable",
            FailureKind::RateLimited => "rate_limited",
            FailureKind::Quota => "quota_exhausted",
            FailureKind::Auth => "auth",
            FailureKind::BadRequest => "bad_request",
            FailureKind::Truncated => "truncated",
            FailureKind::Refused => "refused",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatError {
    pub kind: FailureKind,
    pub status: Option<u16>,
    pub message: String,
    pub retry_after: Option<Duration>,
}

impl ChatError {
    pub fn new(kind: FailureKind, status: Option<u16>, message: impl Into<String>) -> Self {
        ChatError { kind, status, message: message.into(), retry_after: None }
    }
}

impl std::fmt::Display for ChatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(s) => write!(f, "{} (HTTP {s}): {}", self.kind.as_str(), self.message),
            None => write!(f, "{}: {}", self.kind.as_str(), self.message),
        }
    }
}

/// One call's outcome plus the rate limits its response reported.
pub struct Exchange {
    pub result: Result<ChatReply, ChatError>,
    pub limits: Option<RateLimit>,
}

#[async_trait]
pub trait ChatClient: Send + Sync {
    /// `openai`, `openrouter` or `anthropic`: the name in the model table, metrics and logs.
    fn name(&self) -> &str;
    async fn send(&self, request: &ChatRequest) -> Exchange;
}

/// What a wire format contributes to reading an HTTP answer; `read` does the rest.
pub struct Wire<'a> {
    /// The provider's rate-limit headers.
    pub limits: fn(&reqwest::header::HeaderMap, DateTime<Utc>) -> Option<RateLimit>,
    /// A 2xx body that is an error all the same (OpenRouter mid-generation, Anthropic `type`).
    pub body_is_error: fn(&Value) -> bool,
    /// A failed answer's class, from its status, body and raw text.
    pub classify: fn(u16, &Value, &str) -> ChatError,
    /// A successful body as a reply.
    pub reply: &'a (dyn Fn(&Value) -> Result<ChatReply, ChatError> + Sync),
}

/// Reads one provider answer: transport errors, rate-limit headers, `Retry-After`, a body that
/// is not JSON, error bodies (classified), and the reply.
pub async fn read(
    sent: Result<reqwest::Response, reqwest::Error>,
    clock: &crate::clock::SharedClock,
    wire: Wire<'_>,
) -> Exchange {
    let response = match sent {
        Ok(r) => r,
        Err(e) => return Exchange { result: Err(transport_error(&e)), limits: None },
    };
    // Reset durations count from when the answer arrived.
    let now = clock.now();
    let status = response.status().as_u16();
    let limits = (wire.limits)(response.headers(), now);
    let retry_after = super::headers::retry_after(response.headers(), now);
    let raw = match response.text().await {
        Ok(t) => t,
        Err(e) => return Exchange { result: Err(transport_error(&e)), limits },
    };
    let body: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    let result = if !(200..300).contains(&status) || (wire.body_is_error)(&body) {
        Err(ChatError { retry_after, ..(wire.classify)(status, &body, &raw) })
    } else if body.is_null() {
        Err(ChatError::new(FailureKind::Retryable, Some(status), "the response body is not JSON"))
    } else {
        (wire.reply)(&body)
    };
    Exchange { result, limits }
}

/// Timeouts, refused connections and cut-off bodies are worth retrying.
pub fn transport_error(e: &reqwest::Error) -> ChatError {
    let what = if e.is_timeout() { "timed out" } else { "connection failed" };
    ChatError::new(FailureKind::Retryable, None, format!("{what}: {e}"))
}

/// The error message of a provider's error body, whatever its shape: `error.message`
/// (OpenAI, OpenRouter, Anthropic), top-level `message` (vLLM) or `error` as a string
/// (FireCrawl), else the start of the raw text.
pub fn error_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let found = parsed.as_ref().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("message"))
            .or_else(|| v.get("error").filter(|e| e.is_string()))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    redact_keys(&found.unwrap_or_else(|| body.chars().take(200).collect()))
}

/// Providers echo (masked) keys in auth errors; none of it reaches logs or responses.
pub fn redact_keys(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let bare = word.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
            if ["sk-", "fc-", "key-"].iter().any(|p| bare.starts_with(p)) && bare.len() > 6 {
                word.replace(bare, "[redacted key]")
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Makes a schemars schema acceptable to OpenAI's `strict: true`: every object closed
/// (`additionalProperties: false`) with all its properties required (optional ones are already
/// unions with null), and no keywords strict mode rejects.
pub fn strict_schema(schema: &Value) -> Value {
    fn walk(v: &mut Value) {
        let Value::Object(map) = v else { return };
        map.remove("$schema");
        map.remove("format");
        if map.get("type").and_then(Value::as_str) == Some("object")
            || map.contains_key("properties")
        {
            let names: Vec<Value> = map
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().map(Value::String).collect())
                .unwrap_or_default();
            map.insert("required".into(), Value::Array(names));
            map.insert("additionalProperties".into(), Value::Bool(false));
        }
        for (key, child) in map.iter_mut() {
            match (key.as_str(), child) {
                ("properties" | "$defs", Value::Object(named)) => named.values_mut().for_each(walk),
                ("anyOf" | "oneOf" | "allOf", Value::Array(options)) => {
                    options.iter_mut().for_each(walk)
                }
                ("items", item) => walk(item),
                _ => {}
            }
        }
    }
    let mut out = schema.clone();
    walk(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_messages_from_every_shape() {
        assert_eq!(error_message(r#"{"error":{"message":"bad key","type":"x"}}"#), "bad key");
        assert_eq!(error_message(r#"{"object":"error","message":"vllm says no"}"#), "vllm says no");
        assert_eq!(
            error_message(r#"{"success":false,"error":"Rate limit exceeded"}"#),
            "Rate limit exceeded"
        );
        assert_eq!(error_message("<html>Bad Gateway</html>"), "<html>Bad Gateway</html>");
        assert_eq!(
            error_message(
                r#"{"error":{"message":"Incorrect API key provided: sk-abc123***xyz9. See docs."}}"#
            ),
            "Incorrect API key provided: [redacted key] See docs."
        );
    }

    #[test]
    fn strict_schemas_close_every_object_and_require_every_property() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "a": {"type": "integer", "format": "uint8"},
                "b": {"type": ["string", "null"]},
                "format": {"type": "string"}
            },
            "required": ["a"],
            "$defs": {"X": {"type": "object", "properties": {"c": {"type": "string"}}}}
        });
        let strict = strict_schema(&schema);
        assert_eq!(strict["required"], json!(["a", "b", "format"]), "a field may be called format");
        assert_eq!(strict["additionalProperties"], false);
        assert_eq!(strict["$defs"]["X"]["additionalProperties"], false);
        assert!(strict.get("$schema").is_none());
        assert!(strict["properties"]["a"].get("format").is_none());
    }
}
