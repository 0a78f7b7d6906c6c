//! The model and price table: which model each provider uses per tier and layer, and what it
//! costs. It is data (`config/llm-models.json`, dated), not code; `LLM_MODELS_FILE` replaces it.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

const BUNDLED: &str = include_str!("../../../config/llm-models.json");

/// USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    pub cached_input: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelTable {
    pub as_of: String,
    prices: BTreeMap<String, Price>,
    /// provider → tier → layer (or `default`) → model.
    models: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
}

/// Why a models file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelTableError {
    #[error("{0}")]
    Unreadable(String),
    #[error("models.{0} needs an `auto.default` model")]
    NoDefault(String),
    #[error("{0}: {1}")]
    In(String, Box<ModelTableError>),
}

impl ModelTable {
    pub fn bundled() -> Self {
        Self::parse(BUNDLED).expect("the bundled model table parses (checked by a test)")
    }

    pub fn parse(text: &str) -> Result<Self, ModelTableError> {
        let table: ModelTable =
            serde_json::from_str(text).map_err(|e| ModelTableError::Unreadable(e.to_string()))?;
        for (provider, tiers) in &table.models {
            if !tiers.get("auto").is_some_and(|t| t.contains_key("default")) {
                return Err(ModelTableError::NoDefault(provider.clone()));
            }
        }
        Ok(table)
    }

    pub fn load(path: &Path) -> Result<Self, ModelTableError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ModelTableError::Unreadable(format!("{}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| ModelTableError::In(path.display().to_string(), Box::new(e)))
    }

    /// The model `provider` uses for `layer` at `tier`: the layer's own entry, the tier's
    /// default, then the provider's `auto` default. None when the provider is not in the table.
    pub fn model(&self, provider: &str, tier: &str, layer: &str) -> Option<&str> {
        let tiers = self.models.get(provider)?;
        let by_tier = tiers.get(tier);
        by_tier
            .and_then(|t| t.get(layer).or_else(|| t.get("default")))
            .or_else(|| tiers.get("auto").and_then(|t| t.get("default")))
            .map(String::as_str)
    }

    /// The price of a model; a dated id (`gpt-4o-mini-2024-07-18`) matches its base name.
    pub fn price(&self, model: &str) -> Option<Price> {
        self.prices.get(model).copied().or_else(|| {
            self.prices
                .iter()
                .filter(|(name, _)| model.starts_with(name.as_str()))
                .max_by_key(|(name, _)| name.len())
                .map(|(_, p)| *p)
        })
    }

    /// USD for one call; None for a model without a price (tokens are still recorded).
    pub fn cost(&self, model: &str, input: u64, cached: u64, output: u64) -> Option<f64> {
        let p = self.price(model)?;
        let cached = cached.min(input);
        let usd = (input - cached) as f64 * p.input
            + cached as f64 * p.cached_input.unwrap_or(p.input)
            + output as f64 * p.output;
        Some(usd / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_has_every_provider_and_tier() {
        let t = ModelTable::bundled();
        assert_eq!(t.as_of, "2026-11-28");
        for provider in ["openai", "anthropic", "openrouter"] {
            for tier in ["auto", "A", "B", "C", "D"] {
                let model = t.model(provider, tier, "jd_extraction").unwrap();
                assert!(t.price(model).is_some(), "{provider}/{tier}: {model} has a price");
            }
        }
        assert_eq!(t.model("openai", "A", "cv_generation"), Some("gpt-6.1-sol"));
        assert_eq!(t.model("openai", "A", "pain_points"), Some("gpt-6.1-terra"));
        assert_eq!(t.model("mistral", "A", "pain_points"), None);
    }

    #[test]
    fn cost_follows_the_formula_and_dated_ids_match() {
        let t = ModelTable::bundled();
        // 1M input of which 200k cached, 100k output on gpt-4o-mini.
        let usd = t.cost("gpt-4o-mini-2024-07-18", 1_000_000, 200_000, 100_000).unwrap();
        assert!((usd - (0.8 * 0.15 + 0.2 * 0.075 + 0.1 * 0.60)).abs() < 1e-9);
        assert_eq!(t.cost("unknown-model", 10, 0, 10), None);
    }

    #[test]
    fn a_table_without_defaults_is_refused() {
        let err = ModelTable::parse(r#"{"as_of":"x","prices":{},"models":{"openai":{"A":{}}}}"#);
        assert!(err.unwrap_err().to_string().contains("auto.default"));
    }
}
