use crate::components::{Layout, PageTitle};
use crate::functions::get_star;
use crate::model::*;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Create (`/profile/stars/new`) or edit a STAR record. List fields are one item per line.
#[component]
pub fn StarEditPage() -> impl IntoView {
    let params = use_params_map();
    let star = Resource::new(
        move || params.get().get("id").unwrap_or_default(),
        |id| async move { if id == "new" { Ok(None) } else { get_star(id).await.map(Some) } },
    );
    view! {
        <Layout>
            <p><a href="/profile">"← Profile"</a></p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match star.await {
                        Ok(s) => view! { <StarForm star=s /> }.into_any(),
                        Err(e) => view! {
                            <h1>"STAR record not found"</h1>
                            <p class="flash error">{e.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn StarForm(star: Option<StarRecord>) -> impl IntoView {
    let heading = if star.is_some() { "Edit STAR record" } else { "New STAR record" };
    let action = match &star {
        Some(s) => format!("/forms/stars/{}", s.id),
        None => "/forms/stars".to_string(),
    };
    let delete = star.as_ref().map(|s| {
        let action = format!("/forms/stars/{}/delete", s.id);
        view! {
            <form method="post" action=action>
                <button type="submit" class="danger">"Delete STAR record"</button>
            </form>
        }
    });
    let s = star.unwrap_or_else(|| StarRecord {
        id: String::new(),
        title: String::new(),
        company: String::new(),
        role: String::new(),
        situation: String::new(),
        task: String::new(),
        actions: vec![],
        results: vec![],
        metrics: vec![],
        skills: vec![],
        tags: vec![],
        created_at: Default::default(),
        updated_at: Default::default(),
    });
    view! {
        <PageTitle text=format!("{heading} · jobintel") />
        <h1>{heading}</h1>
        <form method="post" action=action class="stack card" data-testid="star-form">
            <label>"Title" <input name="title" value=s.title required maxlength="300" /></label>
            <label>"Company" <input name="company" value=s.company /></label>
            <label>"Role" <input name="role" value=s.role /></label>
            <label>"Situation" <textarea name="situation" rows="3" required>{s.situation}</textarea></label>
            <label>"Task" <textarea name="task" rows="2" required>{s.task}</textarea></label>
            <label>"Actions (one per line)" <textarea name="actions" rows="4">{s.actions.join("\n")}</textarea></label>
            <label>"Results (one per line)" <textarea name="results" rows="3">{s.results.join("\n")}</textarea></label>
            <label>"Metrics (one per line)" <textarea name="metrics" rows="2">{s.metrics.join("\n")}</textarea></label>
            <label>"Skills (comma-separated)" <input name="skills" value=s.skills.join(", ") /></label>
            <label>"Tags (comma-separated)" <input name="tags" value=s.tags.join(", ") /></label>
            <button type="submit">"Save"</button>
        </form>
        {delete}
    }
}
