//! Errors of the process itself, apart from the wire error (`app::error::AppError`).

/// Why the process could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting that cannot work (`JWT_SECRET` unset in production, a bad models file).
    #[error("{0}")]
    Config(String),
    #[error("cannot open the store: {0}")]
    Store(#[from] crate::store::StoreError),
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

/// Why a service call (`Services`) did not do what it was asked.
///
/// `Refused` is the caller's outcome, told to them as it is: a 4xx, a full queue, a 429. The
/// other variants are failures on our side: they keep their sources, and whoever handles the
/// error (the HTTP response, a server function, the CLI) logs them once, through `handled`,
/// and shows the caller a generic message.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Refused(#[from] app::error::AppError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Pdf(#[from] crate::pdf::PdfError),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    /// The wire error for the caller, logging a failure of ours with its source chain. The one
    /// place a service error becomes an `AppError`.
    pub fn handled(self) -> app::error::AppError {
        use crate::pdf::PdfError;
        use crate::store::StoreError;
        use app::error::AppError;
        match self {
            ServiceError::Refused(e) => e,
            ServiceError::Store(StoreError::Duplicate { key, .. }) => {
                AppError::Conflict(format!("duplicate {key}"))
            }
            ServiceError::Store(e @ StoreError::Unavailable(_)) => {
                tracing::error!(error = %chain(&e), "store unavailable");
                AppError::Unavailable("the store is unavailable; try again shortly".into())
            }
            ServiceError::Store(e @ StoreError::Backend(_)) => {
                tracing::error!(error = %chain(&e), "store error");
                AppError::Internal("internal error; see the server log".into())
            }
            ServiceError::Pdf(PdfError::Busy) => AppError::Busy(5),
            ServiceError::Pdf(e @ PdfError::Timeout(_)) => AppError::Timeout(e.to_string()),
            ServiceError::Pdf(e @ PdfError::Unavailable(_)) => {
                tracing::error!(error = %e, "PDF renderer");
                AppError::Unavailable(e.to_string())
            }
        }
    }

    /// The wire error this becomes, without logging (for a caller that only inspects it).
    pub fn refusal(&self) -> Option<&app::error::AppError> {
        match self {
            ServiceError::Refused(e) => Some(e),
            ServiceError::Store(_) | ServiceError::Pdf(_) => None,
        }
    }
}

/// An error and its sources, "outer: inner: innermost", skipping a source whose text the
/// outer message already carries.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;
    use app::error::AppError;

    #[test]
    fn a_store_failure_reaches_the_caller_without_its_detail_and_the_log_with_it() {
        let io = std::io::Error::other("disk I/O error at page 7");
        let e = ServiceError::from(StoreError::Backend(Box::new(io)));
        assert!(chain(&e).contains("disk I/O error at page 7"), "{}", chain(&e));
        let wire = e.handled();
        assert!(matches!(&wire, AppError::Internal(m) if !m.contains("page 7")), "{wire:?}");
        let gone = ServiceError::from(StoreError::Unavailable("connection refused".into()));
        assert!(matches!(gone.handled(), AppError::Unavailable(m) if !m.contains("refused")));
        let taken = StoreError::Duplicate { key: "username".into(), existing_id: None };
        assert_eq!(
            ServiceError::from(taken).handled(),
            AppError::Conflict("duplicate username".into())
        );
        let refused = ServiceError::from(AppError::NotFound("job `x` not found".into()));
        assert_eq!(refused.refusal(), Some(&AppError::NotFound("job `x` not found".into())));
        assert_eq!(refused.handled(), AppError::NotFound("job `x` not found".into()));
    }
}
