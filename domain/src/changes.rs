//! The change feed: every state change a CRM or an app cares about is an event with a
//! server-assigned position, gap-free and in commit order per company (storage guarantees
//! that). Here: the vocabulary of event types, the stored event, how a device's sync groups
//! events per entity, and the device's sync cursor.

use crate::ids::UserId;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The API version events are rendered in.
pub const API_VERSION: &str = "v1";

/// The kinds of resource the feed reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Activity,
    Client,
    Diary,
    InsurancePolicy,
    LeadMovement,
    Penalty,
    Statement,
    User,
    Violation,
}

impl Resource {
    pub const ALL: [Resource; 9] = [
        Resource::Activity,
        Resource::Client,
        Resource::Diary,
        Resource::InsurancePolicy,
        Resource::LeadMovement,
        Resource::Penalty,
        Resource::Statement,
        Resource::User,
        Resource::Violation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Activity => "activity",
            Resource::Client => "client",
            Resource::Diary => "diary",
            Resource::InsurancePolicy => "policy",
            Resource::LeadMovement => "lead_movement",
            Resource::Penalty => "penalty",
            Resource::Statement => "statement",
            Resource::User => "user",
            Resource::Violation => "violation",
        }
    }

    pub fn parse(s: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Where a person reads the resource by id (diaries are read by agent and date, lead
    /// movements per agent; the event's data carries what they need).
    pub fn href(self, id: Uuid) -> Option<String> {
        match self {
            Resource::Activity => Some(format!("/v1/activities/{id}")),
            Resource::Client => Some(format!("/v1/clients/{id}")),
            Resource::InsurancePolicy => Some(format!("/v1/policies/{id}")),
            Resource::Penalty => Some(format!("/v1/penalties/{id}")),
            Resource::Statement => Some(format!("/v1/statements/{id}")),
            Resource::User => Some(format!("/v1/users/{id}")),
            Resource::Violation => Some(format!("/v1/quality/violations/{id}")),
            Resource::Diary | Resource::LeadMovement => None,
        }
    }
}

macro_rules! change_types {
    ($($v:ident => ($s:literal, $res:ident, $kind:ident)),* $(,)?) => {
        /// What happened to a resource. Stored and sent as `resource.verb`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ChangeType { $($v),* }

        impl ChangeType {
            pub const ALL: &'static [ChangeType] = &[$(ChangeType::$v),*];

            pub fn as_str(self) -> &'static str {
                match self { $(ChangeType::$v => $s),* }
            }

            pub fn resource(self) -> Resource {
                match self { $(ChangeType::$v => Resource::$res),* }
            }

            /// Whether the event creates, changes or removes its resource.
            pub fn effect(self) -> Effect {
                match self { $(ChangeType::$v => Effect::$kind),* }
            }

            pub fn parse(s: &str) -> Option<ChangeType> {
                match s { $($s => Some(ChangeType::$v),)* _ => None }
            }
        }
    };
}

/// What an event does to its resource's existence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Creates,
    Changes,
    /// A tombstone: the resource is deleted or voided and no longer counts.
    Removes,
}

change_types! {
    ActivityCreated => ("activity.created", Activity, Creates),
    ActivityVoided => ("activity.voided", Activity, Removes),
    ClientCreated => ("client.created", Client, Creates),
    ClientUpdated => ("client.updated", Client, Changes),
    ClientReassigned => ("client.reassigned", Client, Changes),
    DiaryUpdated => ("diary.updated", Diary, Changes),
    DiarySubmitted => ("diary.submitted", Diary, Changes),
    DiaryApproved => ("diary.approved", Diary, Changes),
    DiaryReturned => ("diary.returned", Diary, Changes),
    PolicyCreated => ("policy.created", InsurancePolicy, Creates),
    PolicyUpdated => ("policy.updated", InsurancePolicy, Changes),
    PolicyReceiptRecorded => ("policy.receipt_recorded", InsurancePolicy, Changes),
    PolicyStepRecorded => ("policy.step_recorded", InsurancePolicy, Changes),
    LeadsAllocated => ("lead_movement.allocated", LeadMovement, Creates),
    PenaltyPosted => ("penalty.posted", Penalty, Creates),
    PenaltyWaived => ("penalty.waived", Penalty, Creates),
    StatementClosed => ("statement.closed", Statement, Creates),
    ViolationReported => ("violation.reported", Violation, Creates),
    ViolationUpdated => ("violation.updated", Violation, Changes),
    UserCreated => ("user.created", User, Creates),
    UserUpdated => ("user.updated", User, Changes),
    UserDeactivated => ("user.deactivated", User, Changes),
}

/// One stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEvent {
    /// Gap-free and in commit order within the company.
    pub position: i64,
    pub id: Uuid,
    pub change_type: ChangeType,
    pub resource_id: Uuid,
    /// The person the resource belongs to after the change (for a user: the user).
    pub agent_id: Option<UserId>,
    /// The person it belonged to before, when the change moved it to someone else.
    pub previous_agent_id: Option<UserId>,
    /// The resource as it was written.
    pub data: Option<serde_json::Value>,
    pub at: DateTime<Utc>,
}

impl ChangeEvent {
    pub fn tombstone(&self) -> bool {
        self.change_type.effect() == Effect::Removes
    }
}

/// One entity's changes for a device: what to create, update and delete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityDelta {
    pub created: Vec<Uuid>,
    pub updated: Vec<Uuid>,
    pub deleted: Vec<Uuid>,
}

/// A device's view of events: whether the resource is on the device after each event (by the
/// owner it belongs to then) and whether it was there before.
fn presence(e: &ChangeEvent, sees: &dyn Fn(UserId) -> bool) -> Option<(bool, bool)> {
    let now = e.agent_id.is_some_and(sees);
    let moved = e.previous_agent_id.is_some_and(|p| Some(p) != e.agent_id);
    let before_visible = if moved {
        e.previous_agent_id.is_some_and(sees)
    } else {
        now
    };
    let existed_before = before_visible && e.change_type.effect() != Effect::Creates;
    let present_after = now && e.change_type.effect() != Effect::Removes;
    (existed_before || present_after || before_visible).then_some((existed_before, present_after))
}

/// What a device (seeing the records of the people `sees` accepts) must do to catch up with
/// `events` (in position order), per entity. A record is `created` when it was not on the
/// device before the first event and is at the end (made, or moved to a person the device
/// sees), `updated` when it was and still is, `deleted` when it was and no longer is (voided,
/// or moved to someone the device does not see); made and gone within the window, it is left
/// out.
pub fn sync_delta(events: &[ChangeEvent], sees: &dyn Fn(UserId) -> bool) -> BTreeMap<Resource, EntityDelta> {
    // Per resource: on the device before its first event, after its last, and the index of
    // its first event.
    type Seen = (bool, bool, usize);
    let mut state: BTreeMap<(Resource, Uuid), Seen> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        let Some((before, after)) = presence(e, sees) else {
            continue;
        };
        state
            .entry((e.change_type.resource(), e.resource_id))
            .and_modify(|s| s.1 = after)
            .or_insert((before, after, i));
    }
    // Report in the order each entity was first touched, so the answer is stable.
    let mut ordered: Vec<((Resource, Uuid), Seen)> = state.into_iter().collect();
    ordered.sort_by_key(|(_, (_, _, first))| *first);
    let mut out: BTreeMap<Resource, EntityDelta> = BTreeMap::new();
    for ((resource, id), (before, after, _)) in ordered {
        let d = out.entry(resource).or_default();
        match (before, after) {
            (false, true) => d.created.push(id),
            (true, true) => d.updated.push(id),
            (true, false) => d.deleted.push(id),
            (false, false) => {}
        }
    }
    out
}

/// The most ranges of the device's own uploads a sync cursor remembers; beyond it the oldest
/// is forgotten, so those writes come back once (never is anything skipped).
pub const MAX_OWN_RANGES: usize = 32;

/// Where a device's sync stands: every event up to `after` is applied, and the positions in
/// `own` (inclusive ranges above `after`) are the device's own uploads, which it never needs
/// back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncCursor {
    pub after: i64,
    pub own: Vec<(i64, i64)>,
}

impl SyncCursor {
    pub fn at(after: i64) -> SyncCursor {
        SyncCursor { after, own: vec![] }
    }

    /// Ranges sorted, merged, and only those above `after`; a range that starts right after
    /// `after` is folded into it.
    fn normalised(mut self) -> SyncCursor {
        self.own.retain(|(a, b)| a <= b && *b > self.after);
        self.own.sort();
        let mut merged: Vec<(i64, i64)> = Vec::new();
        for (a, b) in self.own {
            match merged.last_mut() {
                Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let mut after = self.after;
        while let Some(first) = merged.first().copied() {
            if first.0 <= after + 1 {
                after = after.max(first.1);
                merged.remove(0);
            } else {
                break;
            }
        }
        if merged.len() > MAX_OWN_RANGES {
            merged.drain(..merged.len() - MAX_OWN_RANGES);
        }
        SyncCursor { after, own: merged }
    }

    /// The cursor after the device uploaded what took positions `first..=last`.
    pub fn with_own_writes(self, first: i64, last: i64) -> SyncCursor {
        let mut c = self;
        c.own.push((first, last));
        c.normalised()
    }

    /// The cursor once every event up to `through` has been read.
    pub fn advanced_to(self, through: i64) -> SyncCursor {
        SyncCursor {
            after: self.after.max(through),
            own: self.own,
        }
        .normalised()
    }

    /// `after` alone, or `after;a-b,c-d` with the own ranges.
    pub fn encode(&self) -> String {
        if self.own.is_empty() {
            return self.after.to_string();
        }
        let ranges: Vec<String> = self.own.iter().map(|(a, b)| format!("{a}-{b}")).collect();
        format!("{};{}", self.after, ranges.join(","))
    }

    pub fn decode(s: &str) -> Option<SyncCursor> {
        let (after, rest) = match s.split_once(';') {
            Some((a, r)) => (a, Some(r)),
            None => (s, None),
        };
        let after: i64 = after.parse().ok().filter(|a| *a >= 0)?;
        let mut own = Vec::new();
        for r in rest.map(|r| r.split(',')).into_iter().flatten() {
            let (a, b) = r.split_once('-')?;
            let (a, b): (i64, i64) = (a.parse().ok()?, b.parse().ok()?);
            if a > b || a <= after {
                return None;
            }
            own.push((a, b));
        }
        if own.len() > MAX_OWN_RANGES {
            return None;
        }
        Some(SyncCursor { after, own }.normalised())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(position: i64, t: ChangeType, id: u128, agent: u128, previous: Option<u128>) -> ChangeEvent {
        ChangeEvent {
            position,
            id: Uuid::now_v7(),
            change_type: t,
            resource_id: Uuid::from_u128(id),
            agent_id: Some(UserId(Uuid::from_u128(agent))),
            previous_agent_id: previous.map(|p| UserId(Uuid::from_u128(p))),
            data: None,
            at: Utc::now(),
        }
    }

    #[test]
    fn a_device_sees_made_changed_voided_and_moved_away_records_once_each() {
        use ChangeType::*;
        let me = UserId(Uuid::from_u128(1));
        let sees = move |u: UserId| u == me;
        let events = vec![
            ev(1, ClientCreated, 10, 1, None),
            ev(2, ClientUpdated, 10, 1, None),
            ev(3, ClientUpdated, 11, 1, None),
            ev(4, ClientReassigned, 11, 2, Some(1)),
            ev(5, ActivityCreated, 20, 1, None),
            ev(6, ActivityVoided, 20, 1, None),
            ev(7, ActivityVoided, 21, 1, None),
            ev(8, ClientCreated, 12, 2, None),
            ev(9, ClientReassigned, 13, 1, Some(2)),
        ];
        let d = sync_delta(&events, &sees);
        let clients = d.get(&Resource::Client).cloned().unwrap_or_default();
        assert_eq!(clients.created, vec![Uuid::from_u128(10), Uuid::from_u128(13)]);
        assert_eq!(clients.deleted, vec![Uuid::from_u128(11)]);
        assert!(clients.updated.is_empty());
        let acts = d.get(&Resource::Activity).cloned().unwrap_or_default();
        // Made and voided within the window: the device never needs it.
        assert_eq!(acts.deleted, vec![Uuid::from_u128(21)]);
        assert!(acts.created.is_empty());
        let company = sync_delta(&events, &|_| true);
        let all = company.get(&Resource::Client).cloned().unwrap_or_default();
        assert_eq!(all.updated, vec![Uuid::from_u128(11), Uuid::from_u128(13)]);
    }

    #[test]
    fn a_sync_cursor_skips_the_devices_own_uploads_and_nothing_else() {
        let c = SyncCursor::at(5).with_own_writes(9, 12);
        assert_eq!(c.encode(), "5;9-12");
        assert_eq!(SyncCursor::decode("5;9-12"), Some(c.clone()));
        // Reading through 8 leaves the own range ahead; reading through 8 then folds it in.
        assert_eq!(c.clone().advanced_to(8).encode(), "12");
        assert_eq!(c.clone().advanced_to(7).encode(), "7;9-12");
        // An upload right after the cursor moves it on directly.
        assert_eq!(SyncCursor::at(8).with_own_writes(9, 12).encode(), "12");
        assert_eq!(SyncCursor::decode("x"), None);
        assert_eq!(SyncCursor::decode("5;4-6"), None);
        assert_eq!(SyncCursor::decode("-1"), None);
        let mut many = SyncCursor::at(0);
        for i in 0..40 {
            many = many.with_own_writes(10 * i + 2, 10 * i + 3);
        }
        assert_eq!(many.own.len(), MAX_OWN_RANGES);
        assert_eq!(many.own.first(), Some(&(82, 83)));
    }

    #[test]
    fn change_types_round_trip_and_name_their_resource() {
        for t in ChangeType::ALL {
            assert_eq!(ChangeType::parse(t.as_str()), Some(*t));
            assert!(t.as_str().starts_with(t.resource().as_str()));
        }
        assert!(ChangeType::ActivityVoided.effect() == Effect::Removes);
    }
}
