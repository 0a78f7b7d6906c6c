//! The pipeline: layers (each a type with a name and one async `run`) and the durable runner
//! that executes them from the store's queue.

pub mod layers;
pub mod runner;
pub mod text;

pub use runner::{Runner, RunnerSettings};

use app::model::{Job, Profile, StarRecord};
use async_trait::async_trait;
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
    pub provider: String,
}

impl LayerOutput {
    pub fn new(value: Value, provider: &str) -> Self {
        LayerOutput { value, log: Vec::new(), warning: None, provider: provider.to_string() }
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct LayerError(pub String);

#[async_trait]
pub trait Layer: Send + Sync {
    fn name(&self) -> &'static str;
    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError>;
}
