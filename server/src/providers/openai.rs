//! One client for every OpenAI-compatible Chat Completions server: OpenAI, OpenRouter (with its
//! attribution headers and reported cost), Ollama, vLLM and llama.cpp (by base URL).

use super::chat::*;
use super::headers;
use crate::clock::SharedClock;
use async_trait::async_trait;
use serde_json::{Value, json};

pub struct OpenAiCompatible {
    name: String,
    /// Ends in `/v1` (or `/api/v1`); `/chat/completions` is appended.
    base_url: String,
    api_key: String,
    /// OpenAI wants `max_completion_tokens`; most compatible servers only know `max_tokens`.
    max_tokens_field: &'static str,
    extra_headers: Vec<(&'static str, String)>,
    http: reqwest::Client,
    clock: SharedClock,
}

impl OpenAiCompatible {
    pub fn openai(
        base_url: &str,
        api_key: &str,
        http: reqwest::Client,
        clock: SharedClock,
    ) -> Self {
        OpenAiCompatible {
            name: "openai".into(),
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: api_key.to_string(),
            max_tokens_field: "max_completion_tokens",
            extra_headers: Vec::new(),
            http,
            clock,
        }
    }

    /// OpenRouter: `HTTP-Referer` identifies the app, `X-Title` (and its newer name) names it.
    pub fn openrouter(
        base_url: &str,
        api_key: &str,
        app_url: &str,
        http: reqwest::Client,
        clock: SharedClock,
    ) -> Self {
        OpenAiCompatible {
            name: "openrouter".into(),
            max_tokens_field: "max_tokens",
            extra_headers: vec![
                ("HTTP-Referer", app_url.to_string()),
                ("X-Title", "jobintel".into()),
                ("X-OpenRouter-Title", "jobintel".into()),
            ],
            ..Self::openai(base_url, api_key, http, clock)
        }
    }

    fn body(&self, r: &ChatRequest) -> Value {
        let mut messages = vec![json!({"role": "system", "content": r.system})];
        messages.extend(
            r.messages.iter().map(|(role, text)| json!({"role": role.as_str(), "content": text})),
        );
        let mut body = json!({
            "model": r.model,
            "messages": messages,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": r.schema_name, "schema": strict_schema(&r.schema), "strict": true}
            }
        });
        body[self.max_tokens_field] = json!(r.max_tokens);
        body
    }
}

/// Classifies a non-2xx answer, or a 200 that carries an `error` object (OpenRouter, once
/// generation has started, puts the real status in the integer `error.code`).
fn classify(status: u16, body: &Value, raw: &str) -> ChatError {
    let status = body.pointer("/error/code").and_then(Value::as_u64).map_or(status, |c| c as u16);
    let message = error_message(raw);
    let code = |p: &str| body.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
    let (code, kind) = (code("/error/code"), code("/error/type"));
    let quota = ["insufficient_quota", "credit_balance_exhausted"].contains(&code.as_str())
        || kind == "insufficient_quota"
        || code.ends_with("spend_limit_exceeded");
    let failure = match status {
        402 => FailureKind::Quota,
        429 if quota => FailureKind::Quota,
        429 => FailureKind::RateLimited,
        401 | 403 => FailureKind::Auth,
        408 | 409 | 500.. => FailureKind::Retryable,
        _ => FailureKind::BadRequest,
    };
    ChatError::new(failure, Some(status), message)
}

/// Reads a successful Chat Completions body.
fn reply(body: &Value) -> Result<ChatReply, ChatError> {
    let bad = |m: &str| ChatError::new(FailureKind::Retryable, Some(200), m.to_string());
    let choice = body.pointer("/choices/0").ok_or_else(|| bad("the response has no choices"))?;
    let message = &choice["message"];
    if let Some(refusal) = message["refusal"].as_str().filter(|r| !r.is_empty()) {
        return Err(ChatError::new(FailureKind::Refused, Some(200), refusal.to_string()));
    }
    if choice["finish_reason"] == "length" {
        return Err(ChatError::new(
            FailureKind::Truncated,
            Some(200),
            "the answer hit the token limit (finish_reason: length)",
        ));
    }
    if choice["finish_reason"] == "content_filter" {
        return Err(ChatError::new(FailureKind::Refused, Some(200), "content_filter"));
    }
    let text = message["content"].as_str().ok_or_else(|| bad("the answer has no content"))?;
    let usage = &body["usage"];
    let n = |p: &str| usage.pointer(p).and_then(Value::as_u64).unwrap_or(0);
    Ok(ChatReply {
        text: text.to_string(),
        model: body["model"].as_str().unwrap_or_default().to_string(),
        input_tokens: n("/prompt_tokens"),
        cached_tokens: n("/prompt_tokens_details/cached_tokens"),
        output_tokens: n("/completion_tokens"),
        reported_cost: usage["cost"].as_f64(),
    })
}

#[async_trait]
impl ChatClient for OpenAiCompatible {
    fn name(&self) -> &str {
        &self.name
    }

    async fn send(&self, request: &ChatRequest) -> Exchange {
        let mut builder = self
            .http
            .post(format!("{}/chat/completions", self.base_url))
            .bearer_auth(&self.api_key)
            .json(&self.body(request));
        for (name, value) in &self.extra_headers {
            builder = builder.header(*name, value);
        }
        let wire = Wire {
            limits: headers::openai_limits,
            body_is_error: |body| body.get("error").is_some(),
            classify,
            reply: &reply,
        };
        read(builder.send().await, &self.clock, wire).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_429s_are_not_rate_limits() {
        let quota = json!({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"}});
        assert_eq!(classify(429, &quota, &quota.to_string()).kind, FailureKind::Quota);
        let spend = json!({"error": {"message": "x", "type": "insufficient_quota", "code": "project_spend_limit_exceeded"}});
        assert_eq!(classify(429, &spend, "").kind, FailureKind::Quota);
        let rate = json!({"error": {"message": "slow down", "type": "requests", "code": "rate_limit_exceeded"}});
        assert_eq!(classify(429, &rate, "").kind, FailureKind::RateLimited);
        assert_eq!(classify(402, &Value::Null, "").kind, FailureKind::Quota);
        assert_eq!(classify(529, &Value::Null, "").kind, FailureKind::Retryable);
        assert_eq!(classify(404, &Value::Null, "").kind, FailureKind::BadRequest);
        assert_eq!(classify(401, &Value::Null, "").kind, FailureKind::Auth);
    }

    #[test]
    fn refusals_and_truncation_are_their_own_errors() {
        let refused = json!({"choices": [{"message": {"content": null, "refusal": "I can't help"}, "finish_reason": "stop"}]});
        assert_eq!(reply(&refused).unwrap_err().kind, FailureKind::Refused);
        let cut =
            json!({"choices": [{"message": {"content": "{\"a\":"}, "finish_reason": "length"}]});
        assert_eq!(reply(&cut).unwrap_err().kind, FailureKind::Truncated);
        let ok = json!({"model": "m", "choices": [{"message": {"content": "{}"}, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 2, "cost": 0.001}});
        let r = reply(&ok).unwrap();
        assert_eq!((r.input_tokens, r.output_tokens, r.reported_cost), (10, 2, Some(0.001)));
    }
}
