//! Logging activities from the agent app: one at a time (with an optional idempotency key),
//! a whole offline queue, or the device's call log. Each item is accepted by the domain,
//! its references checked with one query per kind of reference, and the lot written in one
//! transaction; every item gets its own fate (created, duplicate, rejected).

use super::ingest_context;
use crate::app::error::{AppError, AppResult};
use domain::activity::{
    accept, call_activity_id, canonical_body, check_references, draft_from_entry, entry_errors, entry_phone,
    may_accompany, Activity, ActivityDraft, CallLogEntry, IngestContext, KnownReferences,
};
use domain::changes::SyncCursor;
use domain::client::unique_ids;
use domain::errors::ErrorCode;
use domain::org::{Role, User};
use domain::ports::{
    ActivityRepo, AuditContext, ClientRepo, IdempotencyRecord, InsertOutcome, OrganisationRepo, OutletRepo, RepoError,
};
use domain::ValidationErrors;
use infra::Db;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use uuid::Uuid;

/// Why one item of an upload was not stored.
#[derive(Debug, Clone)]
pub enum Rejection {
    /// Problems with pointers relative to the item.
    Invalid(ValidationErrors),
    /// The id (or device call id) is stored with other content.
    IdConflict,
}

impl From<Rejection> for AppError {
    fn from(r: Rejection) -> Self {
        match r {
            Rejection::Invalid(e) => AppError::Invalid(e),
            Rejection::IdConflict => AppError::rejected(
                ErrorCode::IdConflict,
                "an activity with this id (or device call id) already exists with different content",
            ),
        }
    }
}

/// The fate of one item of an upload.
#[derive(Debug, Clone)]
pub enum ItemOutcome {
    Created(Uuid),
    /// Already stored with the same content: nothing changed.
    Duplicate(Uuid),
    /// Not stored; `id` is the item's own id when it had a readable one.
    Rejected {
        id: Option<Uuid>,
        why: Rejection,
    },
}

/// One item of a batch: its id when readable, and the decoded draft (or why it is not one).
pub struct BatchItem {
    pub id: Option<Uuid>,
    pub draft: Result<ActivityDraft, ValidationErrors>,
}

/// One call-log entry: its device call id when readable, and the decoded entry.
pub struct CallLogItem {
    pub device_call_id: Option<String>,
    pub entry: Result<CallLogEntry, ValidationErrors>,
}

/// The answer to a single upload.
#[derive(Debug, Clone)]
pub enum Logged {
    Created(Activity),
    /// The same id and content were stored before.
    Existing(Activity),
    /// The response stored under the idempotency key, replayed as it was.
    Replayed {
        status: u16,
        body: String,
    },
}

/// An accepted activity with its body digest.
fn accepted(draft: ActivityDraft, ctx: &IngestContext) -> Result<Activity, ValidationErrors> {
    let mut a = accept(draft, ctx)?;
    a.body_hash = Sha256::digest(canonical_body(&a).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(a)
}

/// Logs one activity. With `key`, the same key and body replay the stored response (the
/// key record and the activity commit together, `render` giving the response to store); the
/// same key with another body is refused. Without a key, the same id and body answer the
/// stored activity and another body under the id is a conflict.
pub async fn log_one(
    db: &Db,
    agent: &User,
    draft: ActivityDraft,
    key: Option<String>,
    render: impl Fn(&Activity) -> String,
    audit: &AuditContext,
) -> AppResult<Logged> {
    let now = audit.at;
    let ctx = ingest_context(db, agent, now).await?;
    let activity = accepted(draft, &ctx)?;
    if let Some(key) = key {
        if let Some(stored) = db.find_idempotency(ctx.company, ctx.agent, &key).await? {
            return replay(stored, &activity.body_hash);
        }
        let known = known_references(db, &ctx, &[&activity]).await?;
        check_references(&activity, &known)?;
        let record = IdempotencyRecord {
            company_id: ctx.company,
            user_id: ctx.agent,
            key: key.clone(),
            request_hash: activity.body_hash.clone(),
            status: 201,
            body: render(&activity),
            created_at: now,
        };
        match db
            .insert_activities(audit, std::slice::from_ref(&activity), Some(&record))
            .await
        {
            Ok(Some(_)) => return Ok(Logged::Created(activity)),
            // The id already exists: answer as without a key (duplicate or conflict), storing nothing.
            Ok(None) => {}
            Err(RepoError::Conflict(_)) => {
                // A concurrent request with the same key won the race: replay what it stored.
                if let Some(stored) = db.find_idempotency(ctx.company, ctx.agent, &key).await? {
                    return replay(stored, &activity.body_hash);
                }
                return Err(AppError::rejected(
                    ErrorCode::IdempotencyKeyInUse,
                    "a request with this Idempotency-Key is in progress",
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    match store(db, &ctx, audit, vec![Ok(activity)]).await?.0.pop() {
        Some(Stored::Created(a)) => Ok(Logged::Created(*a)),
        Some(Stored::Duplicate(id)) => db
            .get_activity(ctx.company, id)
            .await?
            .map(Logged::Existing)
            .ok_or_else(|| RepoError::Storage(format!("activity {id} vanished after a duplicate insert")).into()),
        Some(Stored::Rejected(r)) => Err(r.into()),
        None => Err(RepoError::Storage("no outcome for a single insert".into()).into()),
    }
}

fn replay(stored: IdempotencyRecord, body_hash: &str) -> AppResult<Logged> {
    if stored.request_hash != body_hash {
        return Err(AppError::rejected(
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was used with a different request body",
        ));
    }
    Ok(Logged::Replayed {
        status: stored.status,
        body: stored.body,
    })
}

/// An upload's outcomes (in input order) and the device's sync cursor after it.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub outcomes: Vec<ItemOutcome>,
    /// `since` with this upload's own feed positions remembered, so a sync from it never
    /// hands the device its own writes back; without `since`, the position just after them
    /// (right when the device was up to date before uploading). None when nothing was known
    /// and nothing was written.
    pub sync_cursor: Option<SyncCursor>,
}

fn uploaded(stored: (Vec<Stored>, Option<(i64, i64)>), ids: &[Option<Uuid>], since: Option<SyncCursor>) -> Uploaded {
    let (stored, positions) = stored;
    let sync_cursor = match (since, positions) {
        (Some(c), Some((first, last))) => Some(c.with_own_writes(first, last)),
        (Some(c), None) => Some(c),
        (None, Some((first, last))) => Some(SyncCursor::at(first - 1).with_own_writes(first, last)),
        (None, None) => None,
    };
    Uploaded {
        outcomes: outcomes(stored, ids),
        sync_cursor,
    }
}

/// Logs an offline queue: each item is judged alone, and replaying the batch any number of
/// times creates nothing twice. Outcomes are in input order; `since` is the device's sync
/// cursor before the upload, if it sent one.
pub async fn log_batch(
    db: &Db,
    agent: &User,
    items: Vec<BatchItem>,
    since: Option<SyncCursor>,
    audit: &AuditContext,
) -> AppResult<Uploaded> {
    let ctx = ingest_context(db, agent, audit.at).await?;
    let ids: Vec<Option<Uuid>> = items.iter().map(|i| i.id).collect();
    let prepared = items
        .into_iter()
        .map(|i| i.draft.and_then(|d| accepted(d, &ctx)))
        .collect();
    Ok(uploaded(store(db, &ctx, audit, prepared).await?, &ids, since))
}

/// Imports device call-log entries as phone services, de-duplicated by the device's call id.
/// A number of one of the agent's clients links the call to that client; any other is a
/// prospect. Every outcome carries its own entry's id, rejected entries included.
pub async fn import_call_log(
    db: &Db,
    agent: &User,
    entries: Vec<CallLogItem>,
    since: Option<SyncCursor>,
    audit: &AuditContext,
) -> AppResult<Uploaded> {
    let ctx = ingest_context(db, agent, audit.at).await?;
    let phones: Vec<String> = entries
        .iter()
        .filter_map(|e| e.entry.as_ref().ok().and_then(entry_phone))
        .collect();
    let clients: HashMap<String, Uuid> = db
        .clients_by_phone(ctx.company, ctx.agent, &phones)
        .await?
        .into_iter()
        .collect();
    let mut ids = Vec::with_capacity(entries.len());
    let mut prepared = Vec::with_capacity(entries.len());
    for item in entries {
        ids.push(
            item.device_call_id
                .as_deref()
                .map(|d| call_activity_id(ctx.company, ctx.agent, d)),
        );
        prepared.push(
            item.entry
                .and_then(|e| draft_from_entry(e, ctx.company, ctx.agent, &clients))
                .and_then(|d| accepted(d, &ctx).map_err(entry_errors)),
        );
    }
    Ok(uploaded(store(db, &ctx, audit, prepared).await?, &ids, since))
}

fn outcomes(stored: Vec<Stored>, ids: &[Option<Uuid>]) -> Vec<ItemOutcome> {
    stored
        .into_iter()
        .enumerate()
        .map(|(i, s)| match s {
            Stored::Created(a) => ItemOutcome::Created(a.id),
            Stored::Duplicate(id) => ItemOutcome::Duplicate(id),
            Stored::Rejected(why) => ItemOutcome::Rejected {
                id: ids.get(i).copied().flatten(),
                why,
            },
        })
        .collect()
}

/// What storage knows of the references these activities make (one query per kind).
async fn known_references(db: &Db, ctx: &IngestContext, acts: &[&Activity]) -> AppResult<KnownReferences> {
    let ids = |f: &dyn Fn(&Activity) -> Option<Uuid>| unique_ids(&acts.iter().filter_map(|a| f(a)).collect::<Vec<_>>());
    let clients = db
        .clients_of_agent(ctx.company, ctx.agent, &ids(&|a| a.client_id))
        .await?;
    let outlets = db
        .outlets_of_agent(ctx.company, ctx.agent, &ids(&|a| a.outlet_id))
        .await?;
    let supervisors = db
        .users_with_role(ctx.company, Role::Supervisor, &ids(&|a| a.accompanied_by.map(|u| u.0)))
        .await?
        .into_iter()
        .filter(|u| may_accompany(u, ctx.branch))
        .map(|u| u.id)
        .collect();
    Ok(KnownReferences {
        clients: clients.into_iter().collect(),
        outlets: outlets.into_iter().collect(),
        supervisors,
    })
}

/// What happened to one accepted-or-not item in [`store`].
enum Stored {
    Created(Box<Activity>),
    Duplicate(Uuid),
    Rejected(Rejection),
}

/// Checks references, de-duplicates within the upload, writes everything in one transaction
/// and classifies each item, in input order; with the feed positions the writes took.
async fn store(
    db: &Db,
    ctx: &IngestContext,
    audit: &AuditContext,
    items: Vec<Result<Activity, ValidationErrors>>,
) -> AppResult<(Vec<Stored>, Option<(i64, i64)>)> {
    let ok: Vec<&Activity> = items.iter().filter_map(|p| p.as_ref().ok()).collect();
    let known = known_references(db, ctx, &ok).await?;
    // A slot is decided before the write (rejected), by the write (the first copy of an id),
    // or by the first copy of its id (a repeat inside the same upload).
    enum Slot {
        Done(Stored),
        Write,
        SameAs(usize),
    }
    let mut slots: Vec<Slot> = Vec::with_capacity(items.len());
    let mut hashes: Vec<String> = Vec::with_capacity(items.len());
    let mut to_write: Vec<(usize, Activity)> = Vec::new();
    let mut first_by_id: HashMap<Uuid, usize> = HashMap::new();
    for (i, item) in items.into_iter().enumerate() {
        match item.and_then(|a| check_references(&a, &known).map(|()| a)) {
            Err(e) => {
                hashes.push(String::new());
                slots.push(Slot::Done(Stored::Rejected(Rejection::Invalid(e))));
            }
            Ok(a) => {
                hashes.push(a.body_hash.clone());
                match first_by_id.get(&a.id) {
                    Some(first) => slots.push(Slot::SameAs(*first)),
                    None => {
                        first_by_id.insert(a.id, i);
                        slots.push(Slot::Write);
                        to_write.push((i, a));
                    }
                }
            }
        }
    }
    let activities: Vec<Activity> = to_write.iter().map(|(_, a)| a.clone()).collect();
    let inserted = db.insert_activities(audit, &activities, None).await?;
    let positions = inserted.as_ref().and_then(|i| i.positions);
    let written = inserted.map(|i| i.outcomes).unwrap_or_default();
    if written.len() != to_write.len() {
        return Err(RepoError::Storage("fewer insert outcomes than activities".into()).into());
    }
    let mut decided: HashMap<usize, Stored> = HashMap::new();
    for ((i, a), w) in to_write.into_iter().zip(written) {
        let outcome = match w {
            InsertOutcome::Created => Stored::Created(Box::new(a)),
            InsertOutcome::Existing {
                id,
                agent_id,
                body_hash,
            } if agent_id == a.agent_id && body_hash == a.body_hash => Stored::Duplicate(id),
            InsertOutcome::Existing { .. } => Stored::Rejected(Rejection::IdConflict),
        };
        decided.insert(i, outcome);
    }
    let mut out: Vec<Stored> = Vec::with_capacity(slots.len());
    for (i, slot) in slots.into_iter().enumerate() {
        let o = match slot {
            Slot::Done(o) => o,
            Slot::Write => decided
                .remove(&i)
                .ok_or_else(|| RepoError::Storage("an insert outcome went missing".into()))?,
            // A repeat shares its first copy's fate when the content is the same (stored →
            // duplicate, rejected → rejected); different content under one id is a conflict.
            Slot::SameAs(first) if hashes[first] != hashes[i] => Stored::Rejected(Rejection::IdConflict),
            Slot::SameAs(first) => match &out[first] {
                Stored::Created(a) => Stored::Duplicate(a.id),
                Stored::Duplicate(id) => Stored::Duplicate(*id),
                Stored::Rejected(e) => Stored::Rejected(e.clone()),
            },
        };
        out.push(o);
    }
    Ok((out, positions))
}
