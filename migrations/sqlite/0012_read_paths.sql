-- Issue 19: an agent's activities newest first, served in index order (the agent's own list,
-- and each member's part of a team's list). Tenant first like every key.
CREATE INDEX activities_agent_order ON activities (company_id, agent_id, occurred_at, id);
