//! `/api/health` in the runbook's shape.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

string_enum! {
    /// A service's state in `/api/health`.
    #[derive(Default)]
    HealthStatus {
        Healthy => "healthy",
        Degraded => "degraded",
        Unhealthy => "unhealthy",
        /// Not set up in this process (no key, no runner): never fails `overall`.
        #[default]
        NotConfigured => "not_configured",
        /// Switched off by an operator.
        Disabled => "disabled",
    }
}

impl HealthStatus {
    /// Counts as up: healthy, or nothing to check.
    pub fn is_up(self) -> bool {
        matches!(self, HealthStatus::Healthy | HealthStatus::NotConfigured)
    }
}

string_enum! {
    /// A circuit breaker's state.
    BreakerState {
        Closed => "closed",
        Open => "open",
        HalfOpen => "half_open",
    }
}

/// A provider's breaker on the wire: its state, or `none` for a provider without one.
mod breaker_or_none {
    use super::BreakerState;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &Option<BreakerState>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(b.map_or("none", BreakerState::as_str))
    }

    #[cfg(feature = "ssr")]
    pub fn schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut states: Vec<&str> = BreakerState::ALL.iter().map(|b| b.as_str()).collect();
        states.push("none");
        schemars::json_schema!({ "type": "string", "enum": states })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<BreakerState>, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        match text.as_ref() {
            "none" => Ok(None),
            other => other.parse().map(Some).map_err(serde::de::Error::custom),
        }
    }
}

/// `/api/health` in the runbook's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Health {
    pub overall: HealthStatus,
    pub runner: RunnerHealth,
    pub mongodb: StoreHealth,
    pub pdf_service: ServiceHealth,
    /// LLM providers: configured or not, and their circuit breakers.
    #[serde(default)]
    pub llm: ExternalHealth,
    #[serde(default)]
    pub firecrawl: ExternalHealth,
    pub checked_at: DateTime<Utc>,
}

/// An external service family in `/api/health`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ExternalHealth {
    pub status: HealthStatus,
    /// Why it is not healthy, in words for the health panel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default)]
    pub providers: Vec<ProviderHealth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ProviderHealth {
    pub name: String,
    pub configured: bool,
    /// `closed`, `open`, `half_open`, or `none` for providers without a breaker.
    #[serde(with = "breaker_or_none")]
    #[cfg_attr(feature = "ssr", schemars(schema_with = "breaker_or_none::schema"))]
    pub breaker: Option<BreakerState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct RunnerHealth {
    pub status: HealthStatus,
    pub active_runs: u32,
    pub capacity_percent: u32,
    #[serde(default)]
    pub queued: u32,
    #[serde(default)]
    pub paused: bool,
    /// Why the pipeline is paused, when it paused itself (e.g. the daily LLM budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct StoreHealth {
    pub status: HealthStatus,
    pub backend: String,
    pub latency_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ServiceHealth {
    pub status: HealthStatus,
    /// The PDF renderer: whether Chromium runs with its own sandbox (`None` before its first
    /// launch), and why not when it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
