//! The jobintel Leptos app: routes, pages and the wire types shared with the server.
#![recursion_limit = "256"]

#[macro_use]
pub mod string_enum;

pub mod chain;
pub mod components;
pub mod cv;
pub mod error;
pub mod functions;
pub mod model;
pub mod outputs;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;
pub mod resume;

use components::PageTitle;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, provide_meta_context};
use leptos_router::Lazy;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.ico" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: this attribute tells tests (and CSS) hydration is done.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/jobintel.css" />
        <PageTitle text="jobintel" />
        <Router>
            <Routes fallback=|| view! { <pages::NotFound /> }>
                <Route path=path!("/login") view=pages::LoginPage />
                <Route path=path!("/") view=pages::JobsPage ssr=SsrMode::Async />
                <Route path=path!("/jobs") view=pages::JobsPage ssr=SsrMode::Async />
                <Route
                    path=path!("/jobs/:id")
                    view={Lazy::<pages::JobDetailRoute>::new()}
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/jobs/:id/cv")
                    view={Lazy::<pages::CvEditorRoute>::new()}
                    ssr=SsrMode::Async
                />
                <Route path=path!("/import") view=pages::ImportPage ssr=SsrMode::Async />
                <Route
                    path=path!("/profile")
                    view={Lazy::<pages::ProfileRoute>::new()}
                    ssr=SsrMode::Async
                />
                <Route path=path!("/runs") view=pages::RunsPage ssr=SsrMode::Async />
                <Route
                    path=path!("/runs/:id")
                    view={Lazy::<pages::RunDetailRoute>::new()}
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/admin")
                    view={Lazy::<pages::AdminRoute>::new()}
                    ssr=SsrMode::Async
                />
                <Route path=path!("/profile/stars/:id") view=pages::StarEditPage ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}
