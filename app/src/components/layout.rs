use super::HealthPanel;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The frame of every signed-in page: navigation, the health panel (top right), sign-out.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">"jobintel"</a>
            <nav class="nav">
                <a href="/jobs">"Jobs"</a>
                <a href="/runs">"Runs"</a>
                <a href="/import">"Import"</a>
                <a href="/profile">"Profile"</a>
                <a href="/admin">"Admin"</a>
            </nav>
            <div class="spacer"></div>
            <HealthPanel />
            <form method="post" action="/forms/logout" class="signout">
                <button type="submit" class="link">"Sign out"</button>
            </form>
        </header>
        <Flash />
        <main class="content">{children()}</main>
    }
}

/// Shows the `error` / `notice` a form handler put in the URL when it redirected here.
#[component]
pub fn Flash() -> impl IntoView {
    let query = use_query_map();
    move || {
        let q = query.get();
        let error = q.get("error").map(|e| view! { <p class="flash error" role="alert">{e}</p> });
        let notice =
            q.get("notice").map(|n| view! { <p class="flash notice" role="status">{n}</p> });
        view! { {error} {notice} }
    }
}
