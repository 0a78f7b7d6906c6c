use crate::components::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// A plain form posted to `/login`: it works the same with JavaScript on or off.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || {
        query.get().get("error").map(|_| {
            view! { <p class="flash error" role="alert">"Wrong username or password."</p> }
        })
    };
    let throttled = move || {
        query.get().get("retry_after").map(|s| {
            view! {
                <p class="flash error" role="alert">
                    "Too many failed attempts. Try again in " {s} " seconds."
                </p>
            }
        })
    };
    view! {
        <PageTitle text="Sign in · jobintel" />
        <main class="login">
            <h1>"jobintel"</h1>
            <p class="muted">"Job intelligence pipeline"</p>
            {error}
            {throttled}
            <form method="post" action="/forms/login" class="card">
                <label>
                    "Username" <input name="username" autocomplete="username" required />
                </label>
                <label>
                    "Password"
                    <input name="password" type="password" autocomplete="current-password" required />
                </label>
                <button type="submit">"Sign in"</button>
            </form>
        </main>
    }
}
