//! Start-up: configuration → services → HTTP server, with graceful shutdown.

use crate::auth::{self, Auth};
use crate::config::Config;
pub use crate::error::StartupError;
use crate::http;
use crate::pipeline::{Runner, RunnerSettings};
use crate::providers::Providers;
use crate::services::{Services, SharedServices};
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;

/// Opens the store, loads the JWT secret and builds the services.
pub async fn services(config: Config) -> Result<SharedServices, StartupError> {
    let secret = auth::jwt_secret(&config)?;
    let auth = Auth::new(&secret).map_err(|e| StartupError::Config(e.to_string()))?;
    let store = Services::open_store(&config).await?;
    let providers = Providers::from_config(&config, store.clone(), crate::clock::system())?;
    Ok(Services::new(config, store, auth, providers))
}

/// The Leptos options from cargo-leptos' environment (`LEPTOS_SITE_ROOT`, `LEPTOS_OUTPUT_NAME`
/// …), falling back to what `Cargo.toml` declares, so the binary also runs outside cargo-leptos.
pub fn leptos_options() -> LeptosOptions {
    let from_env = leptos::config::get_configuration(None).map(|c| c.leptos_options);
    match from_env {
        Ok(o) if !o.output_name.is_empty() => o,
        _ => LeptosOptions::builder()
            .output_name("jobintel")
            .site_root(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()))
            .site_pkg_dir(std::env::var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|_| "pkg".into()))
            .build(),
    }
}

/// `jobintel serve`.
pub async fn serve(config: Config) -> Result<(), StartupError> {
    let addr = config.addr;
    let services = services(config).await?;
    let backend = services.store.backend();
    let (stop_runner, runner_stopped) = tokio::sync::watch::channel(false);
    let runner = Runner::new(
        services.store.clone(),
        services.layers(),
        RunnerSettings {
            // One clock for the process: the services and the runner read the same time.
            clock: services.providers.clock.clone(),
            ..RunnerSettings::from_config(&services.config)
        },
    );
    let _ = services.runner.set(runner.clone());
    let runner_task = tokio::spawn(runner.run_until(runner_stopped));
    let app = http::router(services.clone(), leptos_options());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(StartupError::io(format!("cannot listen on {addr}")))?;
    let local = listener.local_addr().map_err(StartupError::io("the listening address"))?;
    tracing::info!(addr = %local, store = backend, "jobintel listening on http://{local}");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(StartupError::io("server error"))?;
    // Runs in flight keep their lease until it expires; another process (or this one after a
    // restart) picks them up, so stopping does not wait for them.
    let _ = stop_runner.send(true);
    let _ = runner_task.await;
    services.pdf.restart().await; // stops Chromium and removes its profile directory
    tracing::info!("jobintel stopped");
    Ok(())
}

/// Resolves on SIGINT (Ctrl+C) or SIGTERM; in-flight requests then finish before exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
