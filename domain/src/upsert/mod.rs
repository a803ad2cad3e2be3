//! Bulk upsert by a CRM's own ids: the records a CRM sends for agents, clients, policies and
//! receipts, how each is checked, and how a stored record meets a sent one (unchanged, updated,
//! or refused). Pointers are relative to the record; the edge puts them under `/records/{i}`.

use crate::client::{Client, ClientDraft};
use crate::commission::InsurancePolicy;
use crate::errors::ErrorCode;
use crate::ids::{BranchId, CompanyId, TeamId, UserId};
use crate::org::{check_name, normalise_email, normalise_phone, Role, User};
use crate::ValidationErrors;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// The most records one upsert takes.
pub const MAX_RECORDS: usize = 1000;
pub const MAX_EXTERNAL_ID_LEN: usize = 128;

/// A CRM's id for a record: trimmed, 1 to 128 characters, no control characters.
pub fn check_external_id(errors: &mut ValidationErrors, pointer: &str, raw: &str) -> String {
    let v = raw.trim();
    if v.is_empty() || v.chars().count() > MAX_EXTERNAL_ID_LEN || v.chars().any(char::is_control) {
        errors.push(
            pointer,
            format!("must be 1 to {MAX_EXTERNAL_ID_LEN} characters without control characters"),
        );
    }
    v.to_owned()
}

/// Why a record is not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Field problems (pointers relative to the record).
    Invalid(ValidationErrors),
    /// A state the record cannot change (the code's row gives the status).
    Rejected(ErrorCode, String),
}

impl From<ValidationErrors> for Refusal {
    fn from(e: ValidationErrors) -> Self {
        Refusal::Invalid(e)
    }
}

/// How a stored record meets the one sent for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<T> {
    Unchanged,
    Update(T),
    Refuse(Refusal),
}

/// What happened to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    Created(Uuid),
    Updated(Uuid),
    Unchanged(Uuid),
    Refused(Refusal),
}

/// For each key, the index of its first occurrence when it repeats an earlier one: a batch
/// names each record once, and later copies are refused rather than applied in some order.
pub fn repeats<K: Eq + std::hash::Hash + Clone>(keys: &[Option<K>]) -> Vec<Option<usize>> {
    let mut first: std::collections::HashMap<K, usize> = std::collections::HashMap::new();
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            let k = k.as_ref()?;
            match first.get(k) {
                Some(f) => Some(*f),
                None => {
                    first.insert(k.clone(), i);
                    None
                }
            }
        })
        .collect()
}

// ---------------------------------------------------------------- agents

/// An agent as a CRM sends it. Agents made this way have no password (an admin sets one
/// before they can sign in); `active: false` deactivates them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRecordDraft {
    pub external_id: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub team_id: Uuid,
    pub active: bool,
}

/// An agent record, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRecord {
    pub external_id: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub team_id: TeamId,
    pub active: bool,
}

impl AgentRecordDraft {
    pub fn parse(self) -> Result<AgentRecord, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let external_id = check_external_id(&mut errors, "/external_id", &self.external_id);
        let name = check_name(&mut errors, "/name", &self.name);
        let email = normalise_email(&self.email);
        if email.len() < 3 || email.len() > 320 || !email.contains('@') || email.chars().any(char::is_whitespace) {
            errors.push("/email", "must be an e-mail address");
        }
        let phone = match &self.phone {
            Some(p) => {
                let n = normalise_phone(p);
                if n.is_none() {
                    errors.push("/phone", "must be a phone number of 5 to 20 digits");
                }
                n
            }
            None => None,
        };
        errors.into_result(AgentRecord {
            external_id,
            name,
            email,
            phone,
            team_id: TeamId(self.team_id),
            active: self.active,
        })
    }
}

/// A new agent from a record (in the team's branch, without a password).
pub fn new_agent(company: CompanyId, r: &AgentRecord, branch: BranchId, now: DateTime<Utc>) -> User {
    User {
        company_id: company,
        id: UserId::new(),
        email: r.email.clone(),
        name: r.name.clone(),
        phone: r.phone.clone(),
        role: Role::Agent,
        branch_id: Some(branch),
        team_id: Some(r.team_id),
        active: r.active,
        password_hash: String::new(),
        token_generation: 0,
        created_at: now,
        updated_at: now,
    }
}

/// A stored user meeting an agent record: only agents are managed this way; deactivation
/// ends the agent's tokens (their generation moves on).
pub fn apply_agent_record(before: &User, sent: &User, now: DateTime<Utc>) -> Decision<User> {
    if before.role != Role::Agent {
        return Decision::Refuse(Refusal::Invalid(ValidationErrors::single(
            "/external_id",
            "belongs to a user who is not an agent",
        )));
    }
    let mut after = User {
        email: sent.email.clone(),
        name: sent.name.clone(),
        phone: sent.phone.clone(),
        branch_id: sent.branch_id,
        team_id: sent.team_id,
        active: sent.active,
        ..before.clone()
    };
    if after == *before {
        return Decision::Unchanged;
    }
    if before.active && !after.active {
        after.token_generation = before.token_generation + 1;
    }
    after.updated_at = now;
    Decision::Update(after)
}

// ---------------------------------------------------------------- clients

/// A client as a CRM sends it: the card's fields and its agent by the CRM's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRecordDraft {
    pub external_id: String,
    pub agent_external_id: String,
    pub fields: ClientDraft,
}

/// A client record, checked (the agent still to be resolved by its external id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRecord {
    pub external_id: String,
    pub agent_external_id: String,
    pub fields: crate::client::ClientFields,
}

impl ClientRecordDraft {
    pub fn parse(self) -> Result<ClientRecord, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let external_id = check_external_id(&mut errors, "/external_id", &self.external_id);
        let agent_external_id = check_external_id(&mut errors, "/agent_external_id", &self.agent_external_id);
        let fields = match self.fields.parse() {
            Ok(f) => Some(f),
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        };
        match fields {
            Some(mut fields) if errors.is_empty() => {
                fields.external_id = Some(external_id.clone());
                Ok(ClientRecord {
                    external_id,
                    agent_external_id,
                    fields,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A client card from a record, for `agent`, with its phone flag as found.
pub fn client_from_record(
    company: CompanyId,
    r: &ClientRecord,
    agent: UserId,
    phone_conflict: bool,
    now: DateTime<Utc>,
) -> Client {
    Client {
        company_id: company,
        id: Uuid::now_v7(),
        agent_id: agent,
        name: r.fields.name.clone(),
        phone: r.fields.phone.clone(),
        address: r.fields.address.clone(),
        household_notes: r.fields.household_notes.clone(),
        tags: r.fields.tags.clone(),
        external_id: Some(r.external_id.clone()),
        phone_conflict,
        created_at: now,
        updated_at: now,
    }
}

/// A stored card meeting the one a record describes: every field is the record's (a record is
/// the CRM's whole view of the card, so an omitted optional field is cleared).
pub fn apply_client_record(before: &Client, sent: &Client, now: DateTime<Utc>) -> Decision<Client> {
    let after = Client {
        agent_id: sent.agent_id,
        name: sent.name.clone(),
        phone: sent.phone.clone(),
        address: sent.address.clone(),
        household_notes: sent.household_notes.clone(),
        tags: sent.tags.clone(),
        phone_conflict: sent.phone_conflict,
        ..before.clone()
    };
    if after == *before {
        return Decision::Unchanged;
    }
    Decision::Update(Client {
        updated_at: now,
        ..after
    })
}

// ---------------------------------------------------------------- policies

/// A policy as a CRM sends it, its agent and client by the CRM's ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecordDraft {
    pub external_id: String,
    pub number: String,
    pub agent_external_id: String,
    pub client_external_id: String,
    pub product: String,
    pub premium_fen: i64,
    pub commission_fen: i64,
    pub printed_on: NaiveDate,
    pub effective_on: NaiveDate,
}

impl PolicyRecordDraft {
    /// The record's own fields checked (the references are resolved by the caller).
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        check_external_id(&mut errors, "/external_id", &self.external_id);
        check_external_id(&mut errors, "/agent_external_id", &self.agent_external_id);
        check_external_id(&mut errors, "/client_external_id", &self.client_external_id);
        check_name(&mut errors, "/product", &self.product);
        if self.number.trim().chars().count() > 64 {
            errors.push("/number", "must be at most 64 characters");
        }
        if self.premium_fen < 0 {
            errors.push("/premium_fen", "must not be negative");
        }
        if self.commission_fen < 0 {
            errors.push("/commission_fen", "must not be negative");
        }
        errors.into_result(())
    }
}

/// The policy's terms that settle commission: once recorded they never change (a correction
/// is a new policy), so a record that differs in them is refused, naming each.
pub fn apply_policy_record(before: &InsurancePolicy, sent: &InsurancePolicy) -> Decision<InsurancePolicy> {
    let mut errors = ValidationErrors::default();
    let fixed = "cannot change once the policy is recorded";
    if before.agent_id != sent.agent_id {
        errors.push("/agent_external_id", fixed);
    }
    if before.client_id != sent.client_id {
        errors.push("/client_external_id", fixed);
    }
    if before.premium_fen != sent.premium_fen {
        errors.push("/premium_fen", fixed);
    }
    if before.commission_fen != sent.commission_fen {
        errors.push("/commission_fen", fixed);
    }
    if before.printed_on != sent.printed_on {
        errors.push("/printed_on", fixed);
    }
    if before.effective_on != sent.effective_on {
        errors.push("/effective_on", fixed);
    }
    if !errors.is_empty() {
        return Decision::Refuse(Refusal::Invalid(errors));
    }
    if before.number == sent.number && before.product == sent.product {
        return Decision::Unchanged;
    }
    Decision::Update(InsurancePolicy {
        number: sent.number.clone(),
        product: sent.product.clone(),
        ..before.clone()
    })
}

// ---------------------------------------------------------------- receipts

/// A receipt as a CRM sends it: the policy (by the CRM's id) and the day it came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRecordDraft {
    pub external_id: String,
    pub policy_external_id: String,
    pub returned_on: NaiveDate,
}

/// A policy's receipt as stored: its CRM id and return day, if recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReceipt {
    pub external_id: Option<String>,
    pub returned_on: Option<NaiveDate>,
}

/// A receipt record meeting its policy: the return is recorded once, on a day between printing
/// and the branch's today; the same receipt sent again is unchanged, another one refused.
pub fn decide_receipt(
    stored: &StoredReceipt,
    sent: &ReceiptRecordDraft,
    printed_on: NaiveDate,
    today: NaiveDate,
) -> Decision<NaiveDate> {
    match (&stored.external_id, stored.returned_on) {
        (Some(id), Some(day)) if *id == sent.external_id && day == sent.returned_on => Decision::Unchanged,
        (_, Some(_)) => Decision::Refuse(Refusal::Rejected(
            ErrorCode::ReceiptAlreadyRecorded,
            "the policy's receipt is already recorded".into(),
        )),
        _ if sent.returned_on < printed_on || sent.returned_on > today => Decision::Refuse(Refusal::Invalid(
            ValidationErrors::single("/returned_on", "must be between the printed date and today"),
        )),
        _ => Decision::Update(sent.returned_on),
    }
}

#[cfg(test)]
mod tests;
