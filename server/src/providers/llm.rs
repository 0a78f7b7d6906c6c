//! The LLM router: a layer asks for a typed answer; the router tries the primary provider and
//! then the fallback chain (ending with the offline provider unless disabled), with a circuit
//! breaker per provider, retries that honour `Retry-After`, one repair attempt for an invalid
//! answer, cost accounting against a daily budget, and alerts for quota and auth failures.

use super::breaker::{Breaker, BreakerStatus};
use super::chat::{ChatClient, ChatError, ChatReply, ChatRequest, FailureKind, Role};
use super::headers::RateLimit;
use super::models::ModelTable;
use super::prompts::{Prompt, PromptError};
use super::schema::{self, SchemaViolation, schema_of};
use crate::clock::SharedClock;
use crate::control::ControlPlane;
pub use app::model::Alert;
use app::model::{LayerName, TierChoice};
use chrono::Duration;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

pub const OFFLINE: &str = "offline";
const ALERTS_KEPT: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first call, for retryable failures.
    pub max_retries: u32,
    pub base: Duration,
    /// The longest wait; a provider asking for longer is skipped for now instead.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base: Duration::milliseconds(500),
            cap: Duration::seconds(30),
        }
    }
}

/// How a layer's answer was obtained: shown per layer on the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    pub provider: String,
    pub model: Option<String>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
    /// HTTP calls made, including retries, repairs and failed providers.
    pub calls: u32,
    pub retries: u32,
    /// Providers passed over, each with the reason.
    pub fallbacks: Vec<String>,
    pub prompt_version: Option<String>,
    /// One line per HTTP call: provider, model, tokens and cost, or the error.
    pub call_log: Vec<String>,
}

pub struct Served<T> {
    pub value: T,
    pub usage: Usage,
}

/// A provider's entry in `/api/health` and `/api/metrics`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderState {
    pub name: String,
    pub breaker: BreakerStatus,
    pub rate_limit: Option<RateLimit>,
}

pub struct Llm {
    chain: Vec<Arc<dyn ChatClient>>,
    offline_fallback: bool,
    breakers: BTreeMap<String, Breaker>,
    limits: Mutex<BTreeMap<String, RateLimit>>,
    alerts: Mutex<VecDeque<Alert>>,
    table: ModelTable,
    retry: RetryPolicy,
    clock: SharedClock,
    /// Told what each call cost; decides whether models may be asked (the daily budget).
    control: Arc<ControlPlane>,
    max_tokens: u32,
}

/// A layer's reason for refusing a model's answer that fits its schema (a quote not in the
/// posting, a limit passed); the model is told it when asked to repair the answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

impl From<&str> for Refusal {
    fn from(reason: &str) -> Self {
        Refusal(reason.to_string())
    }
}

/// Why an answer was not taken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum Rejection {
    #[error("the answer is not valid JSON ({0})")]
    NotJson(String),
    #[error(transparent)]
    Schema(#[from] SchemaViolation),
    /// Fits the schema but not the type (a number out of the type's range).
    #[error("{0}")]
    NotTheType(String),
    #[error(transparent)]
    Refused(#[from] Refusal),
}

/// Why the router could not give a layer its answer.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error(transparent)]
    Prompt(#[from] PromptError),
    /// Every provider failed or was passed over, each with its reason, and offline answers
    /// are switched off.
    #[error("no provider could answer: {}", passed_over.join("; "))]
    NoProvider { passed_over: Vec<String> },
}

/// How a provider's attempt at one answer ended.
enum Attempt<T> {
    Answered(T),
    /// Move on to the next provider, for this reason.
    PassOver(String),
}

pub struct LlmSettings {
    pub offline_fallback: bool,
    pub retry: RetryPolicy,
    pub breaker_threshold: u32,
    pub breaker_cool_down: Duration,
    pub max_tokens: u32,
}

impl Default for LlmSettings {
    fn default() -> Self {
        LlmSettings {
            offline_fallback: true,
            retry: RetryPolicy::default(),
            breaker_threshold: 3,
            breaker_cool_down: Duration::seconds(60),
            max_tokens: 4_096,
        }
    }
}

/// Long enough that a human sees the alert before the provider is tried again.
const QUOTA_OR_AUTH_OPEN: i64 = 3_600;

impl Llm {
    pub fn new(
        chain: Vec<Arc<dyn ChatClient>>,
        table: ModelTable,
        settings: LlmSettings,
        control: Arc<ControlPlane>,
        clock: SharedClock,
    ) -> Self {
        let breakers = chain
            .iter()
            .map(|c| {
                let b = Breaker::new(
                    settings.breaker_threshold,
                    settings.breaker_cool_down,
                    clock.clone(),
                );
                (c.name().to_string(), b)
            })
            .collect();
        Llm {
            chain,
            offline_fallback: settings.offline_fallback,
            breakers,
            limits: Mutex::new(BTreeMap::new()),
            alerts: Mutex::new(VecDeque::new()),
            table,
            retry: settings.retry,
            clock,
            control,
            max_tokens: settings.max_tokens,
        }
    }

    /// No provider configured: every answer comes from the offline provider.
    pub fn offline(control: Arc<ControlPlane>, clock: SharedClock) -> Self {
        Llm::new(Vec::new(), ModelTable::bundled(), LlmSettings::default(), control, clock)
    }

    /// The configured providers in chain order, with breaker and rate-limit state.
    pub fn providers(&self) -> Vec<ProviderState> {
        let limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
        self.chain
            .iter()
            .map(|c| ProviderState {
                name: c.name().to_string(),
                breaker: self.breakers[c.name()].status(),
                rate_limit: limits.get(c.name()).cloned(),
            })
            .collect()
    }

    /// No model is configured: every answer is the offline provider's.
    pub fn is_offline_only(&self) -> bool {
        self.chain.is_empty()
    }

    pub fn offline_fallback(&self) -> bool {
        self.offline_fallback || self.chain.is_empty()
    }

    pub fn alerts(&self) -> Vec<Alert> {
        self.alerts.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect()
    }

    fn alert(&self, provider: &str, kind: FailureKind, message: &str) {
        tracing::error!(provider, kind = kind.as_str(), message, "LLM provider alert");
        let mut alerts = self.alerts.lock().unwrap_or_else(|e| e.into_inner());
        if alerts.len() == ALERTS_KEPT {
            alerts.pop_front();
        }
        alerts.push_back(Alert {
            at: self.clock.now(),
            provider: provider.to_string(),
            kind: kind.as_str().to_string(),
            message: message.to_string(),
        });
    }

    /// Asks for a `T`. `prompt` is rendered only if a model is asked; `check` adds what the
    /// schema cannot say (quotes that must be in the posting, limits, references); `offline`
    /// answers when no provider can.
    pub async fn ask<T>(
        &self,
        layer: LayerName,
        tier: TierChoice,
        prompt: impl FnOnce() -> Result<Prompt, PromptError>,
        check: impl Fn(&T) -> Result<(), Refusal>,
        offline: impl FnOnce() -> T,
    ) -> Result<Served<T>, AskError>
    where
        T: DeserializeOwned + JsonSchema,
    {
        let mut usage = Usage::default();
        if !self.chain.is_empty() {
            if !self.control.may_spend().await {
                usage.fallbacks.push("all providers: the daily LLM budget is spent".into());
            } else {
                let prompt = prompt()?;
                usage.prompt_version = Some(prompt.version.clone());
                for client in &self.chain {
                    match self
                        .attempt(client.as_ref(), layer, tier, &prompt, &check, &mut usage)
                        .await
                    {
                        Attempt::Answered(value) => {
                            usage.provider = client.name().to_string();
                            return Ok(Served { value, usage });
                        }
                        Attempt::PassOver(reason) => {
                            usage.fallbacks.push(format!("{}: {reason}", client.name()))
                        }
                    }
                }
            }
        }
        if !self.offline_fallback() {
            return Err(AskError::NoProvider { passed_over: usage.fallbacks });
        }
        let value = offline();
        usage.provider = OFFLINE.into();
        usage.model = None;
        Ok(Served { value, usage })
    }

    async fn attempt<T>(
        &self,
        client: &dyn ChatClient,
        layer: LayerName,
        tier: TierChoice,
        prompt: &Prompt,
        check: &impl Fn(&T) -> Result<(), Refusal>,
        usage: &mut Usage,
    ) -> Attempt<T>
    where
        T: DeserializeOwned + JsonSchema,
    {
        let name = client.name();
        let breaker = &self.breakers[name];
        if !breaker.allow() {
            return Attempt::PassOver("circuit open".into());
        }
        let Some(model) = self.table.model(name, tier.as_str(), layer.as_str()) else {
            return Attempt::PassOver("no model configured for it".into());
        };
        let schema = schema_of::<T>();
        let mut request = ChatRequest {
            model: model.to_string(),
            system: prompt.system.clone(),
            messages: vec![(Role::User, prompt.user.clone())],
            schema_name: layer.to_string(),
            schema: schema.clone(),
            max_tokens: self.max_tokens,
        };
        let mut repaired = false;
        let mut retries = 0;
        loop {
            let reply = match self.call(client, &request, usage).await {
                Ok(reply) => reply,
                Err(e) => match self.after_failure(name, breaker, &e, retries) {
                    Some(wait) => {
                        retries += 1;
                        usage.retries += 1;
                        tokio::time::sleep(wait.to_std().unwrap_or_default()).await;
                        continue;
                    }
                    None => return Attempt::PassOver(e.to_string()),
                },
            };
            breaker.success();
            usage.model =
                Some(if reply.model.is_empty() { model.to_string() } else { reply.model.clone() });
            match parse_answer::<T>(&reply.text, &schema, check) {
                Ok(value) => return Attempt::Answered(value),
                Err(problem) if !repaired => {
                    repaired = true;
                    request.messages.push((Role::Assistant, reply.text));
                    request.messages.push((
                        Role::User,
                        format!(
                            "Your answer was rejected: {problem}. Answer again with the complete corrected answer, matching the schema exactly."
                        ),
                    ));
                }
                Err(problem) => {
                    return Attempt::PassOver(format!(
                        "invalid answer after one repair: {problem}"
                    ));
                }
            }
        }
    }

    /// One HTTP call, with its tokens, cost and rate limits recorded.
    async fn call(
        &self,
        client: &dyn ChatClient,
        request: &ChatRequest,
        usage: &mut Usage,
    ) -> Result<ChatReply, ChatError> {
        let exchange = client.send(request).await;
        usage.calls += 1;
        if let Some(limits) = exchange.limits {
            self.limits
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(client.name().to_string(), limits);
        }
        let name = client.name();
        let reply = exchange.result.inspect_err(|e| {
            usage.call_log.push(format!("{name} {}: {e}", request.model));
        })?;
        usage.input_tokens += reply.input_tokens;
        usage.output_tokens += reply.output_tokens;
        let priced = if reply.model.is_empty() { &request.model } else { &reply.model };
        let cost = reply.reported_cost.or_else(|| {
            self.table.cost(priced, reply.input_tokens, reply.cached_tokens, reply.output_tokens)
        });
        let tokens =
            format!("{name} {priced}: {} + {} tokens", reply.input_tokens, reply.output_tokens);
        match cost {
            Some(usd) => {
                usage.cost_usd += usd;
                usage.call_log.push(format!("{tokens}, ${usd:.6}"));
                self.control.record_spend(usd).await;
            }
            None => {
                usage.call_log.push(format!("{tokens}, no price for this model"));
                tracing::warn!(model = %priced, "no price for this model; cost not counted");
            }
        }
        Ok(reply)
    }

    /// Updates the breaker and decides: wait this long and retry, or give up on the provider.
    fn after_failure(
        &self,
        provider: &str,
        breaker: &Breaker,
        e: &ChatError,
        retries: u32,
    ) -> Option<Duration> {
        tracing::warn!(provider, kind = e.kind.as_str(), status = ?e.status, error = %e.message, "LLM call failed");
        match e.kind {
            FailureKind::Retryable | FailureKind::RateLimited => {
                breaker.failure(e.kind.as_str(), e.retry_after);
                let backoff = self.retry.base * 2i32.pow(retries.min(16));
                let wait = e.retry_after.unwrap_or(backoff) + jitter(self.retry.base);
                let retry =
                    retries < self.retry.max_retries && wait <= self.retry.cap && breaker.allow();
                retry.then_some(wait)
            }
            FailureKind::Quota | FailureKind::Auth => {
                breaker.trip(e.kind.as_str(), Duration::seconds(QUOTA_OR_AUTH_OPEN));
                self.alert(provider, e.kind, &e.message);
                None
            }
            FailureKind::BadRequest | FailureKind::Truncated | FailureKind::Refused => None,
        }
    }
}

/// Up to half of `base`, so processes that failed together do not retry together.
fn jitter(base: Duration) -> Duration {
    let half = base.num_milliseconds().max(2) / 2;
    Duration::milliseconds(rand::random_range(0..half))
}

/// JSON text → schema check → typed value → the layer's own check.
fn parse_answer<T: DeserializeOwned>(
    text: &str,
    schema: &Value,
    check: &impl Fn(&T) -> Result<(), Refusal>,
) -> Result<T, Rejection> {
    let value: Value =
        serde_json::from_str(text.trim()).map_err(|e| Rejection::NotJson(e.to_string()))?;
    schema::validate(schema, &value)?;
    let typed: T =
        serde_json::from_value(value).map_err(|e| Rejection::NotTheType(e.to_string()))?;
    check(&typed)?;
    Ok(typed)
}
