//! The jobintel server: configuration, telemetry, storage, auth, HTTP and the CLI.

pub mod auth;
pub mod backend;
pub mod chain;
pub mod cli;
pub mod clock;
pub mod config;
pub mod control;
pub mod cv;
pub mod demo;
pub mod error;
pub mod facts;
pub mod fetch;
pub mod http;
pub mod ledger;
pub mod page_fit;
pub mod pdf;
pub mod pipeline;
pub mod postings;
pub mod providers;
pub mod services;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod text;
