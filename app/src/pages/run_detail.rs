use crate::components::{Layout, PageTitle, RunView};
use crate::functions::get_run;
use crate::model::*;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use leptos_router::{LazyRoute, lazy_route};

/// One run: the per-layer timeline with outputs, durations, providers and logs.
/// One run, loaded lazily: the run view and the typed layer outputs it reads are a separate
/// WASM chunk (with `cargo leptos build --split`), so the first load does not carry them.
pub struct RunDetailRoute;

#[lazy_route]
impl LazyRoute for RunDetailRoute {
    fn data() -> Self {
        RunDetailRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <RunDetailPage /> }.into_any()
    }
}

#[component]
pub fn RunDetailPage() -> impl IntoView {
    let params = use_params_map();
    let run = Resource::new(move || params.get().get("id").unwrap_or_default(), get_run);
    view! {
        <PageTitle text="Run · jobintel" />
        <Layout>
            <p><a href="/runs">"← Run history"</a></p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match run.await {
                        Ok(run) => {
                            let job = format!("/jobs/{}", encode_component(&run.job_id));
                            view! {
                                <h1>"Run " {run.id.clone()}</h1>
                                <p><a href=job>"Open the job"</a></p>
                                <section class="card" data-testid="run-panel"><RunView run /></section>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <h1>"Run not found"</h1><p class="flash error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}
