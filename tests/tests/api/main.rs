//! The black-box HTTP suite. Each scenario runs on SQLite and, when configured, PostgreSQL.

mod activities;
mod audit;
mod auth;
mod clients;
mod commission;
mod contract;
mod crm;
mod db_outage;
mod diaries;
mod errors;
mod faults;
mod hardening;
mod harness;
mod ledger;
mod licences;
mod limits;
mod login_flood;
mod metrics;
mod org;
mod quality;
mod quality_time;
mod rule_index;
mod sessions_end;
mod signing_keys;
mod tenants;

pub use reqwest::Method;
pub use serde_json::{json, Value};
pub use tests::*;
