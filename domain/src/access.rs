//! Access rules, in one place. Two questions are asked of every request:
//! may this role perform this function at all (no → 403), and is this record within the
//! caller's reach (no → 404, exactly as if it did not exist, so existence never leaks).

use crate::ids::{CompanyId, TeamId, UserId};
use crate::integration::Scope;
use crate::org::Role;
use crate::ports::ListScope;

/// The authenticated caller, as loaded from the database on each request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub company_id: CompanyId,
    pub user_id: UserId,
    pub role: Role,
    /// The team an agent belongs to.
    pub team_id: Option<TeamId>,
    /// The teams a supervisor leads.
    pub supervised_teams: Vec<TeamId>,
}

/// The functions the API offers, grouped by who may perform them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// Create and change branches, teams and users.
    ManageOrganisation,
    /// Read branch settings (zones, calendars, meeting windows): every role needs them.
    ReadBranches,
    /// Read teams.
    ReadTeams,
    /// Read user records.
    ReadUsers,
    /// Create and edit client cards (agents their own, supervisors their team's, admins all).
    ManageClients,
    /// Move a client to another agent (audited).
    ReassignClients,
    /// Read client cards.
    ReadClients,
    /// Create and change outlets and their agent assignments.
    ManageOutlets,
    /// Read outlets (company configuration, like branches).
    ReadOutlets,
    /// Log one's own activities (the agent app).
    LogActivities,
    /// Read activities.
    ReadActivities,
    /// Void any activity as a correction (ACT-5: the quality office or an admin).
    CorrectActivities,
    /// Read an agent's daily progress (today view) and working calendar.
    ReadProgress,
    /// Write one's own work diary and request leave (agents).
    WriteDiary,
    /// Read diaries.
    ReadDiaries,
    /// Approve or return diaries, decide leave (DIA-2: the agent's supervisor, or an admin).
    ReviewDiaries,
    /// Draw spot-check samples and record findings (DIA-5: the quality office).
    SpotCheckDiaries,
    /// Create and change policy versions, run the close and allocation jobs.
    ManagePolicies,
    /// Read policy versions (every role: they explain the figures).
    ReadPolicies,
    /// Read penalties, compliance and lead balances.
    ReadLedgers,
    /// PEN-3: waive a penalty with a reason (admins and HR).
    WaivePenalties,
    /// QLT-2: report a violation (for the posts the role staffs).
    ReportViolations,
    /// QLT-2/3: confirm, dismiss, decide appeals, manage the catalogue (the quality office).
    ManageQuality,
    /// Read violations, credit files and quality reports.
    ReadQuality,
    /// QLT-3: appeal one's own confirmed violation.
    AppealViolations,
    /// QLT-7: record a commendation in a credit file.
    Commend,
    /// COM-1/COM-7: create policies and record receipts (admins and integrations).
    ManageInsurancePolicies,
    /// Read policies and their hold state.
    ReadInsurancePolicies,
    /// COM-3/COM-6: place callbacks, record exemptions (the callback center).
    PlaceCallbacks,
    /// LIC-1..3: keep licence records, confirm CE courses, reinstate lapsed licences, read the
    /// licence reports (HR and admins; integrations use an admin account).
    ManageLicences,
    /// LIC-1/LIC-2: read licence records and CE accounts (agents their own, supervisors their
    /// teams', HR and admins all).
    ReadLicences,
    /// LIC-2: record CE courses (agents their own, pending until HR confirms; HR and admins
    /// any agent's, confirmed).
    RecordCeCourses,
    /// Bulk-upsert agents by external id (admins; integrations with `agents:write`).
    UpsertAgents,
    /// Bulk-upsert clients by external id (admins; integrations with `clients:write`).
    UpsertClients,
    /// Bulk-upsert insurance policies by external id (admins; `policies:write`).
    UpsertInsurancePolicies,
    /// Bulk-upsert policy receipts by external id (admins; `receipts:write`).
    UpsertReceipts,
    /// Read the company's change feed (admins; integrations with `changes:read`).
    ReadChanges,
    /// Create, rotate and revoke integration clients (admins).
    ManageIntegrations,
    /// Sync one's own (agents) or one's teams' (supervisors) changes to a device.
    SyncChanges,
    /// AUD-1: read the company's audit trail (who changed what, before and after).
    ReadAuditTrail,
}

/// How far a role's reach extends for a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Company,
    /// A supervisor: the teams they lead (and their own records).
    Teams {
        supervisor: UserId,
        teams: Vec<TeamId>,
    },
    /// An agent: their own records (and their own team's shared ones).
    Own(UserId, Option<TeamId>),
}

impl Reach {
    /// The listing filter for person-owned records (users, and later activities, diaries…).
    pub fn person_scope(&self) -> ListScope {
        match self {
            Reach::Company => ListScope::Company,
            Reach::Teams { supervisor, .. } => ListScope::SupervisedBy(*supervisor),
            Reach::Own(u, _) => ListScope::User(*u),
        }
    }

    /// The listing filter for teams.
    pub fn team_scope(&self) -> ListScope {
        match self {
            Reach::Company => ListScope::Company,
            Reach::Teams { supervisor, .. } => ListScope::SupervisedBy(*supervisor),
            Reach::Own(u, None) => ListScope::User(*u),
            Reach::Own(_, Some(t)) => ListScope::Team(*t),
        }
    }
}

/// The owner coordinates of a record: its company, and the person and team it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub company_id: CompanyId,
    pub user_id: Option<UserId>,
    pub team_id: Option<TeamId>,
}

/// Returned when a role lacks a function (HTTP 403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden;

/// May `role` perform `function` at all?
pub fn permits(role: Role, function: Function) -> bool {
    use Function::*;
    match function {
        ManageOrganisation | ManageOutlets => role == Role::Admin,
        ReadBranches | ReadTeams | ReadUsers | ReadOutlets => true,
        ManageClients => matches!(role, Role::Agent | Role::Supervisor | Role::Admin),
        ReassignClients => matches!(role, Role::Supervisor | Role::Admin),
        ReadClients => true,
        LogActivities => role == Role::Agent,
        // The callback center works on policies, not on agents' activity logs.
        ReadActivities => role != Role::CallbackAgent,
        CorrectActivities => matches!(role, Role::QualityOfficer | Role::Admin),
        ReadProgress | ReadDiaries => matches!(
            role,
            Role::Agent | Role::Supervisor | Role::Admin | Role::Hr | Role::QualityOfficer
        ),
        WriteDiary => role == Role::Agent,
        ReviewDiaries => matches!(role, Role::Supervisor | Role::Admin),
        SpotCheckDiaries => matches!(role, Role::QualityOfficer | Role::Admin),
        ManagePolicies => role == Role::Admin,
        ReadPolicies => true,
        ReadLedgers => role != Role::CallbackAgent,
        WaivePenalties => matches!(role, Role::Admin | Role::Hr),
        ReportViolations => matches!(
            role,
            Role::Agent | Role::CallbackAgent | Role::Hr | Role::QualityOfficer
        ),
        ManageQuality => matches!(role, Role::QualityOfficer | Role::Admin),
        ReadQuality => role != Role::CallbackAgent,
        AppealViolations => role == Role::Agent,
        Commend => matches!(role, Role::QualityOfficer | Role::Hr | Role::Admin),
        ManageInsurancePolicies => role == Role::Admin,
        ReadInsurancePolicies => true,
        PlaceCallbacks => matches!(role, Role::CallbackAgent | Role::Admin),
        ManageLicences => matches!(role, Role::Hr | Role::Admin),
        ReadLicences => matches!(role, Role::Agent | Role::Supervisor | Role::Hr | Role::Admin),
        RecordCeCourses => matches!(role, Role::Agent | Role::Hr | Role::Admin),
        UpsertAgents | UpsertClients | UpsertInsurancePolicies | UpsertReceipts | ReadChanges | ManageIntegrations => {
            role == Role::Admin
        }
        SyncChanges => matches!(role, Role::Agent | Role::Supervisor | Role::Admin),
        // Before/after values include everyone's records: the company's admins only.
        ReadAuditTrail => role == Role::Admin,
    }
}

/// The functions an integration scope opens. Everything else (diaries, review, activities,
/// the caller's own record, managing integrations…) is done by people only.
pub fn scope_grants(scope: Scope, function: Function) -> bool {
    use Function::*;
    matches!(
        (scope, function),
        (Scope::AgentsWrite, UpsertAgents)
            | (Scope::ClientsWrite, UpsertClients)
            | (Scope::PoliciesWrite, UpsertInsurancePolicies)
            | (Scope::ReceiptsWrite, UpsertReceipts)
            | (Scope::ChangesRead, ReadChanges)
    )
}

/// An integration calling with a client-credentials token: its company, its client and the
/// scopes the token carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationActor {
    pub company_id: CompanyId,
    pub client_id: uuid::Uuid,
    pub scopes: Vec<Scope>,
}

/// Whoever calls: a person (with a role) or an integration (with scopes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Person(Actor),
    Integration(IntegrationActor),
}

impl Principal {
    pub fn company_id(&self) -> CompanyId {
        match self {
            Principal::Person(a) => a.company_id,
            Principal::Integration(i) => i.company_id,
        }
    }

    /// A person as their role allows; an integration company-wide, for what its scopes open.
    pub fn require(&self, function: Function) -> Result<Reach, Forbidden> {
        match self {
            Principal::Person(a) => a.require(function),
            Principal::Integration(i) if i.scopes.iter().any(|s| scope_grants(*s, function)) => Ok(Reach::Company),
            Principal::Integration(_) => Err(Forbidden),
        }
    }
}

impl Actor {
    pub fn require(&self, function: Function) -> Result<Reach, Forbidden> {
        if !permits(self.role, function) {
            return Err(Forbidden);
        }
        if matches!(
            function,
            Function::ReadBranches | Function::ReadOutlets | Function::ReadPolicies
        ) {
            // Branches and outlets are company-wide configuration every role needs.
            return Ok(Reach::Company);
        }
        Ok(match self.role {
            // Back-office roles work company-wide within their function.
            Role::Admin | Role::Hr | Role::QualityOfficer | Role::CallbackAgent => Reach::Company,
            Role::Supervisor => Reach::Teams {
                supervisor: self.user_id,
                teams: self.supervised_teams.clone(),
            },
            Role::Agent => Reach::Own(self.user_id, self.team_id),
        })
    }

    /// Is a record owned as `owner` visible with `reach`? Another company is never visible.
    pub fn can_see(&self, reach: &Reach, owner: Owner) -> bool {
        if owner.company_id != self.company_id {
            return false;
        }
        match reach {
            Reach::Company => true,
            // A supervisor also sees records about themselves.
            Reach::Teams { teams, .. } => {
                owner.user_id == Some(self.user_id) || owner.team_id.is_some_and(|t| teams.contains(&t))
            }
            Reach::Own(user, team) => match owner.user_id {
                Some(u) => u == *user,
                // Records owned by a team only (the team itself) are visible to its members.
                None => owner.team_id.is_some() && owner.team_id == *team,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            company_id: CompanyId::new(),
            user_id: UserId::new(),
            role,
            team_id: None,
            supervised_teams: vec![],
        }
    }

    #[test]
    fn only_admin_manages_organisation() {
        for r in Role::ALL {
            assert_eq!(permits(r, Function::ManageOrganisation), r == Role::Admin, "{r:?}");
        }
    }

    #[test]
    fn aud_1_only_admins_read_the_audit_trail() {
        for r in Role::ALL {
            assert_eq!(permits(r, Function::ReadAuditTrail), r == Role::Admin, "{r:?}");
        }
    }

    #[test]
    fn nobody_sees_another_company() {
        for r in Role::ALL {
            let a = actor(r);
            let reach = a.require(Function::ReadUsers).unwrap_or(Reach::Company);
            let foreign = Owner {
                company_id: CompanyId::new(),
                user_id: Some(a.user_id),
                team_id: None,
            };
            assert!(!a.can_see(&reach, foreign), "{r:?}");
        }
    }

    #[test]
    fn agent_sees_only_own_records_and_own_team() {
        let team = TeamId::new();
        let mut a = actor(Role::Agent);
        a.team_id = Some(team);
        let reach = a.require(Function::ReadUsers).unwrap_or(Reach::Company);
        let own = Owner {
            company_id: a.company_id,
            user_id: Some(a.user_id),
            team_id: Some(team),
        };
        let colleague = Owner {
            user_id: Some(UserId::new()),
            ..own
        };
        let team_rec = Owner { user_id: None, ..own };
        assert!(a.can_see(&reach, own));
        assert!(!a.can_see(&reach, colleague));
        assert!(a.can_see(&reach, team_rec));
    }

    #[test]
    fn supervisor_sees_led_teams_only() {
        let led = TeamId::new();
        let mut s = actor(Role::Supervisor);
        s.supervised_teams = vec![led];
        let reach = s.require(Function::ReadUsers).unwrap_or(Reach::Company);
        let in_team = Owner {
            company_id: s.company_id,
            user_id: Some(UserId::new()),
            team_id: Some(led),
        };
        let other = Owner {
            team_id: Some(TeamId::new()),
            ..in_team
        };
        assert!(s.can_see(&reach, in_team));
        assert!(!s.can_see(&reach, other));
    }

    #[test]
    fn only_agents_log_activities_and_callback_staff_do_not_read_them() {
        for r in Role::ALL {
            assert_eq!(permits(r, Function::LogActivities), r == Role::Agent, "{r:?}");
            assert_eq!(permits(r, Function::ReadActivities), r != Role::CallbackAgent, "{r:?}");
        }
        assert!(permits(Role::QualityOfficer, Function::CorrectActivities));
        assert!(!permits(Role::Supervisor, Function::CorrectActivities));
        assert!(permits(Role::Supervisor, Function::ReassignClients));
        assert!(!permits(Role::Agent, Function::ReassignClients));
    }

    #[test]
    fn dia_2_only_supervisors_and_admins_review_and_only_agents_write() {
        for r in Role::ALL {
            assert_eq!(
                permits(r, Function::ReviewDiaries),
                matches!(r, Role::Supervisor | Role::Admin),
                "{r:?}"
            );
            assert_eq!(permits(r, Function::WriteDiary), r == Role::Agent, "{r:?}");
        }
        assert!(permits(Role::QualityOfficer, Function::SpotCheckDiaries));
        assert!(!permits(Role::Supervisor, Function::SpotCheckDiaries));
    }

    #[test]
    fn outlets_are_company_wide_configuration() {
        let a = actor(Role::Agent);
        assert_eq!(a.require(Function::ReadOutlets), Ok(Reach::Company));
        assert_eq!(a.require(Function::ManageOutlets), Err(Forbidden));
    }

    #[test]
    fn hr_and_admins_keep_licences_and_agents_record_their_own_courses() {
        for r in Role::ALL {
            assert_eq!(
                permits(r, Function::ManageLicences),
                matches!(r, Role::Hr | Role::Admin),
                "{r:?}"
            );
            assert_eq!(
                permits(r, Function::RecordCeCourses),
                matches!(r, Role::Agent | Role::Hr | Role::Admin),
                "{r:?}"
            );
        }
        assert!(!permits(Role::CallbackAgent, Function::ReadLicences));
        assert!(permits(Role::Supervisor, Function::ReadLicences));
    }

    #[test]
    fn integrations_get_only_what_their_scopes_open_and_never_human_functions() {
        let i = Principal::Integration(IntegrationActor {
            company_id: CompanyId::new(),
            client_id: uuid::Uuid::now_v7(),
            scopes: Scope::ALL.to_vec(),
        });
        for f in [
            Function::ReviewDiaries,
            Function::WriteDiary,
            Function::LogActivities,
            Function::ReadUsers,
            Function::ManageOrganisation,
            Function::ManageIntegrations,
            Function::SyncChanges,
            Function::ManageClients,
        ] {
            assert_eq!(i.require(f), Err(Forbidden), "{f:?}");
        }
        assert_eq!(i.require(Function::UpsertClients), Ok(Reach::Company));
        let narrow = Principal::Integration(IntegrationActor {
            company_id: CompanyId::new(),
            client_id: uuid::Uuid::now_v7(),
            scopes: vec![Scope::ClientsWrite],
        });
        assert_eq!(narrow.require(Function::UpsertInsurancePolicies), Err(Forbidden));
        assert!(permits(Role::Admin, Function::UpsertAgents));
        assert!(!permits(Role::Supervisor, Function::UpsertClients));
        assert_eq!(
            Principal::Person(actor(Role::Agent)).require(Function::ReadChanges),
            Err(Forbidden)
        );
    }

    #[test]
    fn agent_lacks_admin_functions() {
        assert_eq!(actor(Role::Agent).require(Function::ManageOrganisation), Err(Forbidden));
    }
}
