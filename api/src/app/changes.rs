//! Reading the change feed (CRMs: the whole company), syncing a device (an agent: their own
//! records; a supervisor: their teams'), and pruning events past their retention.

use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, Duration, Utc};
use domain::access::{Actor, Function, Principal, Reach};
use domain::changes::{sync_delta, ChangeEvent, ChangeType, EntityDelta, Resource, SyncCursor};
use domain::errors::ErrorCode;
use domain::ids::UserId;
use domain::ports::{ChangeRepo, FeedQuery, FeedRead, ListScope, OrganisationRepo, PageRequest};
use infra::Db;
use std::collections::{BTreeMap, HashSet};

/// One page of the feed and where to resume.
#[derive(Debug, Clone)]
pub struct FeedPage {
    pub events: Vec<ChangeEvent>,
    /// Resume with `after` = this: the last event's position, or the head when the page is not
    /// full (nothing matching is committed between the page and the head).
    pub next_cursor: i64,
    /// The page is full: more may follow at once.
    pub has_more: bool,
}

/// A cursor must be one we could have issued (not beyond the head) and not older than what is
/// retained; the answer to an expired one says how to resync.
fn check_cursor(after: i64, read: &FeedRead, pointer: &str) -> AppResult<()> {
    if after > read.head {
        return Err(AppError::field(pointer, "is beyond the feed's latest position"));
    }
    if after < read.pruned_through {
        return Err(AppError::rejected(
            ErrorCode::CursorExpired,
            format!(
                "events after {after} are past the feed's retention and gone. Resync: reload the \
                 records through their list endpoints, then read the feed from after={}",
                read.head
            ),
        ));
    }
    Ok(())
}

/// Where the next read starts: after the last event of a full page, or at the head.
fn resume_at(read: &FeedRead, limit: u32) -> (i64, bool) {
    let full = read.events.len() >= limit as usize;
    match read.events.last() {
        Some(last) if full => (last.position, true),
        _ => (read.head, false),
    }
}

/// The company's events after `after`, oldest first (of `types`, or all).
pub async fn read_feed(
    db: &Db,
    principal: &Principal,
    after: i64,
    types: Vec<ChangeType>,
    limit: u32,
) -> AppResult<FeedPage> {
    principal.require(Function::ReadChanges)?;
    let q = FeedQuery {
        after,
        types,
        scope: ListScope::Company,
        skip: vec![],
        limit,
    };
    let read = db.read_changes(principal.company_id(), &q).await?;
    check_cursor(after, &read, "/query/after")?;
    let (next_cursor, has_more) = resume_at(&read, limit);
    Ok(FeedPage {
        events: read.events,
        next_cursor,
        has_more,
    })
}

/// A device's catch-up: per entity, what to create, update and delete.
#[derive(Debug, Clone)]
pub struct SyncPage {
    pub changes: BTreeMap<Resource, EntityDelta>,
    pub cursor: SyncCursor,
    pub has_more: bool,
}

/// The people whose records the caller's devices hold: an agent themselves, a supervisor
/// themselves and their teams' members (as of now), an admin everyone.
async fn people(db: &Db, actor: &Actor, reach: &Reach) -> AppResult<Option<HashSet<UserId>>> {
    Ok(match reach {
        Reach::Company => None,
        Reach::Own(u, _) => Some(HashSet::from([*u])),
        Reach::Teams { supervisor, .. } => {
            let all = PageRequest {
                after: None,
                limit: u32::MAX,
            };
            let mut ids: HashSet<UserId> = db
                .list_users(actor.company_id, &ListScope::SupervisedBy(*supervisor), all)
                .await?
                .into_iter()
                .map(|u| u.id)
                .collect();
            ids.insert(*supervisor);
            Some(ids)
        }
    })
}

/// What changed for the caller since `cursor`, leaving out the device's own uploads that the
/// cursor remembers. A record moved to someone the caller does not see is `deleted` for them.
pub async fn sync(db: &Db, actor: &Actor, cursor: SyncCursor, limit: u32) -> AppResult<SyncPage> {
    let reach = actor.require(Function::SyncChanges)?;
    let q = FeedQuery {
        after: cursor.after,
        types: vec![],
        scope: reach.person_scope(),
        skip: cursor.own.clone(),
        limit,
    };
    let read = db.read_changes(actor.company_id, &q).await?;
    check_cursor(cursor.after, &read, "/query/after")?;
    let people = people(db, actor, &reach).await?;
    let sees = |u: UserId| people.as_ref().is_none_or(|p| p.contains(&u));
    let changes = sync_delta(&read.events, &sees);
    let (through, has_more) = resume_at(&read, limit);
    Ok(SyncPage {
        changes,
        cursor: cursor.advanced_to(through),
        has_more,
    })
}

/// Deletes events older than the retention (the runner does this; admins may trigger it).
pub async fn prune(db: &Db, now: DateTime<Utc>, retention_days: i64) -> AppResult<u64> {
    Ok(db.prune_changes(now - Duration::days(retention_days)).await?)
}

/// The admin-triggered prune.
pub async fn prune_now(db: &Db, actor: &Actor, now: DateTime<Utc>, retention_days: i64) -> AppResult<u64> {
    actor.require(Function::ManagePolicies)?;
    prune(db, now, retention_days).await
}
