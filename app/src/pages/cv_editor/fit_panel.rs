//! "Fit to N pages": when the CV runs over its page budget, the server cuts its least relevant
//! bullets (never its type); the panel lists what was cut, each with a way back.

use super::Ed;
use crate::cv::fit::{CutBullet, CvFit, FitRequest, restore};
use crate::error::AppError;
use crate::functions::fit_cv;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub(super) fn FitPanel(ed: Ed, pages: RwSignal<Option<usize>>) -> impl IntoView {
    let result = RwSignal::new(None::<Result<CvFit, AppError>>);
    // The bullets still cut: restoring one takes it off the list.
    let cut = RwSignal::new(Vec::<CutBullet>::new());
    let busy = RwSignal::new(false);
    let budget = move || ed.doc.with(|d| d.settings.page_budget);
    let over = move || pages.get().is_some_and(|n| n > budget() as usize);
    let fit = move |_| {
        busy.set(true);
        let request = FitRequest { document: Some(ed.doc.get_untracked()), pages: None };
        let job_id = ed.job_id.get_value();
        spawn_local(async move {
            let answer = fit_cv(job_id, request).await;
            if let Ok(f) = &answer
                && f.fits
                && f.document != ed.doc.get_untracked()
            {
                let document = f.document.clone();
                ed.reshape(move |d| *d = document);
                cut.set(f.cut.clone());
            }
            result.set(Some(answer));
            busy.set(false);
        });
    };
    let put_back = move |c: CutBullet| {
        let pending = cut.get_untracked();
        ed.reshape(|d| restore(d, &c, &pending));
        cut.update(|list| list.retain(|x| x != &c));
    };
    let summary = move || {
        result.get().map(|r| match r {
            Ok(f) if f.fits && f.cut.is_empty() => {
                format!("Fits on {} page(s) without cutting anything.", f.pages_after)
            }
            Ok(f) if f.fits => format!(
                "Cut the {} least relevant bullet(s): {} pages → {}. Type stays as set (at least 9 pt).",
                f.cut.len(),
                f.pages_before,
                f.pages_after
            ),
            Ok(f) => format!(
                "Even without every bullet this CV needs more than {} page(s): shorten its \
                 sections or raise the budget.",
                f.budget
            ),
            Err(e) => format!("The fit failed: {e}"),
        })
    };
    let list = move || {
        let items = cut.get().into_iter().map(|c| {
            let label = format!("{} · relevance {:.1}", c.item_title, c.relevance);
            let text = c.line.text.clone();
            view! {
                <li>
                    {text} " " <span class="muted small">{label}</span> " "
                    <button type="button" class="secondary small" data-testid="restore-cut"
                        on:click=move |_| put_back(c.clone())>"Restore"</button>
                </li>
            }
        });
        items.collect_view()
    };
    move || {
        (over() || result.with(Option::is_some)).then(|| {
            view! {
                <section class="fit" data-testid="fit">
                    <h2>"Page budget"</h2>
                    <button type="button" data-testid="fit-pages" disabled=busy
                        on:click=fit>{move || format!("Fit to {} page(s)", budget())}</button>
                    <p class="small" role="status" data-testid="fit-summary">{summary}</p>
                    <ul class="small" data-testid="fit-cut">{list}</ul>
                </section>
            }
        })
    }
}
