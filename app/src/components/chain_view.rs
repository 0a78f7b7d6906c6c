//! The evidence chain on the job and run pages: the posting's needs, and every line of the
//! documents. Selecting a need (`?need=r1`) highlights the lines that serve it; selecting a
//! line (`?line=letter-3`) shows its sources and the needs it answers. Both are links, so the
//! page works the same hydrated and without JavaScript.

use crate::chain::{Chain, ChainLine, DocPart, Grounding, NeedKind};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

fn part_label(part: DocPart) -> &'static str {
    match part {
        DocPart::Cv => "CV",
        DocPart::CoverLetter => "Cover letter",
        DocPart::LinkedinNote => "LinkedIn notes",
        DocPart::EmailSubject => "Email subjects",
        DocPart::EmailBody => "Emails",
        DocPart::Dossier => "Dossier",
    }
}

fn grounding_view(g: Grounding) -> impl IntoView {
    match g {
        Grounding::Record { source } => {
            view! { <span class="chip provenance">{source.to_string()}</span> }.into_any()
        }
        Grounding::Posting { quote } => {
            view! { <span class="chip posting">"posting: " <q>{quote}</q></span> }.into_any()
        }
        Grounding::Signal { text, url } => {
            let link = url.as_deref().and_then(crate::cv::safe_href).map(|u| {
                view! { " " <a href=u rel="noopener noreferrer nofollow" target="_blank">"source"</a> }
            });
            view! { <span class="chip signal">"research: " {text} {link}</span> }.into_any()
        }
    }
}

/// The selected line: its text, how it was made, its sources and the needs it answers.
fn line_detail(line: ChainLine, chain: &Chain) -> impl IntoView + use<> {
    let answers = line.answers.iter().filter_map(|id| chain.needs.iter().find(|n| &n.id == id));
    let answers = answers
        .map(|n| {
            let href = format!("?need={}#chain", n.id);
            view! { <li><a href=href>{n.id.clone()}</a> " " <q>{n.quote.clone()}</q></li> }
        })
        .collect_view();
    let sources = line.sources.into_iter().map(grounding_view).collect_view();
    let none = line.answers.is_empty().then(|| view! { <li class="muted">"none"</li> });
    view! {
        <div class="chain-detail card" data-testid="chain-line" data-line=line.id>
            <p><b>{part_label(line.part)}</b> " · " {line.transform.as_str()}</p>
            <p>{line.text}</p>
            <p class="small">"Sources: " {sources}</p>
            <p class="small">"Answers:"</p>
            <ul class="small">{answers}{none}</ul>
        </div>
    }
}

#[component]
pub fn ChainView(chain: Chain) -> impl IntoView {
    let query = use_query_map();
    let need = Memo::new(move |_| query.read().get("need"));
    let selected_line = Memo::new(move |_| query.read().get("line"));
    let chain = StoredValue::new(chain);
    let needs = chain.with_value(|c| c.needs.clone()).into_iter().map(|n| {
        let id = n.id.clone();
        let kind = match n.kind {
            NeedKind::Requirement => "requirement",
            NeedKind::PainPoint => "pain point",
        };
        let count =
            format!(" · {} line{}", n.lines.len(), if n.lines.len() == 1 { "" } else { "s" });
        let class = move || {
            if need.get().as_deref() == Some(id.as_str()) { "need selected" } else { "need" }
        };
        view! {
            <li class=class data-need=n.id.clone()>
                <a href=format!("?need={}#chain", n.id)>{n.id.clone()}</a>
                " " <q>{n.quote}</q> <span class="muted small">" " {kind} {count}</span>
            </li>
        }
    });
    let groups = DocPart::ALL.iter().map(|&part| {
        let lines: Vec<ChainLine> =
            chain.with_value(|c| c.lines.iter().filter(|l| l.part == part).cloned().collect());
        let ids: Vec<String> = lines.iter().map(|l| l.id.clone()).collect();
        let open = move || {
            let serving = |n: &str| {
                chain.with_value(|c| c.needs.iter().any(|x| x.id == n && x.lines.iter().any(|l| ids.contains(l))))
            };
            need.get().is_some_and(|n| serving(&n)) || matches!(part, DocPart::Cv | DocPart::CoverLetter)
        };
        let count = lines.len();
        let items = lines.into_iter().map(|l| {
            let answers = l.answers.clone();
            let id = l.id.clone();
            let class = move || {
                let serves = need.get().is_some_and(|n| answers.contains(&n));
                let picked = selected_line.get().as_deref() == Some(id.as_str());
                match (serves, picked) {
                    (_, true) => "chain-line picked",
                    (true, false) => "chain-line serves",
                    (false, false) => "chain-line",
                }
            };
            view! {
                <li class=class data-line=l.id.clone()>
                    <a href=format!("?line={}#chain", l.id)>{l.text}</a>
                    <span class="muted small">" " {l.transform.as_str()}</span>
                </li>
            }
        });
        (count > 0).then(|| {
            view! {
                <details class="chain-part" open=open data-part=part.as_str()>
                    <summary>{part_label(part)} <span class="muted small">" (" {count} ")"</span></summary>
                    <ul class="small">{items.collect_view()}</ul>
                </details>
            }
        })
    });
    let detail = move || {
        let id = selected_line.get()?;
        chain.with_value(|c| {
            let line = c.lines.iter().find(|l| l.id == id)?.clone();
            Some(line_detail(line, c))
        })
    };
    view! {
        <section id="chain" class="chain" data-testid="chain">
            <h3>"Evidence chain"</h3>
            <p class="muted small">
                "Select a need to highlight every line that serves it; select a line to see its sources."
            </p>
            <ul class="needs small">{needs.collect_view()}</ul>
            {detail}
            {groups.collect_view()}
        </section>
    }
}
