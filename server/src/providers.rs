//! External services behind the pipeline's layers: LLMs (OpenAI-compatible and Anthropic
//! clients behind one router, offline as the default and last fallback) and FireCrawl. A layer
//! asks for a typed answer; it never knows which provider gave it.

pub mod anthropic;
pub mod breaker;
pub mod chat;
pub mod firecrawl;
pub mod headers;
pub mod llm;
pub mod models;
pub mod openai;
pub mod prompts;
pub mod schema;

use crate::clock::SharedClock;
use crate::config::{Config, LlmProvider};
use crate::control::ControlPlane;
use crate::store::SharedStore;
use chat::ChatClient;
use firecrawl::{FireCrawl, FireCrawlSettings};
use llm::{Llm, LlmSettings, RetryPolicy};
use models::ModelTable;
use std::sync::Arc;

pub struct Providers {
    pub llm: Llm,
    pub firecrawl: FireCrawl,
    /// Pause and budget: the router reports spend to it; the runner and the API read it.
    pub control: Arc<ControlPlane>,
    pub clock: SharedClock,
}

pub type SharedProviders = Arc<Providers>;

impl Providers {
    /// Offline only: no keys, no network.
    pub fn offline(store: SharedStore) -> SharedProviders {
        Providers::offline_with_clock(store, crate::clock::system())
    }

    /// Offline, on `clock` (which the services read too: tests move it).
    pub fn offline_with_clock(store: SharedStore, clock: SharedClock) -> SharedProviders {
        let firecrawl = FireCrawl::new(
            FireCrawlSettings {
                base_url: String::new(),
                api_key: None,
                enabled: false,
                per_minute: 1,
                per_day: 1,
            },
            reqwest::Client::new(),
            store.clone(),
            clock.clone(),
        );
        let control = Arc::new(ControlPlane::new(store, clock.clone(), None));
        let llm = Llm::offline(control.clone(), clock.clone());
        Arc::new(Providers { llm, firecrawl, control, clock })
    }

    pub fn from_config(
        config: &Config,
        store: SharedStore,
        clock: SharedClock,
    ) -> Result<SharedProviders, crate::error::StartupError> {
        let table = match &config.llm.models_file {
            Some(path) => ModelTable::load(path)
                .map_err(|e| crate::error::StartupError::Config(e.to_string()))?,
            None => ModelTable::bundled(),
        };
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(config.llm.timeout_seconds))
            .user_agent(concat!("jobintel/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let client = |p: LlmProvider| -> Option<Arc<dyn ChatClient>> {
            let c = clock.clone();
            let h = http.clone();
            match p {
                LlmProvider::Offline => None,
                LlmProvider::OpenAi => config.llm.openai.api_key.as_ref().map(|k| {
                    Arc::new(openai::OpenAiCompatible::openai(
                        &config.llm.openai.base_url,
                        k.expose(),
                        h,
                        c,
                    )) as Arc<dyn ChatClient>
                }),
                LlmProvider::OpenRouter => config.llm.openrouter.api_key.as_ref().map(|k| {
                    Arc::new(openai::OpenAiCompatible::openrouter(
                        &config.llm.openrouter.base_url,
                        k.expose(),
                        &config.public_url,
                        h,
                        c,
                    )) as Arc<dyn ChatClient>
                }),
                LlmProvider::Anthropic => config.llm.anthropic.api_key.as_ref().map(|k| {
                    Arc::new(anthropic::Anthropic::new(
                        &config.llm.anthropic.base_url,
                        k.expose(),
                        h,
                        c,
                    )) as Arc<dyn ChatClient>
                }),
            }
        };
        let chain: Vec<Arc<dyn ChatClient>> = std::iter::once(config.llm.primary)
            .chain(config.llm.fallback.iter().copied())
            .filter_map(client)
            .collect();
        let settings = LlmSettings {
            offline_fallback: config.llm.primary == LlmProvider::Offline
                || config.llm.fallback.contains(&LlmProvider::Offline),
            retry: RetryPolicy { max_retries: config.llm.max_retries, ..RetryPolicy::default() },
            ..LlmSettings::default()
        };
        let control =
            Arc::new(ControlPlane::new(store.clone(), clock.clone(), config.llm.daily_budget_usd));
        let llm = Llm::new(chain, table, settings, control.clone(), clock.clone());
        let firecrawl = FireCrawl::new(
            FireCrawlSettings {
                base_url: config.firecrawl.base_url.clone(),
                api_key: config.firecrawl.api_key.as_ref().map(|k| k.expose().to_string()),
                enabled: config.firecrawl.enabled,
                per_minute: config.firecrawl.per_minute,
                per_day: config.firecrawl.per_day,
            },
            http,
            store,
            clock.clone(),
        );
        Ok(Arc::new(Providers { llm, firecrawl, control, clock }))
    }
}
