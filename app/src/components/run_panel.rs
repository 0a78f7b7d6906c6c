use crate::functions::job_runs;
use crate::model::*;
use crate::outputs::{
    BlockedClaim, Company, Cv, Fit, Importance, Jd, LEDGER_FORMULA, Ledger, Letter, Messages,
    OrSkipped, Pains, People, Role, RunOutputs, Stars,
};
use leptos::prelude::*;

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
    let tiers = TierChoice::ALL
        .iter()
        .map(|t| view! { <option value=t.as_str()>{t.as_str()}</option> })
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
    let finished = run.layers.iter().filter(|l| !l.status.is_open()).count();
    let percent = if run.status.is_active() { 100 * finished / LayerName::ALL.len() } else { 100 };
    // Without JavaScript, the browser reloads the page while the run is live. Inside <noscript>
    // the tag is inert text when scripts run, so hydrated pages follow the events instead.
    // `inner_html` is safe here: the markup is a constant with a number, no stored text.
    let refresh = run.status.is_active().then(|| {
        let tag = format!(
            r#"<noscript><meta http-equiv="refresh" content="{LIVE_REFRESH_SECONDS}"></noscript>"#
        );
        view! { <div class="live-refresh" inner_html=tag></div> }
    });
    let steps = LayerName::ALL
        .iter()
        .map(|&name| {
            let layer = run.layers.iter().find(|l| l.name == name);
            let status = layer.map_or(LayerStatus::Pending, |l| l.status).as_str();
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
                <li class=format!("step {status}") data-layer=name.as_str() data-status=status>
                    <span class="step-name">{name.as_str().replace('_', " ")}</span>
                    <span class="muted small">{status} " " {detail}</span>
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
        view! { <Results outputs=RunOutputs::of(&run.layers) /> }
    });
    view! {
        {refresh}
        <p>
            <span class=format!("badge run-{}", run.status) data-testid="run-status">{run.status.as_str()}</span>
            " tier " {run.tier.as_str()} " · attempt " {run.attempt} " · "
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
        for kind in RunEventKind::ALL {
            let _ = source
                .add_event_listener_with_callback(kind.as_str(), listener.as_ref().unchecked_ref());
        }
        live.set_value(Some((id, source, listener)));
    });
    on_cleanup(close);
}

/// The finished run's results, read from its layers' typed outputs; an output that is
/// missing, skipped or unreadable shows nothing.
#[component]
fn Results(outputs: RunOutputs) -> impl IntoView {
    let chain = crate::chain::Chain::of(&outputs);
    let role = outputs.find::<Role>();
    let research = outputs.find::<Company>().map(|company| view! { <ResearchView company role /> });
    let people = outputs.find::<OrSkipped<People>>().and_then(OrSkipped::done);
    let outreach = outputs.find::<OrSkipped<Messages>>().and_then(OrSkipped::done);
    let letter = outputs.find::<OrSkipped<Letter>>().and_then(OrSkipped::done).map(|l| {
        view! {
            <h3>"Cover letter"</h3>
            <pre class="letter" data-testid="cover-letter">{l.text}</pre>
            <Blocked claims=l.blocked />
        }
    });
    let cv = outputs.find::<OrSkipped<Cv>>().and_then(OrSkipped::done);
    // The posting's analysis has no view of its own; what the gate kept out of it is shown.
    let analysis = outputs.find::<Jd>().filter(|jd| !jd.blocked.is_empty()).map(|jd| {
        view! {
            <h3>"Posting analysis"</h3>
            <Blocked claims=jd.blocked />
        }
    });
    view! {
        <div class="results">
            {outputs.find::<Fit>().map(|fit| view! { <FitView fit /> })}
            {analysis}
            {outputs.find::<Pains>().map(|pains| view! { <PainsView pains /> })}
            {outputs.find::<Stars>().map(|stars| view! { <StarsView stars /> })}
            {research}
            {people.map(|people| view! { <PeopleView people /> })}
            {outreach.map(|outreach| view! { <OutreachView outreach /> })}
            {letter}
            {cv.map(|cv| view! { <CvView cv /> })}
            {(!chain.is_empty()).then(|| view! { <super::ChainView chain /> })}
        </div>
    }
}

#[component]
fn FitView(fit: Fit) -> impl IntoView {
    let items = |list: Vec<String>| list.into_iter().map(|r| view! { <li>{r}</li> }).collect_view();
    view! {
        <h3>"Fit"</h3>
        <p data-testid="fit-score">
            <b>{fit.score}</b> " / 100 · " {fit.category.as_str()}
            " · tier " {fit.tier.as_str()}
        </p>
        <ul class="small">{items(fit.rationale)}</ul>
        <ul class="small gaps">{items(fit.gaps)}</ul>
        <Blocked claims=fit.blocked />
        {(!fit.ledger.is_empty()).then(|| view! { <LedgerView ledger=fit.ledger /> })}
    }
}

/// The fit ledger: each requirement as the posting states it, how well the records meet it,
/// and the records it rests on; then the formula that makes the score.
#[component]
fn LedgerView(ledger: Ledger) -> impl IntoView {
    let rows = ledger.requirements.into_iter().map(|r| {
        let evidence = r.evidence.into_iter().map(|e| {
            view! { <span class="chip provenance" title=e.text>{e.source.to_string()}</span> " " }
        });
        let missing = (!r.missing.is_empty()).then(|| {
            view! { <span class="muted small">" lacks " {r.missing.join(", ")}</span> }
        });
        let importance = match r.importance {
            Importance::MustHave => "must-have",
            Importance::NiceToHave => "nice-to-have",
        };
        let (id, label) = (r.id.clone(), format!("{} ", r.id));
        view! {
            <tr data-requirement=id class=format!("strength-{}", r.strength.as_str())>
                <td><span class="muted small">{label}</span><q>{r.quote}</q></td>
                <td class="small">{importance}</td>
                <td><span class="chip strength">{r.strength.as_str()}</span>{missing}</td>
                <td>{evidence.collect_view()}</td>
            </tr>
        }
    });
    let model = ledger.model_score.map(|m| {
        let text = format!("The model scored {m}; the ledger {}.", ledger.score);
        view! { <p class="small" data-testid="model-score">{text}</p> }
    });
    view! {
        <h4>"Requirements ledger"</h4>
        <table class="jobs ledger" data-testid="ledger">
            <thead>
                <tr><th>"Requirement"</th><th>"Weight"</th><th>"Match"</th><th>"Evidence"</th></tr>
            </thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
        <p class="muted small">"Ledger score " <b>{ledger.score}</b> ": " {LEDGER_FORMULA} "."</p>
        {model}
    }
}

#[component]
fn PainsView(pains: Pains) -> impl IntoView {
    let items = pains.pain_points.iter().chain(&pains.strategic_needs).cloned().map(|f| {
        let confidence = format!(" (confidence {:.2})", f.confidence);
        view! { <li>{f.text} <span class="muted small">{confidence}</span></li> }
    });
    view! {
        <h3>"Pain points and needs"</h3>
        <ul>{items.collect_view()}</ul>
        <Blocked claims=pains.blocked />
    }
}

#[component]
fn StarsView(stars: Stars) -> impl IntoView {
    view! {
        <h3>"Selected STAR records"</h3>
        <ul>{stars.selected.into_iter().map(|s| view! { <li>{s.title}</li> }).collect_view()}</ul>
    }
}

#[component]
fn ResearchView(company: Company, role: Option<Role>) -> impl IntoView {
    let signals = company.signals.iter().cloned().map(|s| {
        let url = s.source_url.as_deref().and_then(crate::cv::safe_href);
        view! {
            <li>
                <span class="chip">{s.kind.replace('_', " ")}</span> " " {s.text} " "
                {url.map(|u| view! { <a href=u rel="noopener noreferrer nofollow" target="_blank">"source"</a> })}
            </li>
        }
    });
    view! {
        <h3>"Research"</h3>
        <p data-testid="company-summary">{company.summary.clone()}</p>
        <p class="muted small">"Source: " {company.source.clone()}</p>
        <ul class="small">{signals.collect_view()}</ul>
        <Blocked claims=company.blocked />
        {role.map(|r| view! { <p><b>"The role: "</b>{r.summary}</p> <Blocked claims=r.blocked /> })}
    }
}

#[component]
fn PeopleView(people: People) -> impl IntoView {
    let contacts = people.primary.into_iter().chain(people.secondary).map(|c| {
        let synthetic = c.synthetic.then(|| view! { " " <span class="chip">"synthetic"</span> });
        view! { <li>{c.name} " — " {c.why_relevant} {synthetic}</li> }
    });
    view! {
        <h3>"Contacts"</h3>
        <ul class="small" data-testid="contacts">{contacts.collect_view()}</ul>
    }
}

#[component]
fn OutreachView(outreach: Messages) -> impl IntoView {
    let messages = outreach.messages.into_iter().map(|m| {
        view! {
            <details class="message">
                <summary>{m.contact}</summary>
                <p class="small"><b>"LinkedIn note: "</b>{m.linkedin_note}</p>
                <p class="small"><b>"Subject: "</b>{m.email_subject}</p>
                <pre class="letter">{m.email_body}</pre>
            </details>
        }
    });
    view! {
        <h3>"Outreach"</h3>
        {messages.collect_view()}
        <Blocked claims=outreach.blocked />
    }
}

/// What the fact gate kept out of a document: "3 claims blocked", then each claim, its kind
/// and the sentence it was in.
#[component]
fn Blocked(claims: Vec<BlockedClaim>) -> impl IntoView {
    (!claims.is_empty()).then(|| {
        let count = claims.len();
        let items = claims.into_iter().map(|c| {
            view! {
                <li>
                    <b>{c.claim}</b> " (" {c.kind.as_str()} ") in: " <q>{c.sentence}</q>
                </li>
            }
        });
        view! {
            <details class="blocked" data-testid="blocked-claims">
                <summary>
                    {format!("{count} claim{} blocked: no source supports {}", if count == 1 { "" } else { "s" }, if count == 1 { "it" } else { "them" })}
                </summary>
                <ul class="small">{items.collect_view()}</ul>
            </details>
        }
    })
}

#[component]
fn CvView(cv: Cv) -> impl IntoView {
    let k = &cv.keyword_coverage;
    let summary = format!(
        "ATS keywords found: {}% in this CV, {}% in the master CV",
        k.cv_percent, k.master_cv_percent
    );
    // Read from the CV as it prints: stated in a sentence, named only in the skills line, absent.
    let kinds = [
        ("covered", "In a sentence: ", &k.covered),
        ("declared", "Only in the skills line: ", &k.declared),
        ("missing", "Missing: ", &k.missing),
    ];
    let coverage = kinds
        .into_iter()
        .filter(|(_, _, words)| !words.is_empty())
        .map(|(kind, label, words)| {
            view! { <li data-coverage=kind><b>{label}</b>{words.join(", ")}</li> }
        })
        .collect_view();
    let lines = cv.lines.into_iter().map(|l| {
        view! {
            <li>
                <span class="muted small">{l.section}" "</span>
                {l.text}
                " "
                <span class="chip provenance" title="where this line comes from">
                    {std::iter::once(&l.source).chain(&l.also).map(ToString::to_string).collect::<Vec<_>>().join(" + ")}
                </span>
            </li>
        }
    });
    view! {
        <h3>"CV draft"</h3>
        <p class="muted small">{summary}</p>
        <ul class="small" data-testid="keyword-coverage">{coverage}</ul>
        <ul class="cv-lines" data-testid="cv-lines">{lines.collect_view()}</ul>
        <Blocked claims=cv.blocked />
    }
}
