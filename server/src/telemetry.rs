//! Logging: `LOG_LEVEL` and `LOG_FORMAT` (text, or one JSON object per line).

use crate::config::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Chromium's protocol chatter and the drivers' internals stay
/// at warn unless asked for explicitly with `RUST_LOG`; chromiumoxide's handler reports every
/// CDP message it cannot parse and the closed socket when we stop Chromium, so it is off (the
/// renderer logs what matters itself).
pub fn init(config: &Config) {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| {
        format!(
            "{level},chromiumoxide=warn,chromiumoxide::handler=off,chromiumoxide::conn=off,mongodb=warn,hyper=warn,tower=warn,h2=warn",
            level = config.log.level
        )
    });
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second init (tests, CLI after serve) is harmless: keep the first subscriber.
    let _ = match config.log.format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
