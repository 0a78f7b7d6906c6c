//! What the providers and the pipeline are doing: `/api/metrics` and the `llm` entry of
//! `/api/health`.

use super::Services;
use crate::error::ServiceResult;
use crate::providers::llm::ProviderState;
use app::error::AppError;
use app::model::*;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64};

/// Every LLM provider jobintel knows, configured or not.
const LLM_PROVIDERS: [&str; 3] = ["openrouter", "anthropic", "openai"];

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

/// Rounded to a millionth of a dollar; `+ 0.0` turns the `-0.0` of an empty sum into `0`.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6 + 0.0
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
                    breaker: state.map(|s| s.breaker.state),
                }
            })
            .collect();
        providers.push(ProviderHealth {
            name: "offline".into(),
            configured: llm.offline_fallback(),
            breaker: None,
        });
        let open = |p: &ProviderState| p.breaker.state == BreakerState::Open;
        let (status, detail) = match chain.first() {
            None => (HealthStatus::Healthy, None),
            Some(primary) if !open(primary) => (HealthStatus::Healthy, None),
            Some(_) if chain.iter().all(open) => {
                if llm.offline_fallback() {
                    (HealthStatus::Degraded, Some("every LLM provider's breaker is open; the offline provider is answering".to_string()))
                } else {
                    (
                        HealthStatus::Unhealthy,
                        Some(
                            "every LLM provider's breaker is open and offline fallback is disabled"
                                .to_string(),
                        ),
                    )
                }
            }
            Some(primary) => (
                HealthStatus::Degraded,
                Some(format!(
                    "{}'s breaker is open ({}); fallbacks are answering",
                    primary.name,
                    primary.breaker.reason.clone().unwrap_or_default()
                )),
            ),
        };
        ExternalHealth { status, detail, providers }
    }

    /// Not configured (no key), disabled, healthy, or degraded while its breaker is open (the
    /// pipeline then uses synthetic contacts and research from the posting).
    pub async fn firecrawl_health(&self) -> ExternalHealth {
        let fc = &self.providers.firecrawl;
        let breaker = fc.breaker();
        let provider = ProviderHealth {
            name: "firecrawl".into(),
            configured: fc.configured(),
            breaker: Some(breaker.state),
        };
        let (status, detail) = if !fc.configured() {
            (HealthStatus::NotConfigured, None)
        } else if !fc.enabled().await {
            (HealthStatus::Disabled, Some("switched off; contacts are synthetic".to_string()))
        } else if breaker.state == BreakerState::Open {
            let until = breaker.next_try_at.map(|t| t.format("%H:%M:%S UTC").to_string());
            (
                HealthStatus::Degraded,
                Some(format!(
                    "{} — backing off until {}",
                    breaker.reason.clone().unwrap_or_default(),
                    until.unwrap_or_default()
                )),
            )
        } else {
            (HealthStatus::Healthy, None)
        };
        ExternalHealth { status, detail, providers: vec![provider] }
    }

    /// `GET /api/metrics`.
    pub async fn metrics(&self) -> ServiceResult<Metrics> {
        let llm = &self.providers.llm;
        let mut rate_limits = BTreeMap::new();
        let mut circuit_breakers = BTreeMap::new();
        for p in llm.providers() {
            rate_limits.insert(p.name.clone(), RateLimitView::Llm(p.rate_limit));
            circuit_breakers.insert(p.name, p.breaker);
        }
        // FireCrawl's own pacing is always shown (its limits apply as soon as a key is set).
        let firecrawl = &self.providers.firecrawl;
        rate_limits.insert("firecrawl".into(), RateLimitView::FireCrawl(firecrawl.usage()));
        if firecrawl.configured() {
            circuit_breakers.insert("firecrawl".into(), firecrawl.breaker());
        }
        let now = self.now();
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
        let control = &self.providers.control;
        Ok(Metrics {
            rate_limits,
            llm_cost: LlmCost {
                today_usd: round6(control.spent_today().await),
                last_7_days_usd: round6(week_total),
                per_run_average_usd: round6(average),
                per_run_p95_usd: round6(percentile(&costs, 95.0)),
                last_run_usd: last_run,
                runs_counted: costs.len(),
                daily_budget_usd: control.daily_budget_usd(),
            },
            circuit_breakers,
            pipeline: PipelineFigures {
                runs_24h: last_day.len(),
                failures_24h: failures,
                failure_rate_24h: if last_day.is_empty() {
                    0.0
                } else {
                    failures as f64 / last_day.len() as f64
                },
                active_runs: runner.active_runs,
                capacity_percent: runner.capacity_percent,
                queued: runner.queued,
                paused: runner.paused,
                paused_reason: runner.paused_reason,
            },
            alerts: llm.alerts(),
        })
    }
}

/// One gauge family per figure, written by the Prometheus client crate (OpenMetrics text).
struct Exposition(Registry);

type Labels = Vec<(&'static str, String)>;

impl Exposition {
    fn gauge(&mut self, name: &str, help: &str, value: f64) {
        let gauge = Gauge::<f64, AtomicU64>::default();
        gauge.set(value);
        self.0.register(name, help, gauge);
    }

    fn count(&mut self, name: &str, help: &str, value: i64) {
        let gauge = Gauge::<i64, AtomicI64>::default();
        gauge.set(value);
        self.0.register(name, help, gauge);
    }

    fn family(&mut self, name: &str, help: &str, samples: Vec<(Labels, f64)>) {
        let family = Family::<Labels, Gauge<f64, AtomicU64>>::default();
        for (labels, value) in samples {
            family.get_or_create(&labels).set(value);
        }
        self.0.register(name, help, family);
    }
}

impl Services {
    /// `GET /metrics`: what `/api/metrics` and `/api/health` say, for Prometheus.
    pub async fn prometheus(&self) -> ServiceResult<String> {
        let m = self.metrics().await?;
        let health = self.health().await;
        let mut out = Exposition(Registry::with_prefix("jobintel"));
        let up = |status: HealthStatus| if status.is_up() { 1.0 } else { 0.0 };
        let service = |name: &str| vec![("service", name.to_string())];
        out.family(
            "service_healthy",
            "1 when the service is healthy (or not configured).",
            vec![
                (service("store"), up(health.mongodb.status)),
                (service("runner"), up(health.runner.status)),
                (service("llm"), up(health.llm.status)),
                (service("firecrawl"), up(health.firecrawl.status)),
            ],
        );
        let p = &m.pipeline;
        for (name, value, help) in [
            ("pipeline_runs_24h", p.runs_24h as i64, "Runs created in the last 24 hours."),
            ("pipeline_failures_24h", p.failures_24h as i64, "Failed runs in the last 24 hours."),
            ("pipeline_active_runs", p.active_runs.into(), "Runs executing in this process."),
            (
                "pipeline_capacity_percent",
                p.capacity_percent.into(),
                "Share of this process's run slots in use.",
            ),
            ("pipeline_queued", p.queued.into(), "Runs waiting to be claimed."),
            ("pipeline_paused", p.paused.into(), "1 while the pipeline is paused."),
        ] {
            out.count(name, help, value);
        }
        let c = &m.llm_cost;
        out.gauge("llm_cost_today_usd", "LLM spend today (UTC).", c.today_usd);
        out.gauge("llm_cost_7d_usd", "LLM spend of runs in the last 7 days.", c.last_7_days_usd);
        out.gauge(
            "llm_cost_per_run_p95_usd",
            "95th percentile of run cost, last 7 days.",
            c.per_run_p95_usd,
        );
        let provider = |name: &str| vec![("provider", name.to_string())];
        let breakers = m
            .circuit_breakers
            .iter()
            .map(|(name, b)| {
                (provider(name), if b.state == BreakerState::Closed { 0.0 } else { 1.0 })
            })
            .collect();
        out.family(
            "circuit_open",
            "1 while the provider's circuit breaker is open or half-open.",
            breakers,
        );
        let remaining = m
            .rate_limits
            .iter()
            .filter_map(|(name, r)| {
                match r {
                    RateLimitView::Llm(Some(limit)) => limit.remaining_requests,
                    _ => None,
                }
                .map(|v| (provider(name), v as f64))
            })
            .collect();
        out.family(
            "rate_limit_remaining_requests",
            "Requests left in the provider's current window.",
            remaining,
        );
        let mut text = String::new();
        encode(&mut text, &out.0)
            .map_err(|e| AppError::Internal(format!("metrics exposition: {e}")))?;
        Ok(text)
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
