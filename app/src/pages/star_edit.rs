use crate::components::{Layout, PageTitle, TextArea};
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
            <label>"Situation" <TextArea name="situation" rows=3 required=true value=s.situation /></label>
            <label>"Task" <TextArea name="task" rows=2 required=true value=s.task /></label>
            <label>"Actions (one per line)" <TextArea name="actions" rows=4 value=s.actions.join("\n") /></label>
            <label>"Results (one per line)" <TextArea name="results" rows=3 value=s.results.join("\n") /></label>
            <label>"Metrics (one per line)" <TextArea name="metrics" rows=2 value=s.metrics.join("\n") /></label>
            <label>"Skills (comma-separated)" <input name="skills" value=s.skills.join(", ") /></label>
            <label>"Tags (comma-separated)" <input name="tags" value=s.tags.join(", ") /></label>
            <button type="submit">"Save"</button>
        </form>
        {delete}
    }
}
