//! The Anthropic Messages client. Structured output is one forced tool call whose
//! `input_schema` is the layer's schema; the answer is the tool call's `input`.

use super::chat::*;
use super::headers;
use crate::clock::SharedClock;
use async_trait::async_trait;
use serde_json::{Value, json};

pub const API_VERSION: &str = "2023-06-01";

pub struct Anthropic {
    base_url: String,
    api_key: String,
    http: reqwest::Client,
    clock: SharedClock,
}

impl Anthropic {
    pub fn new(base_url: &str, api_key: &str, http: reqwest::Client, clock: SharedClock) -> Self {
        Anthropic {
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: api_key.to_string(),
            http,
            clock,
        }
    }

    fn body(r: &ChatRequest) -> Value {
        let mut schema = r.schema.clone();
        if let Some(map) = schema.as_object_mut() {
            map.remove("$schema");
        }
        json!({
            "model": r.model,
            "max_tokens": r.max_tokens,
            "system": r.system,
            "messages": r.messages.iter().map(|(role, text)| json!({"role": role.as_str(), "content": text})).collect::<Vec<_>>(),
            "tools": [{
                "name": r.schema_name,
                "description": "Record the answer. Call this exactly once with the complete answer.",
                "input_schema": schema
            }],
            "tool_choice": {"type": "tool", "name": r.schema_name}
        })
    }
}

fn classify(status: u16, body: &Value, raw: &str) -> ChatError {
    let message = error_message(raw);
    let spend_cap = body.pointer("/error/details/error_code").and_then(Value::as_str)
        == Some("enforced_spend_limit_reached")
        || (status == 400 && message.to_lowercase().contains("spend"));
    let failure = match status {
        _ if spend_cap => FailureKind::Quota,
        402 => FailureKind::Quota,
        429 => FailureKind::RateLimited,
        401 | 403 => FailureKind::Auth,
        408 | 409 | 500.. => FailureKind::Retryable,
        _ => FailureKind::BadRequest,
    };
    ChatError::new(failure, Some(status), message)
}

fn reply(body: &Value, tool: &str) -> Result<ChatReply, ChatError> {
    match body["stop_reason"].as_str() {
        Some("max_tokens") | Some("model_context_window_exceeded") => {
            return Err(ChatError::new(
                FailureKind::Truncated,
                Some(200),
                "the answer hit the token limit (stop_reason: max_tokens)",
            ));
        }
        Some("refusal") => {
            return Err(ChatError::new(
                FailureKind::Refused,
                Some(200),
                "the model declined (stop_reason: refusal)",
            ));
        }
        _ => {}
    }
    let blocks = body["content"].as_array().cloned().unwrap_or_default();
    let input = blocks
        .iter()
        .find(|b| b["type"] == "tool_use" && b["name"] == tool)
        .map(|b| b["input"].clone());
    // A model that ignored the forced tool may still have written the JSON as text.
    let text = match input {
        Some(v) => v.to_string(),
        None => blocks
            .iter()
            .filter(|b| b["type"] == "text")
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
    };
    let usage = &body["usage"];
    let n = |k: &str| usage[k].as_u64().unwrap_or(0);
    let cached = n("cache_read_input_tokens");
    Ok(ChatReply {
        text,
        model: body["model"].as_str().unwrap_or_default().to_string(),
        input_tokens: n("input_tokens") + n("cache_creation_input_tokens") + cached,
        cached_tokens: cached,
        output_tokens: n("output_tokens"),
        reported_cost: None,
    })
}

#[async_trait]
impl ChatClient for Anthropic {
    fn name(&self) -> &str {
        "anthropic"
    }

    async fn send(&self, request: &ChatRequest) -> Exchange {
        let sent = self
            .http
            .post(format!("{}/v1/messages", self.base_url))
            .header("x-api-key", &self.api_key)
            .header("anthropic-version", API_VERSION)
            .json(&Self::body(request))
            .send()
            .await;
        let wire = Wire {
            limits: headers::anthropic_limits,
            body_is_error: |body| body["type"] == "error",
            classify,
            reply: &|body| reply(body, &request.schema_name),
        };
        read(sent, &self.clock, wire).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overload_is_retryable_and_spend_caps_are_quota() {
        let overloaded = json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}});
        assert_eq!(
            classify(529, &overloaded, &overloaded.to_string()).kind,
            FailureKind::Retryable
        );
        let cap = json!({"type": "error", "error": {"type": "rate_limit_error", "message": "x", "details": {"error_code": "enforced_spend_limit_reached"}}});
        assert_eq!(classify(429, &cap, "").kind, FailureKind::Quota);
        assert_eq!(classify(429, &Value::Null, "").kind, FailureKind::RateLimited);
        assert_eq!(classify(402, &Value::Null, "").kind, FailureKind::Quota);
    }

    #[test]
    fn the_tool_input_is_the_answer() {
        let body = json!({
            "model": "claude-haiku-5-5",
            "content": [{"type": "text", "text": "Here you go"}, {"type": "tool_use", "id": "t1", "name": "fit_score", "input": {"score": 80}}],
            "stop_reason": "tool_use",
            "usage": {"input_tokens": 100, "output_tokens": 20, "cache_read_input_tokens": 50}
        });
        let r = reply(&body, "fit_score").unwrap();
        assert_eq!(r.text, r#"{"score":80}"#);
        assert_eq!((r.input_tokens, r.cached_tokens, r.output_tokens), (150, 50, 20));
        let cut = json!({"content": [], "stop_reason": "max_tokens"});
        assert_eq!(reply(&cut, "x").unwrap_err().kind, FailureKind::Truncated);
    }
}
