//! Wire types shared by the server, the REST API and the browser.
//!
//! Everything here compiles for both `ssr` and `hydrate`, so it holds data only: no I/O.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

mod health;
mod jobs;
mod metrics;
mod runs;
mod users;

pub use health::*;
pub use jobs::*;
pub use metrics::*;
pub use runs::*;
pub use users::*;

pub use crate::string_enum::UnknownValue;

/// A value typed by a user that does not parse or is out of range, with why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadValue(pub String);

impl From<UnknownValue> for BadValue {
    fn from(e: UnknownValue) -> Self {
        BadValue(e.to_string())
    }
}

impl From<UnknownValue> for String {
    fn from(e: UnknownValue) -> String {
        e.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct QueryError {
    pub parameter: String,
    pub message: String,
}

impl QueryError {
    fn unknown(key: &str) -> Self {
        QueryError { parameter: key.to_string(), message: "unknown query parameter".into() }
    }
}

/// A `created_from` after `created_to` is a mistake worth naming.
fn created_range(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Result<(), QueryError> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(QueryError {
            parameter: "created_from".into(),
            message: "must not be after created_to".into(),
        }),
        _ => Ok(()),
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid query parameter `{}`: {}", self.parameter, self.message)
    }
}

fn non_empty(value: &str, max_chars: usize) -> Result<Option<String>, BadValue> {
    if value.chars().count() > max_chars {
        return Err(BadValue(format!("longer than {max_chars} characters")));
    }
    Ok((!value.is_empty()).then(|| value.to_string()))
}

/// Accepts RFC 3339, and the `YYYY-MM-DDTHH:MM` / `YYYY-MM-DD` forms that HTML date inputs send
/// (read as UTC).
pub fn parse_time(value: &str) -> Result<Option<DateTime<Utc>>, BadValue> {
    if value.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M") {
        return Ok(Some(t.and_utc()));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(Some(t.and_utc()));
    }
    Err(BadValue(format!("`{value}` is not a date-time; use RFC 3339, e.g. 2026-01-31T09:00:00Z")))
}

pub fn parse_score(value: &str) -> Result<u8, BadValue> {
    parse_bounded(value, 0, 100).map(|v| v as u8)
}

fn parse_bounded(value: &str, min: u32, max: u32) -> Result<u32, BadValue> {
    match value.parse::<u32>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(BadValue(format!("`{value}` is not a whole number from {min} to {max}"))),
    }
}

/// One page of a list, with the total count of its query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub limit: u32,
}

pub type JobPage = Page<Job>;

impl<T> Page<T> {
    /// The same page with each item changed by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            limit: self.limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_queries_validate_every_parameter() {
        let q = RunQuery::from_pairs([
            ("status", "failed"),
            ("job_id", "j1"),
            ("created_from", "2026-11-01"),
            ("created_to", ""),
            ("limit", "10"),
        ])
        .unwrap();
        assert_eq!(q.status, Some(RunStatus::Failed));
        assert_eq!(q.job_id.as_deref(), Some("j1"));
        assert_eq!(q.created_from.unwrap().to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(q.created_to, None);
        assert_eq!(q.limit, 10);
        for (key, value) in
            [("status", "stuck"), ("limit", "201"), ("created_to", "soon"), ("job_id[$ne]", "x")]
        {
            assert_eq!(RunQuery::from_pairs([(key, value)]).unwrap_err().parameter, key);
        }
        let reversed =
            RunQuery::from_pairs([("created_from", "2026-11-02"), ("created_to", "2026-11-01")]);
        assert_eq!(reversed.unwrap_err().parameter, "created_from");
    }

    #[test]
    fn query_operators_in_keys_are_rejected_by_name() {
        let err = JobQuery::from_pairs([("status[$ne]", "x")]).unwrap_err();
        assert_eq!(err.parameter, "status[$ne]");
    }

    #[test]
    fn invalid_date_names_the_parameter() {
        let err = JobQuery::from_pairs([("created_from", "yesterday")]).unwrap_err();
        assert_eq!(err.parameter, "created_from");
        assert!(err.message.contains("yesterday"));
    }

    #[test]
    fn repeated_status_and_bounds_are_parsed() {
        let q = JobQuery::from_pairs([
            ("status", "new"),
            ("status", "ready"),
            ("limit", "200"),
            ("min_score", "70"),
        ])
        .unwrap();
        assert_eq!(q.statuses, vec![JobStatus::New, JobStatus::Ready]);
        assert_eq!(q.limit, 200);
        assert_eq!(q.min_score, Some(70));
        assert!(JobQuery::from_pairs([("limit", "201")]).is_err());
        assert!(JobQuery::from_pairs([("status", "{\"$ne\":null}")]).is_err());
    }

    #[test]
    fn query_round_trips_through_pairs() {
        let q = JobQuery::from_pairs([("q", "rust (senior)"), ("status", "new"), ("page", "3")])
            .unwrap();
        let pairs = q.to_pairs();
        let again = JobQuery::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))).unwrap();
        assert_eq!(q, again);
    }

    #[test]
    fn stage_history_records_changes_only() {
        let t = Utc::now();
        let mut a = Application::new(t);
        a.move_to(ApplicationStage::NotApplied, t);
        a.move_to(ApplicationStage::Applied, t);
        assert_eq!(a.history.len(), 2);
        assert_eq!(a.stage, ApplicationStage::Applied);
    }
}

/// Everything but RFC 3986's unreserved characters.
const COMPONENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encodes one URL component (a query key or value, or a path segment).
pub fn encode_component(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, COMPONENT).to_string()
}

/// Encodes pairs as a URL query string.
pub fn encode_query<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k.as_ref()), encode_component(v.as_ref())))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod encode_tests {
    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(super::encode_query(&[("q", "a&b=c d/é")]), "q=a%26b%3Dc%20d%2F%C3%A9");
    }
}
