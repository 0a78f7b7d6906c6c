use crate::functions::get_health;
use crate::model::{ExternalHealth, Health, HealthStatus};
use leptos::prelude::*;

/// Seconds between refreshes of the panel in the browser.
const REFRESH_SECONDS: u64 = 15;

/// Green / yellow / red pill with a popover of each service; refreshes itself in the browser.
#[component]
pub fn HealthPanel() -> impl IntoView {
    let health = Resource::new(|| (), |_| get_health());

    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(
            move || health.refetch(),
            std::time::Duration::from_secs(REFRESH_SECONDS),
        ) {
            on_cleanup(move || handle.clear());
        }
    }

    view! {
        <details class="health-panel" data-testid="health-panel">
            <Transition fallback=|| {
                view! {
                    <summary>
                        <span class="pill unknown">"Health…"</span>
                    </summary>
                }
            }>
                {move || Suspend::new(async move {
                    match health.await {
                        Ok(h) => view! { <HealthDetails health=h /> }.into_any(),
                        Err(e) => {
                            view! {
                                <summary>
                                    <span class="pill red" data-level="red">
                                        "Health unknown"
                                    </span>
                                </summary>
                                <div class="popover">{e.to_string()}</div>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </details>
    }
}

/// Healthy → green, degraded → yellow, not configured or switched off → grey, unhealthy → red.
fn level(status: HealthStatus) -> &'static str {
    match status {
        HealthStatus::Healthy => "green",
        HealthStatus::Degraded => "yellow",
        HealthStatus::NotConfigured | HealthStatus::Disabled => "grey",
        HealthStatus::Unhealthy => "red",
    }
}

#[component]
fn HealthDetails(health: Health) -> impl IntoView {
    let overall = level(health.overall);
    let store_detail = match health.mongodb.latency_ms {
        Some(ms) => format!("{} · {:.1} ms", health.mongodb.backend, ms),
        None => health.mongodb.backend.clone(),
    };
    let mut runner_detail = format!(
        "{} active · {}% capacity · {} queued",
        health.runner.active_runs, health.runner.capacity_percent, health.runner.queued
    );
    if health.runner.paused {
        runner_detail.push_str(" · paused");
        if let Some(why) = &health.runner.paused_reason {
            runner_detail.push_str(&format!(": {why}"));
        }
    }
    let external = |e: &ExternalHealth| {
        let configured: Vec<String> = e
            .providers
            .iter()
            .filter(|p| p.configured)
            .map(|p| match p.breaker {
                None => p.name.clone(),
                Some(breaker) => format!("{} ({breaker})", p.name),
            })
            .collect();
        let mut detail = configured.join(", ");
        if let Some(d) = &e.detail {
            detail = if detail.is_empty() { d.clone() } else { format!("{detail} · {d}") };
        }
        detail
    };
    let rows = vec![
        ("Store", health.mongodb.status, store_detail),
        ("Runner", health.runner.status, runner_detail),
        ("LLM", health.llm.status, external(&health.llm)),
        ("FireCrawl", health.firecrawl.status, external(&health.firecrawl)),
        ("PDF service", health.pdf_service.status, String::new()),
    ];
    view! {
        <summary>
            <span class=format!("pill {overall}") data-level=overall>
                {health.overall.as_str()}
            </span>
        </summary>
        <div class="popover">
            <table class="services">
                <tbody>
                {rows
                    .into_iter()
                    .map(|(name, status, detail)| {
                        view! {
                            <tr>
                                <th>{name}</th>
                                <td>
                                    <span class=format!("dot {}", level(status))></span>
                                    {status.as_str()}
                                </td>
                                <td class="muted">{detail}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
                </tbody>
            </table>
            <p class="muted small">
                "Checked " {health.checked_at.format("%H:%M:%S UTC").to_string()}
                " · refreshes every " {REFRESH_SECONDS} " s"
            </p>
        </div>
    }
}
