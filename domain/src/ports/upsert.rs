//! Bulk upserts by external id. Each call is one transaction of set-wise statements: insert
//! what is new (skipping keys another writer holds), lock what exists in key order, let
//! `decide` (a pure rule) judge each stored record against the sent one, write the changes,
//! their audit records and their change events. Results are in input order.

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::client::Client;
use crate::commission::InsurancePolicy;
use crate::ids::{CompanyId, UserId};
use crate::org::User;
use crate::upsert::{Decision, ReceiptRecordDraft, StoredReceipt, Written};
use chrono::NaiveDate;
use std::collections::HashMap;

/// A policy's receipt as the receipt upsert sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyReceipt {
    pub policy: InsurancePolicy,
    pub receipt: StoredReceipt,
}

pub trait UpsertRepo {
    /// Users by external id (any role), with their external ids.
    async fn users_by_external_id(
        &self,
        company: CompanyId,
        keys: &[String],
    ) -> Result<HashMap<String, User>, RepoError>;
    /// Which of these e-mails are taken, and by which user (in any company: e-mails sign in).
    async fn email_owners(&self, emails: &[String]) -> Result<HashMap<String, UserId>, RepoError>;
    async fn clients_by_external_id(
        &self,
        company: CompanyId,
        keys: &[String],
    ) -> Result<HashMap<String, Client>, RepoError>;
    async fn policies_by_external_id(
        &self,
        company: CompanyId,
        keys: &[String],
    ) -> Result<HashMap<String, PolicyReceipt>, RepoError>;
    /// Policy numbers already used, with the external id of the policy using each.
    async fn policy_numbers(
        &self,
        company: CompanyId,
        numbers: &[String],
    ) -> Result<HashMap<String, Option<String>>, RepoError>;
    /// Receipt external ids already used, with the policy each belongs to.
    async fn receipt_owners(
        &self,
        company: CompanyId,
        keys: &[String],
    ) -> Result<HashMap<String, uuid::Uuid>, RepoError>;

    /// `rows[i]` is the user record `i` describes (external id `keys[i]`), with a fresh id.
    async fn upsert_agents(
        &self,
        audit: &AuditContext,
        keys: &[String],
        rows: &[User],
        decide: &dyn Fn(&User, &User) -> Decision<User>,
    ) -> Result<Vec<Written>, RepoError>;
    async fn upsert_clients(
        &self,
        audit: &AuditContext,
        rows: &[Client],
        decide: &dyn Fn(&Client, &Client) -> Decision<Client>,
    ) -> Result<Vec<Written>, RepoError>;
    async fn upsert_insurance_policies(
        &self,
        audit: &AuditContext,
        keys: &[String],
        rows: &[InsurancePolicy],
        decide: &dyn Fn(&InsurancePolicy, &InsurancePolicy) -> Decision<InsurancePolicy>,
    ) -> Result<Vec<Written>, RepoError>;
    /// Receipts onto policies found by external id (`rows[i].policy_external_id`); `decide`
    /// sees the locked policy and its stored receipt.
    async fn upsert_receipts(
        &self,
        audit: &AuditContext,
        rows: &[ReceiptRecordDraft],
        decide: &dyn Fn(&PolicyReceipt, &ReceiptRecordDraft) -> Decision<NaiveDate>,
    ) -> Result<Vec<Written>, RepoError>;
}
