//! `/api/metrics` in the runbook's shape: rate limits, LLM cost, breakers, pipeline figures
//! and alerts. The server fills it; the Admin page reads it as it is.

use super::BreakerState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `GET /api/metrics` in the runbook's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Metrics {
    /// Per provider: the limits it last reported (`null` before its first answer), and
    /// FireCrawl's own pacing.
    pub rate_limits: BTreeMap<String, RateLimitView>,
    pub llm_cost: LlmCost,
    pub circuit_breakers: BTreeMap<String, BreakerStatus>,
    pub pipeline: PipelineFigures,
    pub alerts: Vec<Alert>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum RateLimitView {
    // First: read back, a FireCrawl entry would also pass for an LLM's limits.
    FireCrawl(FireCrawlUse),
    Llm(Option<RateLimit>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct LlmCost {
    pub today_usd: f64,
    pub last_7_days_usd: f64,
    pub per_run_average_usd: f64,
    pub per_run_p95_usd: f64,
    pub last_run_usd: Option<f64>,
    pub runs_counted: usize,
    pub daily_budget_usd: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct PipelineFigures {
    pub runs_24h: usize,
    pub failures_24h: usize,
    pub failure_rate_24h: f64,
    pub active_runs: u32,
    pub capacity_percent: u32,
    pub queued: u32,
    pub paused: bool,
    pub paused_reason: Option<String>,
}

/// The latest limits a provider reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct RateLimit {
    pub limit_requests: Option<u64>,
    pub remaining_requests: Option<u64>,
    pub reset_requests: Option<DateTime<Utc>>,
    pub limit_tokens: Option<u64>,
    pub remaining_tokens: Option<u64>,
    pub reset_tokens: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// What `/api/metrics` shows under `rate_limits.firecrawl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct FireCrawlUse {
    pub per_minute: Window,
    pub per_day: Window,
    pub credits_used_today: u64,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Requests allowed in a window and used so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Window {
    pub limit: u32,
    pub used: u32,
}

/// What `/api/metrics` and `/api/health` show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct BreakerStatus {
    pub state: BreakerState,
    /// Consecutive failures since the last success.
    pub failures: u32,
    pub opened_at: Option<DateTime<Utc>>,
    pub next_try_at: Option<DateTime<Utc>>,
    /// Why it opened, e.g. "insufficient_quota".
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Alert {
    pub at: DateTime<Utc>,
    pub provider: String,
    pub kind: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_read_back_as_the_variant_they_were() {
        let at: DateTime<Utc> = "2026-12-01T09:00:00Z".parse().unwrap();
        let firecrawl = RateLimitView::FireCrawl(FireCrawlUse {
            per_minute: Window { limit: 10, used: 3 },
            per_day: Window { limit: 500, used: 41 },
            credits_used_today: 41,
            updated_at: Some(at),
        });
        let openai = RateLimitView::Llm(Some(RateLimit {
            limit_requests: Some(500),
            remaining_requests: Some(499),
            reset_requests: None,
            limit_tokens: None,
            remaining_tokens: None,
            reset_tokens: None,
            updated_at: at,
        }));
        for view in [firecrawl, openai, RateLimitView::Llm(None)] {
            let text = serde_json::to_string(&view).unwrap();
            assert_eq!(serde_json::from_str::<RateLimitView>(&text).unwrap(), view, "{text}");
        }
    }
}
