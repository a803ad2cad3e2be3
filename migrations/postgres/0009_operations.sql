-- The audit trail is read through GET /v1/audit (AUD-1): filtered by entity, actor or time and
-- paged by id (UUID v7, so id order is time order). Tenant first in every key.
CREATE INDEX audit_log_actor ON audit_log (company_id, actor_id, id);
CREATE INDEX audit_log_at ON audit_log (company_id, at, id);
