//! Client and outlet storage.

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::client::{Client, Outlet};
use crate::ids::{CompanyId, UserId};

pub trait ClientRepo {
    async fn insert_client(&self, audit: &AuditContext, client: &Client) -> Result<(), RepoError>;
    async fn update_client(
        &self,
        audit: &AuditContext,
        action: &str,
        before: &Client,
        after: &Client,
    ) -> Result<(), RepoError>;
    async fn get_client(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<Client>, RepoError>;
    async fn list_clients(
        &self,
        company: CompanyId,
        scope: &ListScope,
        page: PageRequest,
    ) -> Result<Vec<Client>, RepoError>;
    /// Of `ids`, those that exist and are assigned to `agent` (one query for a whole batch).
    async fn clients_of_agent(
        &self,
        company: CompanyId,
        agent: UserId,
        ids: &[uuid::Uuid],
    ) -> Result<Vec<uuid::Uuid>, RepoError>;
    /// The agent's clients whose normalised phone is among `phones`: (phone, client id).
    async fn clients_by_phone(
        &self,
        company: CompanyId,
        agent: UserId,
        phones: &[String],
    ) -> Result<Vec<(String, uuid::Uuid)>, RepoError>;
    /// COM-5: is this normalised number any user's or outlet's phone in the company?
    async fn phone_belongs_to_staff_or_outlet(&self, company: CompanyId, phone: &str) -> Result<bool, RepoError>;
}

pub trait OutletRepo {
    async fn insert_outlet(&self, audit: &AuditContext, outlet: &Outlet) -> Result<(), RepoError>;
    async fn update_outlet(&self, audit: &AuditContext, before: &Outlet, after: &Outlet) -> Result<(), RepoError>;
    async fn get_outlet(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<Outlet>, RepoError>;
    async fn list_outlets(&self, company: CompanyId, page: PageRequest) -> Result<Vec<Outlet>, RepoError>;
    /// Of `ids`, the outlets `agent` is assigned to.
    async fn outlets_of_agent(
        &self,
        company: CompanyId,
        agent: UserId,
        ids: &[uuid::Uuid],
    ) -> Result<Vec<uuid::Uuid>, RepoError>;
}
