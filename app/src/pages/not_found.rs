use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="content">
            <h1>"Not found"</h1>
            <p>
                <a href="/jobs">"Back to the jobs"</a>
            </p>
        </main>
    }
}
