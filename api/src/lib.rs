//! Fieldbook's HTTP API: actix-web handlers, auth, problem+json errors and the OpenAPI contract.

pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod http;
pub mod metrics;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
