//! The application layer: one function per use case. Each loads what it needs (in one
//! transaction when it writes), calls the pure rule in `domain`, persists and returns a domain
//! result. Use cases never see HTTP; handlers never hold a transaction, a policy lookup or a
//! rule. Jobs (day and month close, lead allocation, settlement) are use cases like any other.
//!
//! Storage is reached through the concrete `infra::Db` (both engines live behind it) and the
//! port traits in `domain::ports` it implements. See ARCHITECTURE.md for why there are no
//! in-memory fakes.

pub mod activities;
pub mod audit;
pub mod callbacks;
pub mod changes;
pub mod clients;
pub mod close_day;
pub mod close_month;
pub mod compliance;
pub mod context;
pub mod dashboard;
pub mod day_facts;
pub mod diaries;
pub mod error;
pub mod insurance_policies;
pub mod integrations;
pub mod leads;
pub mod leave;
pub mod licences;
pub mod org;
pub mod penalties;
pub mod policy_versions;
pub mod quality;
pub mod quality_reports;
pub mod reach;
pub mod runner;
pub mod sessions;
pub mod settlement;
pub mod spot_checks;
pub mod statements;
pub mod tenants;
pub mod upsert;
pub mod violations;
