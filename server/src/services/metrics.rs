//! What the providers and the pipeline are doing: `/api/metrics` and the `llm` entry of
//! `/api/health`.

use super::Services;
use crate::providers::breaker::BreakerState;
use crate::providers::llm::ProviderState;
use app::error::AppError;
use app::model::*;
use serde_json::{Map, Value, json};

/// Every LLM provider jobintel knows, configured or not.
const LLM_PROVIDERS: [&str; 3] = ["openrouter", "anthropic", "openai"];

fn breaker_name(state: BreakerState) -> &'static str {
    match state {
        BreakerState::Closed => "closed",
        BreakerState::Open => "open",
        BreakerState::HalfOpen => "half_open",
    }
}

/// The p-th percentile (0–100) of sorted values, nearest rank.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn run_cost(run: &PipelineRun) -> f64 {
    run.layers.iter().map(|l| l.cost_usd).sum()
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

impl Services {
    /// Healthy when the primary serves (or is offline); degraded when the primary's breaker is
    /// open or only the offline provider is left; unhealthy when nothing can answer.
    pub fn llm_health(&self) -> ExternalHealth {
        let llm = &self.providers.llm;
        let chain: Vec<ProviderState> = llm.providers();
        let mut providers: Vec<ProviderHealth> = LLM_PROVIDERS
            .iter()
            .map(|name| {
                let state = chain.iter().find(|p| p.name == *name);
                ProviderHealth {
                    name: name.to_string(),
                    configured: state.is_some(),
                    breaker: state.map_or("none", |s| breaker_name(s.breaker.state)).into(),
                }
            })
            .collect();
        providers.push(ProviderHealth {
            name: "offline".into(),
            configured: llm.offline_fallback(),
            breaker: "none".into(),
        });
        let open = |p: &ProviderState| p.breaker.state == BreakerState::Open;
        let (status, detail) = match chain.first() {
            None => ("healthy", None),
            Some(primary) if !open(primary) => ("healthy", None),
            Some(_) if chain.iter().all(open) => {
                if llm.offline_fallback() {
                    ("degraded", Some("every LLM provider's breaker is open; the offline provider is answering".to_string()))
                } else {
                    (
                        "unhealthy",
                        Some(
                            "every LLM provider's breaker is open and offline fallback is disabled"
                                .to_string(),
                        ),
                    )
                }
            }
            Some(primary) => (
                "degraded",
                Some(format!(
                    "{}'s breaker is open ({}); fallbacks are answering",
                    primary.name,
                    primary.breaker.reason.clone().unwrap_or_default()
                )),
            ),
        };
        ExternalHealth { status: status.into(), detail, providers }
    }

    /// Not configured (no key), disabled, healthy, or degraded while its breaker is open (the
    /// pipeline then uses synthetic contacts and research from the posting).
    pub async fn firecrawl_health(&self) -> ExternalHealth {
        let fc = &self.providers.firecrawl;
        let breaker = fc.breaker();
        let provider = |b: &str| ProviderHealth {
            name: "firecrawl".into(),
            configured: fc.configured(),
            breaker: b.into(),
        };
        let (status, detail) = if !fc.configured() {
            ("not_configured", None)
        } else if !fc.enabled().await {
            ("disabled", Some("switched off; contacts are synthetic".to_string()))
        } else if breaker.state == BreakerState::Open {
            let until = breaker.next_try_at.map(|t| t.format("%H:%M:%S UTC").to_string());
            (
                "degraded",
                Some(format!(
                    "{} — backing off until {}",
                    breaker.reason.clone().unwrap_or_default(),
                    until.unwrap_or_default()
                )),
            )
        } else {
            ("healthy", None)
        };
        ExternalHealth {
            status: status.into(),
            detail,
            providers: vec![provider(breaker_name(breaker.state))],
        }
    }

    /// `GET /api/metrics`.
    pub async fn metrics(&self) -> Result<Value, AppError> {
        let llm = &self.providers.llm;
        let chain = llm.providers();
        let mut rate_limits = Map::new();
        let mut breakers = Map::new();
        for p in &chain {
            rate_limits.insert(p.name.clone(), json!(p.rate_limit));
            breakers.insert(p.name.clone(), json!(p.breaker));
        }
        let firecrawl = &self.providers.firecrawl;
        if firecrawl.configured() {
            rate_limits.insert("firecrawl".into(), json!(firecrawl.usage()));
            breakers.insert("firecrawl".into(), json!(firecrawl.breaker()));
        }
        let now = crate::store::now();
        let week = RunQuery {
            created_from: Some(now - chrono::Duration::days(7)),
            limit: 10_000,
            ..Default::default()
        };
        let runs = self.store.list_runs(&week).await?;
        let finished: Vec<&PipelineRun> = runs.iter().filter(|r| !r.status.is_active()).collect();
        let mut costs: Vec<f64> = finished.iter().map(|r| run_cost(r)).collect();
        let week_total: f64 = costs.iter().sum();
        let last_run = finished.first().map(|r| round6(run_cost(r)));
        costs.sort_by(f64::total_cmp);
        let average = if costs.is_empty() { 0.0 } else { week_total / costs.len() as f64 };
        let day_ago = now - chrono::Duration::hours(24);
        let last_day: Vec<&&PipelineRun> =
            finished.iter().filter(|r| r.created_at >= day_ago).collect();
        let failures = last_day.iter().filter(|r| r.status == RunStatus::Failed).count();
        let runner = self.runner_health().await;
        Ok(json!({
            "rate_limits": rate_limits,
            "llm_cost": {
                "today_usd": round6(llm.spent_today().await),
                "last_7_days_usd": round6(week_total),
                "per_run_average_usd": round6(average),
                "per_run_p95_usd": round6(percentile(&costs, 95.0)),
                "last_run_usd": last_run,
                "runs_counted": costs.len(),
                "daily_budget_usd": llm.daily_budget_usd(),
            },
            "circuit_breakers": breakers,
            "pipeline": {
                "runs_24h": last_day.len(),
                "failures_24h": failures,
                "failure_rate_24h": if last_day.is_empty() { 0.0 } else { failures as f64 / last_day.len() as f64 },
                "active_runs": runner.active_runs,
                "capacity_percent": runner.capacity_percent,
                "queued": runner.queued,
                "paused": runner.paused,
                "paused_reason": runner.paused_reason,
            },
            "alerts": llm.alerts(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 95.0), 19.0);
        assert_eq!(percentile(&v, 100.0), 20.0);
        assert_eq!(percentile(&[3.0], 95.0), 3.0);
        assert_eq!(percentile(&[], 95.0), 0.0);
    }
}
