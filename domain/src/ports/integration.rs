//! Integration clients and their credentials.

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::ids::CompanyId;
use crate::integration::IntegrationClient;

pub trait IntegrationRepo {
    async fn insert_integration_client(&self, audit: &AuditContext, c: &IntegrationClient) -> Result<(), RepoError>;
    /// Stores a rotation or revocation (audited).
    async fn update_integration_client(
        &self,
        audit: &AuditContext,
        action: &str,
        before: &IntegrationClient,
        after: &IntegrationClient,
    ) -> Result<(), RepoError>;
    async fn get_integration_client(
        &self,
        company: CompanyId,
        id: uuid::Uuid,
    ) -> Result<Option<IntegrationClient>, RepoError>;
    /// By client id alone (the token endpoint does not know the company yet).
    async fn find_integration_client(&self, id: uuid::Uuid) -> Result<Option<IntegrationClient>, RepoError>;
    async fn list_integration_clients(
        &self,
        company: CompanyId,
        page: PageRequest,
    ) -> Result<Vec<IntegrationClient>, RepoError>;
}
