use crate::functions::job_runs;
use crate::model::*;
use leptos::prelude::*;
use serde_json::Value;

/// Seconds between page reloads while a run is live, for browsers without JavaScript.
const LIVE_REFRESH_SECONDS: u64 = 2;

/// The job's pipeline: a Run button, the latest run's live progress, and its results.
#[component]
pub fn RunPanel(job_id: String) -> impl IntoView {
    let id = job_id.clone();
    let runs = Resource::new(move || id.clone(), job_runs);

    #[cfg(feature = "hydrate")]
    follow_run_events(runs);

    let action = format!("/forms/jobs/{}/run", encode_component(&job_id));
    let tiers = ["auto", "A", "B", "C", "D"]
        .into_iter()
        .map(|t| view! { <option value=t>{t}</option> })
        .collect_view();
    view! {
        <section class="card run-panel" data-testid="run-panel">
            <h2>"Pipeline"</h2>
            <p class="small">
                <a href=format!("/runs?job_id={}", encode_component(&job_id))>"Run history of this job"</a>
            </p>
            <form method="post" action=action class="run-form">
                <label>"Tier" <select name="tier">{tiers}</select></label>
                <button type="submit">"Run pipeline"</button>
            </form>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match runs.await {
                        Ok(list) => match list.into_iter().next() {
                            Some(run) => view! { <RunView run /> }.into_any(),
                            None => view! { <p class="muted">"No runs yet."</p> }.into_any(),
                        },
                        Err(e) => view! { <p class="flash error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// One run: status, progress, per-layer steps with logs, controls and results.
#[component]
pub fn RunView(run: PipelineRun) -> impl IntoView {
    let finished =
        run.layers.iter().filter(|l| !matches!(l.status.as_str(), "running" | "pending")).count();
    let percent = if run.status.is_active() { 100 * finished / LAYERS.len() } else { 100 };
    // Without JavaScript, the browser reloads the page while the run is live. Inside <noscript>
    // the tag is inert text when scripts run, so hydrated pages follow the events instead.
    // `inner_html` is safe here: the markup is a constant with a number, no stored text.
    let refresh = run.status.is_active().then(|| {
        let tag = format!(
            r#"<noscript><meta http-equiv="refresh" content="{LIVE_REFRESH_SECONDS}"></noscript>"#
        );
        view! { <div class="live-refresh" inner_html=tag></div> }
    });
    let steps = LAYERS
        .iter()
        .map(|name| {
            let layer = run.layers.iter().find(|l| l.name == *name);
            let status = layer.map_or("pending".to_string(), |l| l.status.clone());
            let detail = layer
                .map(|l| {
                    let mut parts = Vec::new();
                    if let Some(ms) = l.duration_ms {
                        parts.push(format!("{ms} ms"));
                    }
                    if let Some(p) = &l.provider {
                        parts.push(match &l.model {
                            Some(m) => format!("{p} ({m})"),
                            None => p.clone(),
                        });
                    }
                    if l.input_tokens + l.output_tokens > 0 {
                        parts.push(format!("{} + {} tokens", l.input_tokens, l.output_tokens));
                    }
                    parts.push(format!("${:.4}", l.cost_usd));
                    if l.calls > 1 {
                        parts.push(format!("{} calls", l.calls));
                    }
                    if l.retries > 0 {
                        parts.push(format!("{} retries", l.retries));
                    }
                    if let Some(v) = &l.prompt_version {
                        parts.push(format!("prompt {v}"));
                    }
                    parts.join(" · ")
                })
                .unwrap_or_default();
            let log = layer.map(|l| l.log.clone()).unwrap_or_default();
            let fallbacks = layer.map(|l| l.fallbacks.clone()).unwrap_or_default();
            let error = layer.and_then(|l| l.error.clone());
            view! {
                <li class=format!("step {status}") data-layer=*name data-status=status.clone()>
                    <span class="step-name">{name.replace('_', " ")}</span>
                    <span class="muted small">{status.clone()} " " {detail}</span>
                    {error.map(|e| view! { <div class="flash error small">{e}</div> })}
                    {(!fallbacks.is_empty()).then(|| view! {
                        <ul class="fallbacks small" data-testid="fallbacks">
                            {fallbacks.into_iter().map(|f| view! { <li>"passed over " {f}</li> }).collect_view()}
                        </ul>
                    })}
                    {(!log.is_empty()).then(|| view! { <ul class="log">{log.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul> })}
                </li>
            }
        })
        .collect_view();
    let controls = if run.status.is_active() {
        let a = format!("/forms/runs/{}/cancel", encode_component(&run.id));
        Some(view! { <form method="post" action=a><button class="danger" type="submit">"Cancel run"</button></form> }.into_any())
    } else if matches!(run.status, RunStatus::Failed | RunStatus::Cancelled) {
        let a = format!("/forms/runs/{}/retry", encode_component(&run.id));
        Some(view! { <form method="post" action=a><button class="secondary" type="submit">"Retry from the failed layer"</button></form> }.into_any())
    } else {
        None
    };
    let output =
        |name: &str| run.layers.iter().find(|l| l.name == name).and_then(|l| l.output.clone());
    // The finished package as PDFs (plain forms: the browser downloads the attachment).
    let documents = matches!(run.status, RunStatus::Completed | RunStatus::Partial).then(|| {
        let job = encode_component(&run.job_id);
        let pdf = |path: &str, label: &'static str| {
            let action = format!("/api/jobs/{job}/{path}/pdf");
            view! { <form method="post" action=action><button type="submit" class="secondary">{label}</button></form> }
        };
        view! {
            <div class="actions documents" data-testid="documents">
                <a class="button" href=format!("/jobs/{job}/cv") data-testid="edit-cv">"Edit the CV"</a>
                {pdf("cv-editor", "CV (PDF)")}
                {pdf("cover-letter", "Cover letter (PDF)")}
                {pdf("dossier", "Dossier (PDF)")}
            </div>
        }
    });
    let results = (!run.status.is_active()).then(|| {
        view! {
            <Results
                fit=output("fit_score")
                pains=output("pain_points")
                stars=output("star_selection")
                company=output("company_research")
                role=output("role_research")
                people=output("people_mapper")
                outreach=output("outreach")
                letter=output("cover_letter")
                cv=output("cv_generation")
            />
        }
    });
    view! {
        {refresh}
        <p>
            <span class=format!("badge run-{}", run.status) data-testid="run-status">{run.status.as_str()}</span>
            " tier " {run.tier.clone()} " · attempt " {run.attempt} " · "
            <a href=format!("/api/pipeline-runs/{}", run.id)>"JSON"</a>
        </p>
        {run.error.clone().map(|e| view! { <p class="flash error">{e}</p> })}
        <div class="progress" role="progressbar" aria-valuenow=percent aria-valuemin="0" aria-valuemax="100">
            <div class="bar" style=format!("width: {percent}%")></div>
        </div>
        <ol class="stepper">{steps}</ol>
        {controls}
        {documents}
        {results}
    }
}

/// With JavaScript, the panel follows the latest run through its server-sent events: events
/// refetch the run (coalesced), and the stream is closed once the run is over.
#[cfg(feature = "hydrate")]
fn follow_run_events(runs: Resource<Result<Vec<PipelineRun>, crate::error::AppError>>) {
    use wasm_bindgen::{JsCast, closure::Closure};
    type Listener = Closure<dyn FnMut(web_sys::Event)>;
    let live = StoredValue::new_local(None::<(String, web_sys::EventSource, Listener)>);
    let refetch_due = StoredValue::new_local(false);
    let close = move || {
        live.update_value(|l| {
            if let Some((_, source, _)) = l.take() {
                source.close();
            }
        })
    };
    Effect::new(move |_| {
        let active = runs
            .get()
            .and_then(|r| r.ok())
            .and_then(|r| r.into_iter().next())
            .filter(|r| r.status.is_active())
            .map(|r| r.id);
        if live.with_value(|l| l.as_ref().map(|(id, _, _)| id.clone())) == active {
            return;
        }
        close();
        let Some(id) = active else { return };
        let url = format!("/api/pipeline-runs/{}/events", encode_component(&id));
        let Ok(source) = web_sys::EventSource::new(&url) else { return };
        let listener = Listener::new(move |_: web_sys::Event| {
            if !refetch_due.get_value() {
                refetch_due.set_value(true);
                set_timeout(
                    move || {
                        refetch_due.set_value(false);
                        runs.refetch();
                    },
                    std::time::Duration::from_millis(150),
                );
            }
        });
        for kind in RUN_EVENT_KINDS {
            let _ =
                source.add_event_listener_with_callback(kind, listener.as_ref().unchecked_ref());
        }
        live.set_value(Some((id, source, listener)));
    });
    on_cleanup(close);
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|x| x.as_str().map(str::to_string)).collect()
}

#[component]
fn Results(
    fit: Option<Value>,
    pains: Option<Value>,
    stars: Option<Value>,
    company: Option<Value>,
    role: Option<Value>,
    people: Option<Value>,
    outreach: Option<Value>,
    letter: Option<Value>,
    cv: Option<Value>,
) -> impl IntoView {
    let research_view = company.map(|c| {
        let signals: Vec<(String, String, Option<String>)> = c["signals"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                (
                    s["kind"].as_str().unwrap_or_default().replace('_', " "),
                    s["text"].as_str().unwrap_or_default().to_string(),
                    s["source_url"].as_str().and_then(crate::cv::safe_href),
                )
            })
            .collect();
        let role_summary = role.as_ref().and_then(|r| r["summary"].as_str().map(str::to_string));
        view! {
            <h3>"Research"</h3>
            <p data-testid="company-summary">{c["summary"].as_str().unwrap_or_default().to_string()}</p>
            <p class="muted small">"Source: " {c["source"].as_str().unwrap_or_default().to_string()}</p>
            <ul class="small">
                {signals
                    .into_iter()
                    .map(|(kind, text, url)| view! {
                        <li>
                            <span class="chip">{kind}</span> " " {text} " "
                            {url.map(|u| view! { <a href=u rel="noopener noreferrer nofollow" target="_blank">"source"</a> })}
                        </li>
                    })
                    .collect_view()}
            </ul>
            {role_summary.map(|s| view! { <p><b>"The role: "</b>{s}</p> })}
        }
    });
    let people_view = people.filter(|p| p["primary"].is_array()).map(|p| {
        let contacts: Vec<(String, String, bool)> = p["primary"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(p["secondary"].as_array().into_iter().flatten())
            .map(|c| {
                (
                    c["name"].as_str().unwrap_or_default().to_string(),
                    c["why_relevant"].as_str().unwrap_or_default().to_string(),
                    c["synthetic"].as_bool().unwrap_or(true),
                )
            })
            .collect();
        view! {
            <h3>"Contacts"</h3>
            <ul class="small" data-testid="contacts">
                {contacts
                    .into_iter()
                    .map(|(name, why, synthetic)| view! {
                        <li>{name} " — " {why} {synthetic.then(|| view! { " " <span class="chip">"synthetic"</span> })}</li>
                    })
                    .collect_view()}
            </ul>
        }
    });
    let fit_view = fit.map(|f| {
        view! {
            <h3>"Fit"</h3>
            <p data-testid="fit-score">
                <b>{f["score"].as_u64().unwrap_or_default()}</b> " / 100 · " {f["category"].as_str().unwrap_or_default().to_string()}
                " · tier " {f["tier"].as_str().unwrap_or_default().to_string()}
            </p>
            <ul class="small">{strings(&f["rationale"]).into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
            <ul class="small gaps">{strings(&f["gaps"]).into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
        }
    });
    let pains_view = pains.map(|p| {
        let items: Vec<(String, f64)> = p["pain_points"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(p["strategic_needs"].as_array().into_iter().flatten())
            .map(|f| (f["text"].as_str().unwrap_or_default().to_string(), f["confidence"].as_f64().unwrap_or_default()))
            .collect();
        view! {
            <h3>"Pain points and needs"</h3>
            <ul>{items.into_iter().map(|(t, c)| view! { <li>{t} <span class="muted small">{format!(" (confidence {c:.2})")}</span></li> }).collect_view()}</ul>
        }
    });
    let stars_view = stars.map(|s| {
        let picked: Vec<String> = s["selected"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x["title"].as_str().map(str::to_string))
            .collect();
        view! {
            <h3>"Selected STAR records"</h3>
            <ul>{picked.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
        }
    });
    let outreach_view = outreach.filter(|o| o["messages"].is_array()).map(|o| {
        let messages: Vec<Value> = o["messages"].as_array().cloned().unwrap_or_default();
        view! {
            <h3>"Outreach"</h3>
            {messages
                .into_iter()
                .map(|m| {
                    view! {
                        <details class="message">
                            <summary>{m["contact"].as_str().unwrap_or_default().to_string()}</summary>
                            <p class="small"><b>"LinkedIn note: "</b>{m["linkedin_note"].as_str().unwrap_or_default().to_string()}</p>
                            <p class="small"><b>"Subject: "</b>{m["email_subject"].as_str().unwrap_or_default().to_string()}</p>
                            <pre class="letter">{m["email_body"].as_str().unwrap_or_default().to_string()}</pre>
                        </details>
                    }
                })
                .collect_view()}
        }
    });
    let letter_view = letter.and_then(|l| l["text"].as_str().map(str::to_string)).map(|t| {
        view! {
            <h3>"Cover letter"</h3>
            <pre class="letter" data-testid="cover-letter">{t}</pre>
        }
    });
    let cv_view = cv.filter(|c| c["lines"].is_array()).map(|c| {
        let coverage = &c["keyword_coverage"];
        let summary = format!(
            "ATS keywords found: {}% in this CV, {}% in the master CV",
            coverage["cv_percent"].as_u64().unwrap_or_default(),
            coverage["master_cv_percent"].as_u64().unwrap_or_default()
        );
        let lines: Vec<(String, String, String)> = c["lines"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| {
                (
                    l["section"].as_str().unwrap_or_default().to_string(),
                    l["text"].as_str().unwrap_or_default().to_string(),
                    l["source"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        view! {
            <h3>"CV draft"</h3>
            <p class="muted small">{summary}</p>
            <ul class="cv-lines" data-testid="cv-lines">
                {lines
                    .into_iter()
                    .map(|(section, text, source)| {
                        view! {
                            <li>
                                <span class="muted small">{section}" "</span>
                                {text}
                                " "
                                <span class="chip provenance" title="where this line comes from">{source}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
    });
    view! {
        <div class="results">{fit_view} {pains_view} {stars_view} {research_view} {people_view} {outreach_view} {letter_view} {cv_view}</div>
    }
}
