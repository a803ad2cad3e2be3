//! Fieldbook's HTTP API: actix-web handlers, auth, problem+json errors and the OpenAPI contract.

pub mod auth;
pub mod clock;
pub mod config;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod seed;
pub mod settlement;
pub mod startup;
pub mod state;
pub mod telemetry;
