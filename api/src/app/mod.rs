//! The application layer: one function per use case. Each loads what it needs (in one
//! transaction when it writes), calls the pure rule in `domain`, persists and returns a domain
//! result. Use cases never see HTTP; handlers never hold a transaction, a policy lookup or a
//! rule. Jobs (day and month close, lead allocation, settlement) are use cases like any other.
//!
//! Storage is reached through the concrete `infra::Db` (both engines live behind it) and the
//! port traits in `domain::ports` it implements. See ARCHITECTURE.md for why there are no
//! in-memory fakes.

pub mod callbacks;
pub mod context;
pub mod error;
pub mod insurance_policies;
pub mod jobs;
pub mod settlement;
pub mod statements;
