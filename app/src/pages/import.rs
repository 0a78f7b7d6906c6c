use crate::components::{Layout, PageTitle};
use crate::model::RemotePolicy;
use leptos::prelude::*;

/// Paste one posting, or upload / paste a CSV or JSON file of many.
#[component]
pub fn ImportPage() -> impl IntoView {
    let remotes = RemotePolicy::ALL
        .iter()
        .map(|r| {
            view! { <option value=r.as_str() selected=*r == RemotePolicy::Unknown>{r.as_str()}</option> }
        })
        .collect_view();
    view! {
        <PageTitle text="Import · jobintel" />
        <Layout>
            <h1>"Import jobs"</h1>
            <div class="detail-grid">
                <section class="card">
                    <h2>"From a link"</h2>
                    <p class="muted">
                        "A Greenhouse, Lever or Ashby job link is read through the board's API; any other page through its JobPosting data. No model is asked."
                    </p>
                    <form method="post" action="/forms/import/link" class="stack" data-testid="link-form">
                        <label>"Posting link" <input name="url" type="url" required placeholder="https://jobs.lever.co/…" /></label>
                        <button type="submit">"Import from link"</button>
                    </form>
                </section>
                <section class="card">
                    <h2>"Paste a posting"</h2>
                    <form method="post" action="/forms/import/paste" class="stack" data-testid="paste-form">
                        <label>"Title" <input name="title" required maxlength="300" /></label>
                        <label>"Company" <input name="company" required maxlength="300" /></label>
                        <label>"Location" <input name="location" maxlength="300" /></label>
                        <label>"Remote policy" <select name="remote_policy">{remotes}</select></label>
                        <label>"URL" <input name="url" type="url" /></label>
                        <label>
                            "Description (Markdown)"
                            <textarea name="description" rows="14" required></textarea>
                        </label>
                        <button type="submit">"Import posting"</button>
                    </form>
                </section>
                <section class="card">
                    <h2>"Upload or paste postings"</h2>
                    <p class="muted">
                        "CSV with a header row (title, company, location, remote_policy, url, description, source, tags), "
                        "a JSON array of jobs, a Greenhouse, Lever or Ashby payload (one job or a whole board), "
                        "or a saved job page with its JobPosting data. Each posting is reported: created, duplicate or error."
                    </p>
                    <form
                        method="post"
                        action="/forms/import/file"
                        enctype="multipart/form-data"
                        class="stack"
                    >
                        <label>"File" <input name="file" type="file" accept=".csv,.json,.html,.htm,text/csv,application/json,text/html" /></label>
                        <label>"…or paste its content" <textarea name="content" rows="8"></textarea></label>
                        <button type="submit">"Import file"</button>
                    </form>
                </section>
            </div>
        </Layout>
    }
}
