//! Shared counters that must hold across instances: login throttling and write rate limits.
//! They live in the database because instances are stateless behind a load balancer; an
//! in-process counter would give each instance its own allowance.

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use crate::ids::CompanyId;
use crate::ports::RepoError;
use chrono::{DateTime, Utc};

/// One limit on login attempts: at most `max` failures (attempts in flight included) of `key`
/// within the sliding window.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimit<'a> {
    pub key: &'a str,
    pub max: u32,
}

/// How a reserved login attempt ended.
#[derive(Debug, Clone, Copy)]
pub enum AttemptOutcome<'a> {
    /// The password was wrong: the slot stays, as a failure, until the window passes.
    Failed,
    /// The login succeeded: every failure of `clear` is forgotten and the slot given back.
    Succeeded { clear: &'a str },
    /// Nothing was evaluated (an error before the password check): the slot is given back.
    Abandoned,
}

/// A write rate limit as a generic cell rate (GCRA, the token bucket's equivalent that needs
/// one number per key): one write every `interval_us` on average, bursts of up to `burst`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub interval_us: i64,
    pub burst: u32,
}

pub trait LimitsRepo {
    /// Reserves one attempt in every limit, atomically across instances: either every key is
    /// under its `max` and each gets the attempt's slot, or nothing is reserved and the answer
    /// is `Err(seconds)` until the most constrained key may try again.
    async fn reserve_login_attempt(
        &self,
        limits: &[AttemptLimit<'_>],
        window_secs: u64,
        now: DateTime<Utc>,
    ) -> Result<Result<uuid::Uuid, u64>, RepoError>;

    async fn resolve_login_attempt(&self, slot: uuid::Uuid, outcome: AttemptOutcome<'_>) -> Result<(), RepoError>;

    /// Takes one write from `subject`'s allowance: `None` when allowed, `Some(seconds)` to wait
    /// when the allowance is used up. One statement, so concurrent instances never over-admit.
    async fn take_write(
        &self,
        company: CompanyId,
        subject: uuid::Uuid,
        limit: RateLimit,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>, RepoError>;

    /// Forgets login slots older than the window and idle rate-limit rows (housekeeping).
    async fn prune_limits(&self, login_window_secs: u64, now: DateTime<Utc>) -> Result<u64, RepoError>;
}
