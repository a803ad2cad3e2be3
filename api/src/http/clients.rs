//! Clients (客户资料卡) and bank outlets.

use super::{
    audit_ctx, insert_location, next_cursor, with_etag, IdPath, PageParams, TAG_AGENT, TAG_BACK_OFFICE,
    TAG_INTEGRATION, TAG_SUPERVISOR,
};
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::access::{Function, Owner, Reach};
use domain::client::{Client, Outlet, MAX_TAGS, MAX_TAG_LEN, MAX_TEXT_LEN};
use domain::ids::{BranchId, CompanyId, UserId};
use domain::org::{check_name, normalise_phone, Role};
use domain::ports::{ClientRepo, OrganisationRepo, OutletRepo, RepoError};
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClientDto {
    pub id: Uuid,
    /// The agent the client is assigned to.
    pub agent_id: Uuid,
    pub name: String,
    /// Normalised: digits only, a leading + kept.
    pub phone: Option<String>,
    pub address: Option<String>,
    pub household_notes: Option<String>,
    pub tags: Vec<String>,
    /// The client's id in an external CRM (unique per company).
    pub external_id: Option<String>,
    /// The phone equals a user's or an outlet's number (COM-5): accepted, but flagged.
    pub phone_conflict: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Client> for ClientDto {
    fn from(c: &Client) -> Self {
        ClientDto {
            id: c.id,
            agent_id: c.agent_id.0,
            name: c.name.clone(),
            phone: c.phone.clone(),
            address: c.address.clone(),
            household_notes: c.household_notes.clone(),
            tags: c.tags.clone(),
            external_id: c.external_id.clone(),
            phone_conflict: c.phone_conflict,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClient {
    #[schema(example = "Wang Fang", max_length = 200)]
    pub name: String,
    #[schema(example = "+86 139 1234 5678")]
    pub phone: Option<String>,
    #[validate(length(max = 2000, message = "is too long"))]
    #[schema(max_length = 2000)]
    pub address: Option<String>,
    #[validate(length(max = 2000, message = "is too long"))]
    #[schema(max_length = 2000)]
    pub household_notes: Option<String>,
    #[validate(length(max = 20, message = "at most 20 tags"))]
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(max_length = 200)]
    pub external_id: Option<String>,
    /// The agent to assign; agents omit it (their own client), supervisors and admins name one.
    pub agent_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClient {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    pub phone: Option<String>,
    #[validate(length(max = 2000, message = "is too long"))]
    #[schema(max_length = 2000)]
    pub address: Option<String>,
    #[validate(length(max = 2000, message = "is too long"))]
    #[schema(max_length = 2000)]
    pub household_notes: Option<String>,
    #[validate(length(max = 20, message = "at most 20 tags"))]
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(max_length = 200)]
    pub external_id: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignClient {
    /// The agent who takes the client over.
    pub agent_id: Uuid,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClientPage {
    pub items: Vec<ClientDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

fn check_tags(errors: &mut ValidationErrors, tags: &[String]) -> Vec<String> {
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

fn check_text(errors: &mut ValidationErrors, pointer: &str, v: Option<&String>) -> Option<String> {
    let v = v?.trim();
    if v.chars().count() > MAX_TEXT_LEN {
        errors.push(pointer, "is too long");
    }
    (!v.is_empty()).then(|| v.to_owned())
}

/// Normalises a phone and decides COM-5's `phone_conflict`.
async fn phone_and_conflict(
    state: &AppState,
    company: CompanyId,
    raw: Option<&String>,
    errors: &mut ValidationErrors,
) -> Result<(Option<String>, bool), ApiError> {
    let Some(raw) = raw else {
        return Ok((None, false));
    };
    let Some(phone) = normalise_phone(raw) else {
        errors.push("/phone", "must be a phone number of 5 to 20 digits");
        return Ok((None, false));
    };
    let conflict = state.db.phone_belongs_to_staff_or_outlet(company, &phone).await?;
    Ok((Some(phone), conflict))
}

fn external_id_taken(e: RepoError) -> ApiError {
    match e {
        RepoError::Conflict(_) => ApiError::field("/external_id", "is already used by another client"),
        other => other.into(),
    }
}

/// An agent within the caller's reach, for assigning clients (supervisors: their teams).
async fn assignable_agent(
    state: &AppState,
    auth: &Authenticated,
    reach: &Reach,
    id: Uuid,
    pointer: &str,
) -> Result<UserId, ApiError> {
    let user = state.db.get_user(auth.actor.company_id, UserId(id)).await?;
    match user {
        Some(u)
            if u.role == Role::Agent
                && u.active
                && auth.actor.can_see(
                    reach,
                    Owner {
                        company_id: u.company_id,
                        user_id: Some(u.id),
                        team_id: u.team_id,
                    },
                ) =>
        {
            Ok(u.id)
        }
        _ => Err(ApiError::field(pointer, "no such active agent within your reach")),
    }
}

fn client_owner(state_team: Option<domain::ids::TeamId>, c: &Client) -> Owner {
    Owner {
        company_id: c.company_id,
        user_id: Some(c.agent_id),
        team_id: state_team,
    }
}

/// Loads a client the caller may see under `function` (404 otherwise).
async fn load_client(
    state: &AppState,
    auth: &Authenticated,
    function: Function,
    id: Uuid,
) -> Result<(Client, Reach), ApiError> {
    let reach = auth.actor.require(function)?;
    let client = state
        .db
        .get_client(auth.actor.company_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("client"))?;
    let team = match &reach {
        Reach::Teams { .. } => state
            .db
            .get_user(client.company_id, client.agent_id)
            .await?
            .and_then(|u| u.team_id),
        _ => None,
    };
    if !auth.actor.can_see(&reach, client_owner(team, &client)) {
        return Err(ApiError::not_found("client"));
    }
    Ok((client, reach))
}

/// Create a client card.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_INTEGRATION],
    request_body = CreateClient,
    responses(
        (status = 201, description = "Created", body = ClientDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot manage clients", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/clients")]
pub async fn create_client(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CreateClient>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ManageClients)?;
    let company = auth.actor.company_id;
    let b = &body.0;
    let agent_id = match (auth.actor.role, b.agent_id) {
        (Role::Agent, None) => auth.actor.user_id,
        (Role::Agent, Some(a)) if a == auth.actor.user_id.0 => auth.actor.user_id,
        (Role::Agent, Some(_)) => {
            return Err(ApiError::field(
                "/agent_id",
                "agents create clients for themselves only",
            ))
        }
        (_, None) => return Err(ApiError::field("/agent_id", "name the agent the client is assigned to")),
        (_, Some(a)) => assignable_agent(&state, &auth, &reach, a, "/agent_id").await?,
    };
    let mut errors = ValidationErrors::default();
    let name = check_name(&mut errors, "/name", &b.name);
    let (phone, phone_conflict) = phone_and_conflict(&state, company, b.phone.as_ref(), &mut errors).await?;
    let tags = check_tags(&mut errors, b.tags.as_deref().unwrap_or_default());
    let address = check_text(&mut errors, "/address", b.address.as_ref());
    let household_notes = check_text(&mut errors, "/household_notes", b.household_notes.as_ref());
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let now = state.clock.now();
    let client = Client {
        company_id: company,
        id: Uuid::now_v7(),
        agent_id,
        name,
        phone,
        address,
        household_notes,
        tags,
        external_id: b.external_id.clone(),
        phone_conflict,
        created_at: now,
        updated_at: now,
    };
    state
        .db
        .insert_client(&audit_ctx(&req, &state, &auth.actor), &client)
        .await
        .map_err(external_id_taken)?;
    let mut resp = with_etag(&req, StatusCode::CREATED, &ClientDto::from(&client));
    insert_location(&mut resp, &format!("/v1/clients/{}", client.id));
    Ok(resp)
}

/// List the clients within the caller's reach.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(PageParams),
    responses(
        (status = 200, description = "A page of clients", body = ClientPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/clients")]
pub async fn list_clients(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadClients)?;
    let page = q.page_request()?;
    let rows = state
        .db
        .list_clients(auth.actor.company_id, &reach.person_scope(), page)
        .await?;
    Ok(HttpResponse::Ok().json(ClientPage {
        next_cursor: next_cursor(&rows, page.limit, |c| c.id),
        items: rows.iter().map(ClientDto::from).collect(),
    }))
}

/// Read a client card.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The client", body = ClientDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/clients/{id}")]
pub async fn get_client(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let (client, _) = load_client(&state, &auth, Function::ReadClients, path.id).await?;
    Ok(with_etag(&req, StatusCode::OK, &ClientDto::from(&client)))
}

/// Edit a client card (its owner, their supervisor, or an admin). Reassignment is a separate action.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(IdPath),
    request_body = UpdateClient,
    responses(
        (status = 200, description = "Updated", body = ClientDto),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot manage clients", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/clients/{id}")]
pub async fn update_client(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<UpdateClient>,
) -> Result<HttpResponse, ApiError> {
    let (before, _) = load_client(&state, &auth, Function::ManageClients, path.id).await?;
    let b = &body.0;
    let mut errors = ValidationErrors::default();
    let mut after = before.clone();
    if let Some(n) = &b.name {
        after.name = check_name(&mut errors, "/name", n);
    }
    if b.phone.is_some() {
        (after.phone, after.phone_conflict) =
            phone_and_conflict(&state, before.company_id, b.phone.as_ref(), &mut errors).await?;
    }
    if b.address.is_some() {
        after.address = check_text(&mut errors, "/address", b.address.as_ref());
    }
    if b.household_notes.is_some() {
        after.household_notes = check_text(&mut errors, "/household_notes", b.household_notes.as_ref());
    }
    if let Some(t) = &b.tags {
        after.tags = check_tags(&mut errors, t);
    }
    if b.external_id.is_some() {
        after.external_id = b.external_id.clone();
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    after.updated_at = state.clock.now();
    state
        .db
        .update_client(&audit_ctx(&req, &state, &auth.actor), "update", &before, &after)
        .await
        .map_err(external_id_taken)?;
    Ok(with_etag(&req, StatusCode::OK, &ClientDto::from(&after)))
}

/// Reassign a client to another agent (a supervisor within their teams, or an admin). Audited.
#[utoipa::path(
    tags = [TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(IdPath),
    request_body = ReassignClient,
    responses(
        (status = 200, description = "Reassigned", body = ClientDto),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a supervisor or admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The target is not an active agent within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/clients/{id}/reassign")]
pub async fn reassign_client(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<ReassignClient>,
) -> Result<HttpResponse, ApiError> {
    let (before, reach) = load_client(&state, &auth, Function::ReassignClients, path.id).await?;
    let agent_id = assignable_agent(&state, &auth, &reach, body.agent_id, "/agent_id").await?;
    if agent_id == before.agent_id {
        return Ok(with_etag(&req, StatusCode::OK, &ClientDto::from(&before)));
    }
    let after = Client {
        agent_id,
        updated_at: state.clock.now(),
        ..before.clone()
    };
    state
        .db
        .update_client(&audit_ctx(&req, &state, &auth.actor), "reassign", &before, &after)
        .await?;
    Ok(with_etag(&req, StatusCode::OK, &ClientDto::from(&after)))
}

// ---------------------------------------------------------------- outlets

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutletDto {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// The agents assigned to serve this outlet.
    pub agent_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Outlet> for OutletDto {
    fn from(o: &Outlet) -> Self {
        OutletDto {
            id: o.id,
            branch_id: o.branch_id.0,
            name: o.name.clone(),
            address: o.address.clone(),
            phone: o.phone.clone(),
            agent_ids: o.agent_ids.iter().map(|a| a.0).collect(),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOutlet {
    pub branch_id: Uuid,
    #[schema(example = "ICBC Lujiazui sub-branch", max_length = 200)]
    pub name: String,
    #[validate(length(max = 2000, message = "is too long"))]
    #[schema(max_length = 2000)]
    pub address: Option<String>,
    pub phone: Option<String>,
    /// Agents assigned to the outlet.
    #[validate(length(max = 500, message = "at most 500 agents"))]
    #[schema(max_items = 500)]
    pub agent_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOutlet {
    pub branch_id: Option<Uuid>,
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[validate(length(max = 2000, message = "is too long"))]
    #[schema(max_length = 2000)]
    pub address: Option<String>,
    pub phone: Option<String>,
    /// Replaces the set of assigned agents.
    #[validate(length(max = 500, message = "at most 500 agents"))]
    #[schema(max_items = 500)]
    pub agent_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutletPage {
    pub items: Vec<OutletDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Every id must be an active agent of the company.
async fn check_agents(
    state: &AppState,
    company: CompanyId,
    ids: &[Uuid],
    errors: &mut ValidationErrors,
) -> Result<Vec<UserId>, ApiError> {
    let mut unique: Vec<Uuid> = ids.to_vec();
    unique.sort();
    unique.dedup();
    let found = state.db.users_with_role(company, Role::Agent, &unique).await?;
    for (i, id) in ids.iter().enumerate() {
        if !found.iter().any(|u| u.id.0 == *id) {
            errors.push(format!("/agent_ids/{i}"), "no such active agent");
        }
    }
    Ok(unique.into_iter().map(UserId).collect())
}

fn outlet_phone(errors: &mut ValidationErrors, raw: Option<&String>) -> Option<String> {
    let raw = raw?;
    let p = normalise_phone(raw);
    if p.is_none() {
        errors.push("/phone", "must be a phone number of 5 to 20 digits");
    }
    p
}

/// Create an outlet (a bank branch agents serve).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = CreateOutlet,
    responses(
        (status = 201, description = "Created", body = OutletDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/outlets")]
pub async fn create_outlet(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CreateOutlet>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManageOutlets)?;
    let company = auth.actor.company_id;
    let b = &body.0;
    let mut errors = ValidationErrors::default();
    let name = check_name(&mut errors, "/name", &b.name);
    if state.db.get_branch(company, BranchId(b.branch_id)).await?.is_none() {
        errors.push("/branch_id", "no such branch");
    }
    let phone = outlet_phone(&mut errors, b.phone.as_ref());
    let address = check_text(&mut errors, "/address", b.address.as_ref());
    let agent_ids = check_agents(&state, company, b.agent_ids.as_deref().unwrap_or_default(), &mut errors).await?;
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let now = state.clock.now();
    let outlet = Outlet {
        company_id: company,
        id: Uuid::now_v7(),
        branch_id: BranchId(b.branch_id),
        name,
        address,
        phone,
        agent_ids,
        created_at: now,
        updated_at: now,
    };
    state
        .db
        .insert_outlet(&audit_ctx(&req, &state, &auth.actor), &outlet)
        .await?;
    let mut resp = with_etag(&req, StatusCode::CREATED, &OutletDto::from(&outlet));
    insert_location(&mut resp, &format!("/v1/outlets/{}", outlet.id));
    Ok(resp)
}

/// List the company's outlets.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(PageParams),
    responses(
        (status = 200, description = "A page of outlets", body = OutletPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/outlets")]
pub async fn list_outlets(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ReadOutlets)?;
    let page = q.page_request()?;
    let rows = state.db.list_outlets(auth.actor.company_id, page).await?;
    Ok(HttpResponse::Ok().json(OutletPage {
        next_cursor: next_cursor(&rows, page.limit, |o| o.id),
        items: rows.iter().map(OutletDto::from).collect(),
    }))
}

/// Read an outlet.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The outlet", body = OutletDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such outlet in your company", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/outlets/{id}")]
pub async fn get_outlet(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ReadOutlets)?;
    let outlet = state
        .db
        .get_outlet(auth.actor.company_id, path.id)
        .await?
        .ok_or_else(|| ApiError::not_found("outlet"))?;
    Ok(with_etag(&req, StatusCode::OK, &OutletDto::from(&outlet)))
}

/// Change an outlet or the agents assigned to it.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = UpdateOutlet,
    responses(
        (status = 200, description = "Updated", body = OutletDto),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such outlet in your company", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/outlets/{id}")]
pub async fn update_outlet(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<UpdateOutlet>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManageOutlets)?;
    let company = auth.actor.company_id;
    let before = state
        .db
        .get_outlet(company, path.id)
        .await?
        .ok_or_else(|| ApiError::not_found("outlet"))?;
    let b = &body.0;
    let mut errors = ValidationErrors::default();
    let mut after = before.clone();
    if let Some(n) = &b.name {
        after.name = check_name(&mut errors, "/name", n);
    }
    if let Some(br) = b.branch_id {
        if state.db.get_branch(company, BranchId(br)).await?.is_none() {
            errors.push("/branch_id", "no such branch");
        }
        after.branch_id = BranchId(br);
    }
    if b.phone.is_some() {
        after.phone = outlet_phone(&mut errors, b.phone.as_ref());
    }
    if b.address.is_some() {
        after.address = check_text(&mut errors, "/address", b.address.as_ref());
    }
    if let Some(ids) = &b.agent_ids {
        after.agent_ids = check_agents(&state, company, ids, &mut errors).await?;
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    after.updated_at = state.clock.now();
    state
        .db
        .update_outlet(&audit_ctx(&req, &state, &auth.actor), &before, &after)
        .await?;
    Ok(with_etag(&req, StatusCode::OK, &OutletDto::from(&after)))
}

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_client)
        .service(list_clients)
        .service(get_client)
        .service(update_client)
        .service(reassign_client)
        .service(create_outlet)
        .service(list_outlets)
        .service(get_outlet)
        .service(update_outlet);
}
