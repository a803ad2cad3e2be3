//! The change feed's storage: events are appended by the writers themselves (in their own
//! transactions); this port reads them and prunes them.

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::changes::{ChangeEvent, ChangeType};
use crate::ids::CompanyId;
use chrono::{DateTime, Utc};

/// What to read from the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedQuery {
    /// Events strictly after this position.
    pub after: i64,
    /// Only these types (all when empty).
    pub types: Vec<ChangeType>,
    /// Only events about records of these people (`Company`: all).
    pub scope: ListScope,
    /// Positions to leave out (inclusive ranges): a device's own uploads.
    pub skip: Vec<(i64, i64)>,
    pub limit: u32,
}

/// One read of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRead {
    /// The last position committed when the read began; every event up to it was visible to
    /// the read, so a reader that has seen all matching events up to `head` may resume there.
    pub head: i64,
    /// Matching events above `after` and up to `head`, in position order.
    pub events: Vec<ChangeEvent>,
    /// Events up to this position have been pruned (read after the events, so a prune racing
    /// the read is always noticed).
    pub pruned_through: i64,
}

pub trait ChangeRepo {
    async fn read_changes(&self, company: CompanyId, q: &FeedQuery) -> Result<FeedRead, RepoError>;
    /// Deletes every company's events older than `before`; returns how many were deleted.
    async fn prune_changes(&self, before: DateTime<Utc>) -> Result<u64, RepoError>;
}
