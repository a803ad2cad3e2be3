//! The black-box HTTP suite. Each scenario runs on SQLite and, when configured, PostgreSQL.

mod activities;
mod auth;
mod clients;
mod commission;
mod contract;
mod db_outage;
mod diaries;
mod errors;
mod hardening;
mod ledger;
mod login_flood;
mod org;
mod quality;
mod quality_time;
mod sessions_end;
mod signing_keys;

pub use reqwest::Method;
pub use serde_json::{json, Value};
pub use tests::*;
