//! Storage for Fieldbook: one set of repository ports (defined in `domain::ports`),
//! implemented once in SQL that both engines accept, and executed on SQLite (the embedded
//! default) or PostgreSQL (production) depending on the database URL's scheme.

mod activities;
mod auth;
mod clients;
mod commission;
mod db;
mod diaries;
mod ledger;
mod org;
mod quality;
mod sql;

pub use db::{is_unavailable, Db, DbError, Engine, PoolSettings};
