//! What providers say about their limits in response headers: OpenAI's `x-ratelimit-*` (reset
//! as Go durations like `6m0s`), Anthropic's `anthropic-ratelimit-*` (reset as RFC 3339 times),
//! and `retry-after-ms` / `retry-after` (seconds or an HTTP date).

pub use app::model::RateLimit;
use chrono::{DateTime, Duration, Utc};
use reqwest::header::HeaderMap;

fn text<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

fn number(h: &HeaderMap, name: &str) -> Option<u64> {
    text(h, name).and_then(|v| v.parse().ok())
}

/// Parses Go's duration strings: `12ms`, `1s`, `6m0s`, `1h2m3.5s`.
pub fn go_duration(s: &str) -> Option<Duration> {
    let mut total_ms = 0f64;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let split = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (digits, tail) = rest.split_at(split);
        let value: f64 = digits.parse().ok()?;
        let unit_len = tail.find(|c: char| c.is_ascii_digit()).unwrap_or(tail.len());
        let (unit, after) = tail.split_at(unit_len);
        let factor = match unit {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1_000.0,
            "ms" => 1.0,
            "us" | "µs" => 0.001,
            "ns" => 0.000_001,
            _ => return None,
        };
        total_ms += value * factor;
        rest = after;
    }
    Some(Duration::milliseconds(total_ms.round() as i64))
}

/// OpenAI (and compatible servers that send them, e.g. Groq, OpenRouter on 429s).
pub fn openai_limits(h: &HeaderMap, now: DateTime<Utc>) -> Option<RateLimit> {
    let reset = |name: &str| text(h, name).and_then(go_duration).map(|d| now + d);
    let limit = RateLimit {
        limit_requests: number(h, "x-ratelimit-limit-requests"),
        remaining_requests: number(h, "x-ratelimit-remaining-requests"),
        reset_requests: reset("x-ratelimit-reset-requests"),
        limit_tokens: number(h, "x-ratelimit-limit-tokens"),
        remaining_tokens: number(h, "x-ratelimit-remaining-tokens"),
        reset_tokens: reset("x-ratelimit-reset-tokens"),
        updated_at: now,
    };
    (limit.limit_requests.is_some() || limit.limit_tokens.is_some()).then_some(limit)
}

/// Anthropic: the combined `tokens` limit (the most restrictive) and requests.
pub fn anthropic_limits(h: &HeaderMap, now: DateTime<Utc>) -> Option<RateLimit> {
    let reset = |name: &str| {
        text(h, name)
            .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let limit = RateLimit {
        limit_requests: number(h, "anthropic-ratelimit-requests-limit"),
        remaining_requests: number(h, "anthropic-ratelimit-requests-remaining"),
        reset_requests: reset("anthropic-ratelimit-requests-reset"),
        limit_tokens: number(h, "anthropic-ratelimit-tokens-limit"),
        remaining_tokens: number(h, "anthropic-ratelimit-tokens-remaining"),
        reset_tokens: reset("anthropic-ratelimit-tokens-reset"),
        updated_at: now,
    };
    (limit.limit_requests.is_some() || limit.limit_tokens.is_some()).then_some(limit)
}

/// How long the server asked us to wait: `retry-after-ms`, else `retry-after` in seconds or as
/// an HTTP date.
pub fn retry_after(h: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    if let Some(ms) = text(h, "retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Some(Duration::milliseconds(ms.max(0.0) as i64));
    }
    let v = text(h, "retry-after")?;
    if let Ok(secs) = v.parse::<f64>() {
        return Some(Duration::milliseconds((secs.max(0.0) * 1000.0) as i64));
    }
    DateTime::parse_from_rfc2822(v)
        .ok()
        .map(|t| (t.with_timezone(&Utc) - now).max(Duration::zero()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration("12ms"), Some(Duration::milliseconds(12)));
        assert_eq!(go_duration("6m0s"), Some(Duration::minutes(6)));
        assert_eq!(go_duration("1h2m3.5s"), Some(Duration::milliseconds(3_723_500)));
        assert_eq!(go_duration("1s"), Some(Duration::seconds(1)));
        assert_eq!(go_duration("soon"), None);
        assert_eq!(go_duration("5x"), None);
        assert_eq!(go_duration(""), None);
    }

    #[test]
    fn openai_headers() {
        let now = Utc::now();
        let h = headers(&[
            ("x-ratelimit-limit-requests", "5000"),
            ("x-ratelimit-remaining-requests", "4999"),
            ("x-ratelimit-reset-requests", "6m0s"),
            ("x-ratelimit-limit-tokens", "160000"),
            ("x-ratelimit-remaining-tokens", "159976"),
            ("x-ratelimit-reset-tokens", "9ms"),
        ]);
        let l = openai_limits(&h, now).unwrap();
        assert_eq!(l.remaining_requests, Some(4999));
        assert_eq!(l.reset_requests, Some(now + Duration::minutes(6)));
        assert_eq!(l.limit_tokens, Some(160_000));
        assert_eq!(openai_limits(&HeaderMap::new(), now), None, "local servers send none");
    }

    #[test]
    fn anthropic_headers_reset_at_rfc3339_times() {
        let h = headers(&[
            ("anthropic-ratelimit-requests-limit", "1000"),
            ("anthropic-ratelimit-requests-remaining", "999"),
            ("anthropic-ratelimit-requests-reset", "2025-08-21T12:40:59Z"),
        ]);
        let l = anthropic_limits(&h, Utc::now()).unwrap();
        assert_eq!(l.reset_requests.unwrap().to_rfc3339(), "2025-08-21T12:40:59+00:00");
    }

    #[test]
    fn retry_after_prefers_milliseconds_then_seconds_then_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-11-28T10:00:00Z").unwrap().with_timezone(&Utc);
        let both = headers(&[("retry-after-ms", "1500"), ("retry-after", "9")]);
        assert_eq!(retry_after(&both, now), Some(Duration::milliseconds(1500)));
        assert_eq!(retry_after(&headers(&[("retry-after", "2")]), now), Some(Duration::seconds(2)));
        let date = headers(&[("retry-after", "Sat, 28 Nov 2026 10:00:30 GMT")]);
        assert_eq!(retry_after(&date, now), Some(Duration::seconds(30)));
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
