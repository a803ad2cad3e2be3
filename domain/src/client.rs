//! Clients (客户资料卡) and the bank outlets agents serve: the records, and how the fields a
//! person types become them (trimmed, phones normalised, every problem named by pointer).

use crate::ids::{BranchId, CompanyId, UserId};
use crate::org::{check_name, normalise_phone};
use crate::ValidationErrors;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Client {
    pub company_id: CompanyId,
    pub id: Uuid,
    /// The agent the client is assigned to.
    pub agent_id: UserId,
    pub name: String,
    /// Normalised (digits, leading +) so it can be matched against other numbers.
    pub phone: Option<String>,
    pub address: Option<String>,
    pub household_notes: Option<String>,
    pub tags: Vec<String>,
    /// The client's id in a CRM, unique per company.
    pub external_id: Option<String>,
    /// COM-5: the phone equals a user's or an outlet's number.
    pub phone_conflict: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outlet {
    pub company_id: CompanyId,
    pub id: Uuid,
    pub branch_id: BranchId,
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// The agents assigned to serve this outlet (QUO-OUTLET).
    pub agent_ids: Vec<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_LEN: usize = 50;
pub const MAX_TEXT_LEN: usize = 2000;

const PHONE_PROBLEM: &str = "must be a phone number of 5 to 20 digits";

/// Trimmed, de-duplicated tags (at most [`MAX_TAGS`]).
pub fn check_tags(errors: &mut ValidationErrors, tags: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, t) in tags.iter().enumerate() {
        let t = t.trim();
        if t.is_empty() || t.chars().count() > MAX_TAG_LEN {
            errors.push(format!("/tags/{i}"), format!("must be 1 to {MAX_TAG_LEN} characters"));
        } else if !out.iter().any(|x: &String| x == t) {
            out.push(t.to_owned());
        }
    }
    out.truncate(MAX_TAGS);
    out
}

/// Free text, trimmed; blank becomes absent.
pub fn check_text(errors: &mut ValidationErrors, pointer: &str, v: Option<&String>) -> Option<String> {
    let v = v?.trim();
    if v.chars().count() > MAX_TEXT_LEN {
        errors.push(pointer, "is too long");
    }
    (!v.is_empty()).then(|| v.to_owned())
}

/// A phone as typed, normalised (absent stays absent).
pub fn check_phone(errors: &mut ValidationErrors, raw: Option<&String>) -> Option<String> {
    let p = normalise_phone(raw?);
    if p.is_none() {
        errors.push("/phone", PHONE_PROBLEM);
    }
    p
}

/// A client card's fields as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientDraft {
    pub name: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub household_notes: Option<String>,
    pub tags: Vec<String>,
    pub external_id: Option<String>,
}

/// A client card's fields, checked and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFields {
    pub name: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub household_notes: Option<String>,
    pub tags: Vec<String>,
    pub external_id: Option<String>,
}

impl ClientDraft {
    pub fn parse(self) -> Result<ClientFields, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = check_name(&mut errors, "/name", &self.name);
        let phone = check_phone(&mut errors, self.phone.as_ref());
        let tags = check_tags(&mut errors, &self.tags);
        let address = check_text(&mut errors, "/address", self.address.as_ref());
        let household_notes = check_text(&mut errors, "/household_notes", self.household_notes.as_ref());
        errors.into_result(ClientFields {
            name,
            phone,
            address,
            household_notes,
            tags,
            external_id: self.external_id,
        })
    }
}

/// Changes to a client card: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientPatch {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub household_notes: Option<String>,
    pub tags: Option<Vec<String>>,
    pub external_id: Option<String>,
}

impl ClientPatch {
    /// The card after the patch (`updated_at` and the phone flag are the caller's to set).
    pub fn apply(self, before: &Client) -> Result<Client, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut after = before.clone();
        if let Some(n) = &self.name {
            after.name = check_name(&mut errors, "/name", n);
        }
        if self.phone.is_some() {
            after.phone = check_phone(&mut errors, self.phone.as_ref());
        }
        if self.address.is_some() {
            after.address = check_text(&mut errors, "/address", self.address.as_ref());
        }
        if self.household_notes.is_some() {
            after.household_notes = check_text(&mut errors, "/household_notes", self.household_notes.as_ref());
        }
        if let Some(t) = &self.tags {
            after.tags = check_tags(&mut errors, t);
        }
        if self.external_id.is_some() {
            after.external_id = self.external_id;
        }
        errors.into_result(after)
    }
}

/// An outlet's own fields as typed (its branch and agents are checked against storage).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutletDraft {
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// Changes to an outlet: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutletPatch {
    pub branch_id: Option<BranchId>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// Replaces the set of assigned agents.
    pub agent_ids: Option<Vec<Uuid>>,
}

/// An outlet's own fields, checked and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutletFields {
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
}

impl OutletDraft {
    /// The checked fields; problems are added to `errors` (the branch and the agents are
    /// checked against storage by the caller, into the same list).
    pub fn check(&self, errors: &mut ValidationErrors) -> OutletFields {
        let name = check_name(errors, "/name", &self.name);
        let phone = check_phone(errors, self.phone.as_ref());
        let address = check_text(errors, "/address", self.address.as_ref());
        OutletFields { name, address, phone }
    }
}

impl OutletPatch {
    /// The outlet with the patch's own fields and branch applied; problems are added to
    /// `errors`. Whether the branch exists, and the agents, are the caller's to check.
    pub fn apply_fields(&self, before: &Outlet, errors: &mut ValidationErrors) -> Outlet {
        let mut after = before.clone();
        if let Some(n) = &self.name {
            after.name = check_name(errors, "/name", n);
        }
        if let Some(b) = self.branch_id {
            after.branch_id = b;
        }
        if self.phone.is_some() {
            after.phone = check_phone(errors, self.phone.as_ref());
        }
        if self.address.is_some() {
            after.address = check_text(errors, "/address", self.address.as_ref());
        }
        after
    }
}

/// The assigned agents: each listed id must be one of `active_agents`; the stored set is
/// sorted and without repeats.
pub fn outlet_agents(errors: &mut ValidationErrors, ids: &[Uuid], active_agents: &[UserId]) -> Vec<UserId> {
    for (i, id) in ids.iter().enumerate() {
        if !active_agents.iter().any(|a| a.0 == *id) {
            errors.push(format!("/agent_ids/{i}"), "no such active agent");
        }
    }
    unique_ids(ids).into_iter().map(UserId).collect()
}

/// Sorted, without repeats (the form queries and assignments use).
pub fn unique_ids(ids: &[Uuid]) -> Vec<Uuid> {
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    unique
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointers(e: &ValidationErrors) -> Vec<&str> {
        e.0.iter().map(|f| f.pointer.as_str()).collect()
    }

    #[test]
    fn client_fields_are_trimmed_normalised_and_deduplicated() {
        let d = ClientDraft {
            name: " Wang Fang ".into(),
            phone: Some("+86 139-1234-5678".into()),
            address: Some("   ".into()),
            tags: vec!["vip".into(), " vip ".into()],
            ..ClientDraft::default()
        };
        let f = d.parse();
        assert_eq!(f.as_ref().map(|f| f.name.as_str()), Ok("Wang Fang"));
        assert_eq!(f.as_ref().map(|f| f.phone.clone()), Ok(Some("+8613912345678".into())));
        assert_eq!(f.as_ref().map(|f| f.address.clone()), Ok(None));
        assert_eq!(f.as_ref().map(|f| f.tags.clone()), Ok(vec!["vip".to_owned()]));
    }

    #[test]
    fn client_problems_are_all_named() {
        let d = ClientDraft {
            name: "".into(),
            phone: Some("nope".into()),
            tags: vec!["".into()],
            household_notes: Some("x".repeat(MAX_TEXT_LEN + 1)),
            ..ClientDraft::default()
        };
        let e = d.parse().err().unwrap_or_default();
        assert_eq!(pointers(&e), vec!["/name", "/phone", "/tags/0", "/household_notes"]);
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let now = Utc::now();
        let before = Client {
            company_id: CompanyId::new(),
            id: Uuid::now_v7(),
            agent_id: UserId::new(),
            name: "A".into(),
            phone: Some("13900000000".into()),
            address: Some("1 Road".into()),
            household_notes: None,
            tags: vec![],
            external_id: None,
            phone_conflict: true,
            created_at: now,
            updated_at: now,
        };
        let p = ClientPatch {
            household_notes: Some("two children".into()),
            ..ClientPatch::default()
        };
        let after = p.apply(&before);
        assert_eq!(
            after.as_ref().map(|a| (a.phone.clone(), a.household_notes.clone())),
            Ok((before.phone.clone(), Some("two children".into())))
        );
        let bad = ClientPatch {
            phone: Some("??".into()),
            ..ClientPatch::default()
        };
        assert_eq!(
            bad.apply(&before).err().map(|e| e.0[0].pointer.clone()),
            Some("/phone".into())
        );
    }

    #[test]
    fn outlet_agents_must_be_active_agents() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        let mut errors = ValidationErrors::default();
        let set = outlet_agents(&mut errors, &[b, a, b], &[UserId(a), UserId(b)]);
        assert!(errors.is_empty());
        assert_eq!(set, unique_ids(&[a, b]).into_iter().map(UserId).collect::<Vec<_>>());
        outlet_agents(&mut errors, &[a, Uuid::now_v7()], &[UserId(a)]);
        assert_eq!(pointers(&errors), vec!["/agent_ids/1"]);
    }
}
