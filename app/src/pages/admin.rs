use crate::components::{Layout, PageTitle};
use crate::functions::{get_health, get_metrics};
use crate::model::*;
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// The Admin page, loaded lazily: it and the typed metrics it reads are a WASM chunk of their
/// own (with `cargo leptos build --split`), so the first load does not carry them.
pub struct AdminRoute;

#[lazy_route]
impl LazyRoute for AdminRoute {
    fn data() -> Self {
        AdminRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <AdminPage /> }.into_any()
    }
}

/// The operations runbook as buttons: each form posts to `/forms/admin/…`, which calls the
/// same service as the admin API and the `jobintel admin` CLI. Viewers see the state; the
/// buttons answer them with a clear "needs the admin role".
#[component]
pub fn AdminPage() -> impl IntoView {
    let health = Resource::new(|| (), |_| get_health());
    let metrics = Resource::new(|| (), |_| get_metrics());
    view! {
        <PageTitle text="Admin · jobintel" />
        <Layout>
            <h1>"Admin"</h1>
            <p class="muted">
                "Each action is also " <code>"jobintel admin …"</code> " on the command line and an "
                <code>"/api/admin/…"</code> " call; every use is audited."
            </p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match (health.await, metrics.await) {
                        (Ok(h), Ok(m)) => view! { <Procedures health=h metrics=m /> }.into_any(),
                        (Err(e), _) | (_, Err(e)) => {
                            view! { <p class="flash error" role="alert">{e.to_string()}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </Layout>
    }
}

fn money(v: f64) -> String {
    format!("${v:.4}")
}

#[component]
fn Procedures(health: Health, metrics: Metrics) -> impl IntoView {
    let runner = health.runner.clone();
    let pipeline_state = if runner.paused {
        format!(
            "Paused{}",
            runner.paused_reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
        )
    } else {
        "Running".to_string()
    };
    let firecrawl = health.firecrawl.status.as_str();
    let cost = &metrics.llm_cost;
    let breakers: Vec<(String, String, String)> = metrics
        .circuit_breakers
        .iter()
        .map(|(name, b)| (name.clone(), b.state.to_string(), b.reason.clone().unwrap_or_default()))
        .collect();
    let alerts: Vec<String> = metrics
        .alerts
        .iter()
        .map(|a| {
            let at = a.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            format!("{at} · {} · {}: {}", a.provider, a.kind, a.message)
        })
        .collect();
    view! {
        <section class="card" data-testid="admin-pipeline">
            <h2>"Pipeline"</h2>
            <p data-testid="pipeline-state">{pipeline_state}</p>
            <div class="actions">
                <form method="post" action="/forms/admin/pause"><button class="danger" type="submit">"Pause pipeline"</button></form>
                <form method="post" action="/forms/admin/resume"><button type="submit">"Resume pipeline"</button></form>
            </div>
            <form method="post" action="/forms/admin/clear-stuck" class="inline">
                <label>"Fail runs processing for longer than " <input name="older_than" value=CLEAR_STUCK_OLDER_THAN size="5" /></label>
                <button type="submit" class="secondary">"Clear stuck runs"</button>
            </form>
            <form method="post" action="/forms/admin/rerun-failed" class="inline">
                <label>"Retry failed runs from the last " <input name="since" value=RERUN_FAILED_SINCE size="5" /></label>
                <button type="submit" class="secondary">"Rerun failed"</button>
            </form>
        </section>
        <section class="card" data-testid="admin-pdf">
            <h2>"PDF renderer"</h2>
            <p>"Chromium: " <b data-testid="pdf-state">{health.pdf_service.status.as_str()}</b></p>
            <form method="post" action="/forms/admin/restart-pdf">
                <button type="submit" class="secondary">"Restart PDF renderer"</button>
            </form>
        </section>
        <section class="card" data-testid="admin-providers">
            <h2>"Providers and cost"</h2>
            <p>
                "LLM: " <b>{health.llm.status.as_str()}</b> " · spent today " {money(cost.today_usd)}
                " · last 7 days " {money(cost.last_7_days_usd)} " · per run p95 "
                {money(cost.per_run_p95_usd)} " · daily budget "
                {cost.daily_budget_usd.map_or("none".to_string(), |b| format!("${b:.2}"))}
            </p>
            {(!breakers.is_empty()).then(|| view! {
                <table class="services">
                    <thead><tr><th>"Provider"</th><th>"Breaker"</th><th>"Why"</th></tr></thead>
                    <tbody>
                        {breakers.into_iter().map(|(n, s, r)| view! { <tr><td>{n}</td><td>{s}</td><td class="muted">{r}</td></tr> }).collect_view()}
                    </tbody>
                </table>
            })}
            {(!alerts.is_empty()).then(|| view! {
                <h3>"Alerts"</h3>
                <ul class="small" data-testid="alerts">{alerts.into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}</ul>
            })}
            <p>"FireCrawl: " <b data-testid="firecrawl-state">{firecrawl}</b></p>
            <div class="actions">
                <form method="post" action="/forms/admin/firecrawl">
                    <input type="hidden" name="enabled" value="true" />
                    <button type="submit">"Enable FireCrawl"</button>
                </form>
                <form method="post" action="/forms/admin/firecrawl">
                    <input type="hidden" name="enabled" value="false" />
                    <button type="submit" class="secondary">"Disable FireCrawl"</button>
                </form>
            </div>
            <form method="post" action="/forms/admin/company-cache" class="inline">
                <label>"Company (empty: all) " <input name="company" placeholder="Acme Corp" /></label>
                <button type="submit" class="secondary">"Clear company cache"</button>
            </form>
        </section>
    }
}
