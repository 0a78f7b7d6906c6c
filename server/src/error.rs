//! Errors of the process itself, apart from the wire error (`app::error::AppError`).

/// Why the process could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting that cannot work (`JWT_SECRET` unset in production, a bad models file).
    #[error("{0}")]
    Config(String),
    #[error("cannot open the store: {0}")]
    Store(#[source] app::error::AppError),
    /// A file, socket or client that could not be set up.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

impl StartupError {
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| StartupError::Io { context, source }
    }
}
