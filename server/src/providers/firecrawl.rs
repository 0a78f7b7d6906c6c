//! FireCrawl search for company research and contact discovery: paced by a per-minute and a
//! per-day limit, behind a circuit breaker that backs off five minutes after a 429 (or longer
//! when `Retry-After` says so), switchable at runtime (persisted in settings), with the credits
//! used today counted. Every failure is a value the caller turns into a fallback.

use super::breaker::{Breaker, BreakerStatus};
use super::chat::error_message;
use super::headers;
use crate::clock::SharedClock;
use crate::control::{self, FirecrawlSwitch};
use crate::store::SharedStore;
pub use app::model::{FireCrawlUse, Window};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::Mutex;

/// The runbook's promise: after a 429, FireCrawl is left alone for five minutes.
pub const RATE_LIMIT_BACKOFF: Duration = Duration::minutes(5);
/// Where the runtime switch is persisted.

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub url: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Unavailable {
    #[error("FireCrawl is not configured (no FIRECRAWL_API_KEY)")]
    NotConfigured,
    #[error("FireCrawl is disabled")]
    Disabled,
    #[error("FireCrawl's circuit is open until {0}")]
    Open(DateTime<Utc>),
    #[error("FireCrawl's {0} request limit is reached")]
    Limited(&'static str),
    #[error("FireCrawl failed: {0}")]
    Failed(String),
}

struct Usage {
    minute: VecDeque<DateTime<Utc>>,
    day: NaiveDate,
    requests_today: u32,
    credits_today: u64,
    updated_at: Option<DateTime<Utc>>,
}

pub struct FireCrawl {
    base_url: String,
    api_key: Option<String>,
    enabled_by_config: bool,
    per_minute: u32,
    per_day: u32,
    http: reqwest::Client,
    clock: SharedClock,
    store: SharedStore,
    breaker: Breaker,
    usage: Mutex<Usage>,
}

pub struct FireCrawlSettings {
    pub base_url: String,
    pub api_key: Option<String>,
    pub enabled: bool,
    pub per_minute: u32,
    pub per_day: u32,
}

impl FireCrawl {
    pub fn new(
        settings: FireCrawlSettings,
        http: reqwest::Client,
        store: SharedStore,
        clock: SharedClock,
    ) -> Self {
        let today = clock.now().date_naive();
        FireCrawl {
            base_url: settings.base_url.trim_end_matches('/').to_string(),
            api_key: settings.api_key,
            enabled_by_config: settings.enabled,
            per_minute: settings.per_minute,
            per_day: settings.per_day,
            http,
            breaker: Breaker::new(3, Duration::seconds(60), clock.clone()),
            clock,
            store,
            usage: Mutex::new(Usage {
                minute: VecDeque::new(),
                day: today,
                requests_today: 0,
                credits_today: 0,
                updated_at: None,
            }),
        }
    }

    pub fn configured(&self) -> bool {
        self.api_key.is_some()
    }

    /// The runtime switch (admin API / CLI) wins over `ENABLE_FIRECRAWL`; no key means off.
    pub async fn enabled(&self) -> bool {
        if !self.configured() {
            return false;
        }
        match control::read::<FirecrawlSwitch>(&*self.store).await {
            Ok(Some(switch)) => switch.enabled,
            _ => self.enabled_by_config,
        }
    }

    pub async fn set_enabled(&self, enabled: bool) -> Result<(), crate::store::StoreError> {
        control::write(&*self.store, &FirecrawlSwitch { enabled }).await
    }

    pub fn breaker(&self) -> BreakerStatus {
        self.breaker.status()
    }

    pub fn usage(&self) -> FireCrawlUse {
        let mut u = self.usage.lock().unwrap_or_else(|e| e.into_inner());
        self.roll(&mut u);
        FireCrawlUse {
            per_minute: Window { limit: self.per_minute, used: u.minute.len() as u32 },
            per_day: Window { limit: self.per_day, used: u.requests_today },
            credits_used_today: u.credits_today,
            updated_at: u.updated_at,
        }
    }

    /// Drops requests older than a minute and resets the day at midnight UTC.
    fn roll(&self, u: &mut Usage) {
        let now = self.clock.now();
        while u.minute.front().is_some_and(|t| now - *t >= Duration::minutes(1)) {
            u.minute.pop_front();
        }
        if u.day != now.date_naive() {
            u.day = now.date_naive();
            u.requests_today = 0;
            u.credits_today = 0;
        }
    }

    /// Takes a request slot, or says which limit is reached.
    fn take_slot(&self) -> Result<(), Unavailable> {
        let mut u = self.usage.lock().unwrap_or_else(|e| e.into_inner());
        self.roll(&mut u);
        if u.requests_today >= self.per_day {
            return Err(Unavailable::Limited("daily"));
        }
        if u.minute.len() as u32 >= self.per_minute {
            return Err(Unavailable::Limited("per-minute"));
        }
        let now = self.clock.now();
        u.minute.push_back(now);
        u.requests_today += 1;
        u.updated_at = Some(now);
        Ok(())
    }

    /// `POST /v2/search`; accepts the v2 (`data.web`) and v1 (`data` as a list) shapes.
    pub async fn search(&self, query: &str, limit: u32) -> Result<Vec<SearchHit>, Unavailable> {
        let body = self.post("/v2/search", json!({"query": query, "limit": limit})).await?;
        let hits = parse_hits(&body);
        let credits = body["creditsUsed"].as_u64().unwrap_or(2 * hits.len().div_ceil(10) as u64);
        self.add_credits(credits);
        Ok(hits)
    }

    /// `POST /v2/scrape`: the page's main content as Markdown, at most `max_chars`.
    pub async fn scrape(&self, url: &str, max_chars: usize) -> Result<String, Unavailable> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Unavailable::Failed(format!("not a web address: {url:?}")));
        }
        let request = json!({"url": url, "formats": ["markdown"], "onlyMainContent": true});
        let body = self.post("/v2/scrape", request).await?;
        self.add_credits(body["creditsUsed"].as_u64().unwrap_or(1));
        let status = body.pointer("/data/metadata/statusCode").and_then(Value::as_u64);
        if let Some(code) = status.filter(|c| *c >= 400) {
            return Err(Unavailable::Failed(format!("the page answered HTTP {code}")));
        }
        let markdown = body.pointer("/data/markdown").and_then(Value::as_str).unwrap_or_default();
        Ok(markdown.chars().take(max_chars).collect())
    }

    fn add_credits(&self, credits: u64) {
        let mut u = self.usage.lock().unwrap_or_else(|e| e.into_inner());
        u.credits_today += credits;
    }

    /// One call: switch, breaker and pacing first; the breaker learns from the answer.
    async fn post(&self, path: &str, request: Value) -> Result<Value, Unavailable> {
        let Some(key) = &self.api_key else { return Err(Unavailable::NotConfigured) };
        if !self.enabled().await {
            return Err(Unavailable::Disabled);
        }
        if !self.breaker.allow() {
            let until = self.breaker.status().next_try_at.unwrap_or_else(|| self.clock.now());
            return Err(Unavailable::Open(until));
        }
        self.take_slot()?;
        let sent = self
            .http
            .post(format!("{}{path}", self.base_url))
            .bearer_auth(key)
            .json(&request)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                self.breaker.failure("connection", None);
                return Err(Unavailable::Failed(format!("connection failed: {e}")));
            }
        };
        let status = response.status().as_u16();
        let retry_after = headers::retry_after(response.headers(), self.clock.now());
        let raw = response.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
        match status {
            200..=299 if body["success"] != false && !body.is_null() => {
                self.breaker.success();
                Ok(body)
            }
            429 => {
                let wait = retry_after.map_or(RATE_LIMIT_BACKOFF, |w| w.max(RATE_LIMIT_BACKOFF));
                self.breaker.trip("rate_limited (429)", wait);
                tracing::warn!(
                    status = 429,
                    error = "rate_limit",
                    backoff_s = wait.num_seconds(),
                    "FireCrawl rate limited (429); circuit open, backing off"
                );
                Err(Unavailable::Failed(format!("rate limited (429): {}", error_message(&raw))))
            }
            402 => {
                self.breaker.trip("insufficient credits (402)", Duration::hours(1));
                tracing::error!("FireCrawl is out of credits");
                Err(Unavailable::Failed(format!("out of credits (402): {}", error_message(&raw))))
            }
            401 | 403 => {
                self.breaker.trip("auth", Duration::hours(1));
                tracing::error!(status, "FireCrawl refused the key");
                Err(Unavailable::Failed(format!(
                    "refused (HTTP {status}): {}",
                    error_message(&raw)
                )))
            }
            200..=299 | 408 | 500.. => {
                self.breaker.failure(&format!("HTTP {status}"), retry_after);
                Err(Unavailable::Failed(format!("HTTP {status}: {}", error_message(&raw))))
            }
            _ => Err(Unavailable::Failed(format!("HTTP {status}: {}", error_message(&raw)))),
        }
    }
}

fn parse_hits(body: &Value) -> Vec<SearchHit> {
    let list = body["data"]["web"].as_array().or_else(|| body["data"].as_array());
    list.into_iter()
        .flatten()
        .filter_map(|h| {
            let url = h["url"].as_str()?.to_string();
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return None;
            }
            Some(SearchHit {
                url,
                title: h["title"].as_str().unwrap_or_default().to_string(),
                description: h["description"].as_str().unwrap_or_default().to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_search_shapes_are_read() {
        let v2 = json!({"success": true, "data": {"web": [{"url": "https://a.example", "title": "A", "description": "d", "position": 1}]}, "creditsUsed": 2});
        let v1 = json!({"success": true, "data": [{"url": "https://b.example", "title": "B", "description": "e"}]});
        assert_eq!(parse_hits(&v2)[0].url, "https://a.example");
        assert_eq!(parse_hits(&v1)[0].title, "B");
        let odd = json!({"data": [{"url": "javascript:alert(1)", "title": "x"}]});
        assert!(parse_hits(&odd).is_empty(), "only http(s) links are kept");
    }
}
