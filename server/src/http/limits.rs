//! Per-user limits on the expensive endpoints: PDF renders, pipeline runs and imports. Each
//! user has a token bucket per kind that holds a minute's allowance and refills continuously;
//! a request finding it empty gets 429 with `Retry-After`, and nobody else is slowed down.
//! Buckets live in this process (each process of a scale-out limits on its own).

use super::AppState;
use app::error::AppError;
use app::model::UserInfo;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The kinds of expensive work, each with its own allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expensive {
    Pdf,
    Run,
    Import,
}

impl Expensive {
    /// The kind of work a request asks for, if it is expensive.
    pub fn of(method: &Method, path: &str) -> Option<Self> {
        if *method != Method::POST {
            return None;
        }
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match segments.as_slice() {
            [.., "pdf" | "pdf-check"] => Some(Expensive::Pdf),
            ["run"] | ["api", "runs", "bulk"] | ["api", "pipeline-runs", _, "retry"] => {
                Some(Expensive::Run)
            }
            ["forms", "jobs", _, "run"] | ["forms", "runs", _, "retry"] => Some(Expensive::Run),
            ["api", "jobs", "import"] | ["forms", "import", _] => Some(Expensive::Import),
            _ => None,
        }
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct RateLimits {
    per_minute: HashMap<Expensive, u32>,
    buckets: Mutex<HashMap<(String, Expensive), Bucket>>,
}

impl RateLimits {
    pub fn new(pdf: u32, runs: u32, imports: u32) -> Self {
        let per_minute = HashMap::from([
            (Expensive::Pdf, pdf),
            (Expensive::Run, runs),
            (Expensive::Import, imports),
        ]);
        RateLimits { per_minute, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request's worth from `user`'s bucket for `kind`; `Err(seconds)` to wait when
    /// it is empty.
    pub fn take(&self, user: &str, kind: Expensive, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(self.per_minute.get(&kind).copied().unwrap_or(1).max(1));
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 10_000 {
            // Buckets that have refilled completely hold no information.
            buckets.retain(|_, b| now.duration_since(b.at) < Duration::from_secs(60));
        }
        let bucket =
            buckets.entry((user.to_string(), kind)).or_insert(Bucket { tokens: capacity, at: now });
        let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / per_second).ceil().max(1.0) as u64)
        }
    }
}

/// Applies the limits to signed-in requests (runs after the auth gate put the user in).
pub async fn limit_expensive(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let kind = Expensive::of(req.method(), req.uri().path());
    if let (Some(kind), Some(user)) = (kind, req.extensions().get::<UserInfo>())
        && let Err(wait) = state.limits.take(&user.username, kind, Instant::now())
    {
        return AppError::RateLimited(wait).into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expensive_requests_are_recognised_by_method_and_path() {
        let post = Method::POST;
        assert_eq!(Expensive::of(&post, "/api/jobs/1/cv-editor/pdf"), Some(Expensive::Pdf));
        assert_eq!(Expensive::of(&post, "/api/profile/cv/pdf"), Some(Expensive::Pdf));
        assert_eq!(Expensive::of(&post, "/run"), Some(Expensive::Run));
        assert_eq!(Expensive::of(&post, "/forms/jobs/1/run"), Some(Expensive::Run));
        assert_eq!(Expensive::of(&post, "/api/pipeline-runs/9/retry"), Some(Expensive::Run));
        assert_eq!(Expensive::of(&post, "/api/jobs/import"), Some(Expensive::Import));
        assert_eq!(Expensive::of(&post, "/forms/import/file"), Some(Expensive::Import));
        assert_eq!(Expensive::of(&Method::GET, "/api/jobs/1/cv-editor/pdf"), None);
        assert_eq!(Expensive::of(&post, "/api/jobs"), None);
    }

    #[test]
    fn a_user_who_floods_waits_while_others_are_served() {
        let limits = RateLimits::new(3, 3, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limits.take("ana", Expensive::Pdf, t0), Ok(()));
        }
        let wait = limits.take("ana", Expensive::Pdf, t0).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(limits.take("bo", Expensive::Pdf, t0), Ok(()), "another user");
        assert_eq!(limits.take("ana", Expensive::Run, t0), Ok(()), "another kind");
        // A third of a minute later, one render's worth has come back.
        let later = t0 + Duration::from_secs(20);
        assert_eq!(limits.take("ana", Expensive::Pdf, later), Ok(()));
        assert!(limits.take("ana", Expensive::Pdf, later).is_err());
    }
}
