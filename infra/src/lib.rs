//! Storage for Fieldbook: one set of repository ports (defined in `domain::ports`),
//! implemented once in SQL that both engines accept, and executed on SQLite (the embedded
//! default) or PostgreSQL (production) depending on the database URL's scheme.

mod activities;
mod audit;
mod auth;
mod changes;
pub(crate) mod clients;
pub(crate) mod commission;
mod db;
mod diaries;
mod integration;
mod ledger;
mod licences;
mod limits;
pub(crate) mod org;
mod quality;
mod sql;
mod upsert;

pub use db::{is_unavailable, Db, DbError, Engine, PoolSettings, PoolStatus};
