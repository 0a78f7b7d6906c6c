use crate::components::{Layout, PageTitle, TextArea};
use crate::functions::{get_profile, list_stars};
use crate::model::*;
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// The Profile page, loaded lazily: it and the typed master CV it reads are a WASM chunk of
/// their own (with `cargo leptos build --split`).
pub struct ProfileRoute;

#[lazy_route]
impl LazyRoute for ProfileRoute {
    fn data() -> Self {
        ProfileRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <ProfilePage /> }.into_any()
    }
}

/// The master CV (JSON Resume basics, import/export) and the STAR records.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let profile = Resource::new(|| (), |_| get_profile());
    let stars = Resource::new(|| (), |_| list_stars());
    view! {
        <PageTitle text="Profile · jobintel" />
        <Layout>
            <h1>"Candidate profile"</h1>
            <div class="detail-grid">
                <section class="card">
                    <h2>"Master CV"</h2>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            match profile.await {
                                Ok(p) => view! { <BasicsForm basics=p.basics() /> }.into_any(),
                                Err(e) => view! { <p class="flash error">{e.to_string()}</p> }.into_any(),
                            }
                        })}
                    </Suspense>
                    <h3>"JSON Resume"</h3>
                    <p>
                        <a href="/api/profile/resume?download=1" download="resume.json">
                            "Export resume.json"
                        </a>
                    </p>
                    <form method="post" action="/forms/profile/resume" enctype="multipart/form-data" class="stack">
                        <label>"Import resume.json" <input type="file" name="file" accept=".json,application/json" /></label>
                        <button type="submit" class="secondary">"Replace master CV"</button>
                    </form>
                </section>
                <section class="card">
                    <h2>"STAR records"</h2>
                    <p>
                        <a href="/profile/stars/new" class="button">"New STAR record"</a>
                    </p>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            match stars.await {
                                Ok(list) => view! { <StarList stars=list /> }.into_any(),
                                Err(e) => view! { <p class="flash error">{e.to_string()}</p> }.into_any(),
                            }
                        })}
                    </Suspense>
                </section>
            </div>
        </Layout>
    }
}

#[component]
fn BasicsForm(basics: ProfileBasics) -> impl IntoView {
    view! {
        <form method="post" action="/forms/profile/basics" class="stack" data-testid="basics-form">
            <label>"Name" <input name="name" value=basics.name required /></label>
            <label>"Headline" <input name="label" value=basics.label /></label>
            <label>"Email" <input name="email" type="email" value=basics.email /></label>
            <label>"Phone" <input name="phone" value=basics.phone /></label>
            <label>"Website" <input name="url" type="url" value=basics.url /></label>
            <label>"City" <input name="city" value=basics.city /></label>
            <label>"Country code" <input name="country_code" value=basics.country_code maxlength="2" /></label>
            <label>"Summary" <TextArea name="summary" rows=5 value=basics.summary /></label>
            <button type="submit">"Save basics"</button>
        </form>
    }
}

#[component]
fn StarList(stars: Vec<StarRecord>) -> impl IntoView {
    if stars.is_empty() {
        return view! { <p class="muted">"No STAR records yet."</p> }.into_any();
    }
    view! {
        <ul class="stars">
            {stars
                .into_iter()
                .map(|s| {
                    view! {
                        <li data-star-id=s.id.clone()>
                            <a href=format!("/profile/stars/{}", s.id) class="star-title">{s.title}</a>
                            <span class="muted">" · " {s.company} " · " {s.role}</span>
                            <p class="small">{s.results.first().cloned().unwrap_or_default()}</p>
                            <p class="tags">
                                {s.skills.into_iter().map(|k| view! { <span class="tag">{k}</span> }).collect_view()}
                            </p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
