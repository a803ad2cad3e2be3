//! Fieldbook's domain: pure types and rules. No IO lives here (no sqlx, actix or tokio);
//! persistence is described by the ports in [`ports`] and implemented in `infra`.

pub mod access;
pub mod activity;
pub mod changes;
pub mod client;
pub mod commission;
pub mod context;
pub mod diary;
pub mod error;
pub mod errors;
pub mod ids;
pub mod integration;
pub mod leads;
pub mod licence;
pub mod membership;
pub mod org;
pub mod org_change;
pub mod penalty;
pub mod period;
pub mod policy;
pub mod ports;
pub mod quality;
pub mod quota;
pub mod rules;
pub mod time;
pub mod upsert;

pub use error::{FieldError, ValidationErrors};
