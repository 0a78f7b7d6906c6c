//! The control plane: runtime settings as types, and the one place that decides whether the
//! pipeline is paused and why (an operator's pause, or the daily LLM budget spent).
//!
//! The LLM router reports what it spends here and asks whether it may spend more; the runner
//! asks whether it may claim runs. Neither decides for the other, so the providers do not
//! depend on the pipeline.

use crate::clock::SharedClock;
use crate::store::{SharedStore, Store, StoreResult};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A runtime setting: one document in the store's settings, under its key.
pub trait Setting: Serialize + DeserializeOwned {
    const KEY: &'static str;
}

/// The stored setting; a document that does not read as `S` counts as unset (and is logged).
pub async fn read<S: Setting>(store: &dyn Store) -> StoreResult<Option<S>> {
    let Some(value) = store.get_setting(S::KEY).await? else { return Ok(None) };
    match S::deserialize(&value) {
        Ok(setting) => Ok(Some(setting)),
        Err(e) => {
            tracing::warn!(key = S::KEY, error = %e, "ignoring an unreadable setting");
            Ok(None)
        }
    }
}

pub async fn write<S: Setting>(store: &dyn Store, setting: &S) -> StoreResult<()> {
    let value = serde_json::to_value(setting).map_err(|e| {
        crate::store::StoreError::Backend(format!("setting {}: {e}", S::KEY).into())
    })?;
    store.put_setting(S::KEY, &value).await
}

/// Whether runs are claimed (the runbook's emergency disable), and why when the pipeline
/// paused itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PauseState {
    pub paused: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Setting for PauseState {
    const KEY: &'static str = "pipeline";
}

/// USD spent on LLM calls on one UTC day, by every process sharing the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailySpend {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub usd: f64,
}

impl Setting for DailySpend {
    const KEY: &'static str = "llm_spend";
}

/// The FireCrawl switch set from the Admin page, the API or the CLI; it wins over
/// `ENABLE_FIRECRAWL`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirecrawlSwitch {
    pub enabled: bool,
}

impl Setting for FirecrawlSwitch {
    const KEY: &'static str = "firecrawl";
}

pub struct ControlPlane {
    store: SharedStore,
    clock: SharedClock,
    daily_budget_usd: Option<f64>,
    /// Serialises this process's read-modify-write of today's spend, so concurrent layers do
    /// not lose each other's cost.
    spend_lock: tokio::sync::Mutex<()>,
}

impl ControlPlane {
    pub fn new(store: SharedStore, clock: SharedClock, daily_budget_usd: Option<f64>) -> Self {
        ControlPlane { store, clock, daily_budget_usd, spend_lock: tokio::sync::Mutex::new(()) }
    }

    pub fn daily_budget_usd(&self) -> Option<f64> {
        self.daily_budget_usd
    }

    /// Paused or not; the reason only while paused.
    pub async fn pause_state(&self) -> StoreResult<PauseState> {
        pause_state(&*self.store).await
    }

    /// An operator's pause or resume; resuming clears the reason.
    pub async fn set_paused(&self, paused: bool) -> StoreResult<()> {
        write(&*self.store, &PauseState { paused, reason: None }).await
    }

    /// USD spent on LLM calls today (UTC).
    pub async fn spent_today(&self) -> f64 {
        let today = self.clock.now().date_naive().to_string();
        match read::<DailySpend>(&*self.store).await {
            Ok(Some(spend)) if spend.date == today => spend.usd,
            _ => 0.0,
        }
    }

    /// The router reports what a call cost.
    pub async fn record_spend(&self, usd: f64) {
        if usd <= 0.0 {
            return;
        }
        let _one_at_a_time = self.spend_lock.lock().await;
        let date = self.clock.now().date_naive().to_string();
        let spend = DailySpend { date, usd: self.spent_today().await + usd };
        if let Err(e) = write(&*self.store, &spend).await {
            tracing::warn!(error = %e, "could not record LLM spend");
        }
    }

    /// Whether models may be asked: false once a daily budget is set and spent, and then the
    /// pipeline is paused (once) saying why.
    pub async fn may_spend(&self) -> bool {
        let Some(budget) = self.daily_budget_usd else { return true };
        let spent = self.spent_today().await;
        if spent < budget {
            return true;
        }
        if !matches!(self.pause_state().await, Ok(p) if p.paused) {
            let reason = format!(
                "daily LLM budget of ${budget:.2} spent (${spent:.2} today); resume after raising LLM_DAILY_BUDGET_USD or tomorrow"
            );
            tracing::warn!(%reason, "pausing the pipeline");
            let paused = PauseState { paused: true, reason: Some(reason) };
            if let Err(e) = write(&*self.store, &paused).await {
                tracing::warn!(error = %e, "could not pause the pipeline");
            }
        }
        false
    }
}

/// Paused or not, read from `store` (the runner reads it before each claim).
pub async fn pause_state(store: &dyn Store) -> StoreResult<PauseState> {
    let mut state = read::<PauseState>(store).await?.unwrap_or_default();
    if !state.paused {
        state.reason = None;
    }
    Ok(state)
}
