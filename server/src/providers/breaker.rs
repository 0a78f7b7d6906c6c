//! A circuit breaker per external service: it opens after consecutive failures, lets one trial
//! call through after a cool-down (half-open), and closes again on success.
//!
//! Deliberately ours: it is a few dozen lines on our injected clock, and its state is what
//! `/api/health` and `/api/metrics` show; a breaker crate would bring its own clock and
//! middleware model for no behaviour we need.

use crate::clock::SharedClock;
use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

pub use app::model::{BreakerState, BreakerStatus};

#[derive(Debug)]
struct Inner {
    failures: u32,
    opened_at: Option<DateTime<Utc>>,
    next_try_at: Option<DateTime<Utc>>,
    reason: Option<String>,
    /// A half-open trial call is in flight.
    trial: bool,
}

pub struct Breaker {
    threshold: u32,
    cool_down: Duration,
    clock: SharedClock,
    inner: Mutex<Inner>,
}

impl Breaker {
    pub fn new(threshold: u32, cool_down: Duration, clock: SharedClock) -> Self {
        Breaker {
            threshold: threshold.max(1),
            cool_down,
            clock,
            inner: Mutex::new(Inner {
                failures: 0,
                opened_at: None,
                next_try_at: None,
                reason: None,
                trial: false,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn state_of(&self, i: &Inner) -> BreakerState {
        match i.next_try_at {
            None => BreakerState::Closed,
            Some(t) if self.clock.now() < t => BreakerState::Open,
            Some(_) => BreakerState::HalfOpen,
        }
    }

    /// May a call go out now? In half-open state only one trial call is let through.
    pub fn allow(&self) -> bool {
        let mut i = self.lock();
        match self.state_of(&i) {
            BreakerState::Closed => true,
            BreakerState::Open => false,
            BreakerState::HalfOpen if i.trial => false,
            BreakerState::HalfOpen => {
                i.trial = true;
                true
            }
        }
    }

    pub fn success(&self) {
        let mut i = self.lock();
        *i = Inner { failures: 0, opened_at: None, next_try_at: None, reason: None, trial: false };
    }

    /// A failure that says the service is unwell (5xx, 429, timeout). Opens the breaker at the
    /// threshold, or at once when a half-open trial fails; `wait` (a `Retry-After`) lengthens
    /// the cool-down.
    pub fn failure(&self, reason: &str, wait: Option<Duration>) {
        let now = self.clock.now();
        let mut i = self.lock();
        i.failures += 1;
        let trial_failed = i.trial;
        i.trial = false;
        if trial_failed || i.failures >= self.threshold {
            let until = now + wait.map_or(self.cool_down, |w| w.max(self.cool_down));
            i.opened_at = Some(now);
            i.next_try_at = Some(until);
            i.reason = Some(reason.to_string());
        }
    }

    /// Opens at once for `for_how_long`: quota exhausted, bad credentials, a 429 backoff.
    pub fn trip(&self, reason: &str, for_how_long: Duration) {
        let now = self.clock.now();
        let mut i = self.lock();
        i.failures += 1;
        i.trial = false;
        i.opened_at = Some(now);
        i.next_try_at = Some(now + for_how_long);
        i.reason = Some(reason.to_string());
    }

    pub fn status(&self) -> BreakerStatus {
        let i = self.lock();
        BreakerStatus {
            state: self.state_of(&i),
            failures: i.failures,
            opened_at: i.opened_at,
            next_try_at: i.next_try_at,
            reason: i.reason.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn opens_after_the_threshold_half_opens_after_the_cool_down_and_closes_on_success() {
        let clock = ManualClock::new(Utc::now());
        let b = Breaker::new(3, Duration::seconds(60), clock.clone());
        for _ in 0..2 {
            b.failure("500", None);
        }
        assert_eq!(b.status().state, BreakerState::Closed);
        b.failure("500", None);
        assert_eq!(b.status().state, BreakerState::Open);
        assert!(!b.allow());
        clock.advance(Duration::seconds(61));
        assert_eq!(b.status().state, BreakerState::HalfOpen);
        assert!(b.allow(), "one trial call");
        assert!(!b.allow(), "only one");
        b.success();
        assert_eq!(b.status().state, BreakerState::Closed);
        assert_eq!(b.status().failures, 0);
    }

    #[test]
    fn a_failed_trial_reopens_and_retry_after_lengthens_the_wait() {
        let clock = ManualClock::new(Utc::now());
        let b = Breaker::new(1, Duration::seconds(10), clock.clone());
        b.failure("429", Some(Duration::seconds(300)));
        clock.advance(Duration::seconds(299));
        assert!(!b.allow(), "Retry-After outlasts the cool-down");
        clock.advance(Duration::seconds(2));
        assert!(b.allow());
        b.failure("429", None);
        assert_eq!(b.status().state, BreakerState::Open);
        b.trip("insufficient_quota", Duration::hours(1));
        assert_eq!(b.status().reason.as_deref(), Some("insufficient_quota"));
    }
}
