//! The pipeline: layers (each a type with a name and one async `run`) and the durable runner
//! that executes them from the store's queue.

pub mod layers;
pub mod runner;

pub use runner::{Runner, RunnerSettings};

use crate::providers::llm::{AskError, Served, Usage};
pub use crate::providers::schema::schema_of;
use crate::store::StoreError;
use app::model::{Job, LayerName, Profile, StarRecord, TierChoice};
pub use app::outputs::{LayerOutputType, OrSkipped, OutputError, RunOutputs, Skipped};
use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;

/// What a layer reads: the job, the candidate, and the outputs of the layers before it.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub job: Job,
    pub profile: Profile,
    pub stars: Vec<StarRecord>,
    pub tier: TierChoice,
    /// When this attempt started, by the runner's clock (what "today" is for the layers).
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Outputs of earlier layers.
    pub outputs: RunOutputs,
}

impl RunContext {
    /// The typed output of the earlier layer that writes `T`.
    pub fn prior<T: LayerOutputType>(&self) -> Result<T, LayerError> {
        Ok(self.outputs.get()?)
    }
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

    /// A served answer as the fact gate left it: `value` is stored instead of the answer,
    /// and the log says how many claims were blocked.
    pub fn gated<T: Serialize, U: Serialize>(
        served: &Served<T>,
        value: &U,
        blocked: &[app::outputs::BlockedClaim],
    ) -> Result<Self, LayerError> {
        let mut out = LayerOutput::served(served)?;
        out.value = encode(value)?;
        out.log_blocked(blocked);
        Ok(out)
    }

    /// Logs how many claims the fact gate blocked, if it blocked any.
    pub fn log_blocked(&mut self, blocked: &[app::outputs::BlockedClaim]) {
        if !blocked.is_empty() {
            self.log.push(format!("fact gate: {} claims blocked", blocked.len()));
        }
    }

    /// A layer's typed result, stored as JSON.
    pub fn typed<T: Serialize>(value: &T, provider: &str) -> Result<Self, LayerError> {
        Ok(LayerOutput::new(encode(value)?, provider))
    }
}

/// A layer's result as the JSON a run stores.
pub fn encode<T: Serialize>(value: &T) -> Result<Value, LayerError> {
    serde_json::to_value(value).map_err(|e| LayerError::Encode(e.to_string()))
}

/// Why a layer failed; its text is what the run and its layer record store.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    /// No provider could answer (each passed over with its reason), or the prompt could not
    /// be rendered.
    #[error(transparent)]
    Provider(#[from] AskError),
    /// An earlier layer's output is missing, or does not match its type (the path says where).
    #[error(transparent)]
    Input(#[from] OutputError),
    /// The result states what its sources do not.
    #[error("grounding check failed: {}", .0.join("; "))]
    Grounding(Vec<String>),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The run's time ran out during this layer.
    #[error("timeout")]
    Timeout,
    #[error("panicked: {0}")]
    Panicked(String),
    /// The result could not be written as JSON.
    #[error("{0}")]
    Encode(String),
}

#[async_trait]
pub trait Layer: Send + Sync {
    fn name(&self) -> LayerName;
    /// The JSON Schema of the output `run` stores (served at `GET /api/pipeline/layers`).
    fn output_schema(&self) -> Value;
    async fn run(&self, ctx: &RunContext) -> Result<LayerOutput, LayerError>;
}
