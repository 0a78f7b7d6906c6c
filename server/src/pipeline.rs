//! The pipeline: layers (each a type with a name and one async `run`) and the durable runner
//! that executes them from the store's queue.

pub mod layers;
pub mod runner;
pub mod schema;
pub mod text;

pub use runner::{Runner, RunnerSettings};

use crate::providers::llm::{Served, Usage};
use app::model::{Job, Profile, StarRecord};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a layer reads: the job, the candidate, and the outputs of the layers before it.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub job: Job,
    pub profile: Profile,
    pub stars: Vec<StarRecord>,
    pub tier: String,
    /// Outputs of earlier layers, by layer name.
    pub outputs: BTreeMap<String, Value>,
}

/// A layer's result.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerOutput {
    pub value: Value,
    pub log: Vec<String>,
    /// Set when the layer finished but its result deserves attention (e.g. nothing found).
    pub warning: Option<String>,
    /// Who answered, with which model, at what cost.
    pub usage: Usage,
}

impl LayerOutput {
    pub fn new(value: Value, provider: &str) -> Self {
        let usage = Usage { provider: provider.to_string(), ..Usage::default() };
        LayerOutput { value, log: Vec::new(), warning: None, usage }
    }

    /// A typed answer from the providers, with how it was obtained.
    pub fn served<T: Serialize>(served: &Served<T>) -> Result<Self, LayerError> {
        let mut out = LayerOutput::typed(&served.value, &served.usage.provider)?;
        out.usage = served.usage.clone();
        out.log.extend(served.usage.call_log.iter().cloned());
        for fallback in &served.usage.fallbacks {
            out.log.push(format!("passed over {fallback}"));
        }
        Ok(out)
    }

    /// A layer's typed result, stored as JSON.
    pub fn typed<T: Serialize>(value: &T, provider: &str) -> Result<Self, LayerError> {
        let value = serde_json::to_value(value).map_err(|e| LayerError(e.to_string()))?;
        Ok(LayerOutput::new(value, provider))
    }
}

/// What a generation layer stores when the tier skips it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Skipped {
    pub skipped: bool,
    pub reason: String,
}

/// A generation layer's output: its result, or why it was skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OrSkipped<T> {
    Done(T),
    Skipped(Skipped),
}

/// The JSON Schema (2020-12) of a layer's output type.
pub fn schema_of<T: JsonSchema>() -> Value {
    schemars::schema_for!(T).to_value()
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct LayerError(pub String);

#[async_trait]
pub trait Layer: Send + Sync {
    fn name(&self) -> &'static str;
    /// The JSON Schema of the output `run` stores (served at `GET /api/pipeline/layers`).
    fn output_schema(&self) -> Value;
    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError>;
}
