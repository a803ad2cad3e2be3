-- CRM sync (issue 12): integration clients and their credentials, external ids for bulk
-- upserts, and the change feed with its per-company position counter.

-- An integration (a CRM) of one company. Secrets are stored only as their SHA-256; a rotated
-- secret stays valid until previous_secret_expires_at.
CREATE TABLE integration_clients (
    company_id                  UUID NOT NULL REFERENCES companies(id),
    id                          UUID NOT NULL,
    name                        TEXT NOT NULL,
    scopes                      TEXT NOT NULL,
    secret_hash                 TEXT NOT NULL,
    previous_secret_hash        TEXT,
    previous_secret_expires_at  TIMESTAMPTZ,
    revoked_at                  TIMESTAMPTZ,
    created_at                  TIMESTAMPTZ NOT NULL,
    updated_at                  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id)
);

-- The token endpoint knows only the client id: like login_emails, the one global lookup
-- (a Citus reference table).
CREATE TABLE integration_client_ids (
    client_id   UUID PRIMARY KEY,
    company_id  UUID NOT NULL
);

-- Writes made by an integration name its client here (actor_id is then NULL).
ALTER TABLE audit_log ADD COLUMN integration_client_id UUID;

-- External ids: unique per company and kind.
ALTER TABLE users ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX users_external_id ON users (company_id, external_id) WHERE external_id IS NOT NULL;
ALTER TABLE insurance_policies ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX insurance_policies_external_id ON insurance_policies (company_id, external_id)
    WHERE external_id IS NOT NULL;
ALTER TABLE insurance_policies ADD COLUMN receipt_external_id TEXT;
CREATE UNIQUE INDEX insurance_policies_receipt_external_id ON insurance_policies (company_id, receipt_external_id)
    WHERE receipt_external_id IS NOT NULL;

-- The change feed. A writer takes its positions with
-- UPDATE change_counters SET last = last + n WHERE company_id = $1 RETURNING last
-- as the last statement of its transaction: the row lock is held until commit, so positions
-- are assigned and become visible in commit order, without gaps (a rollback returns them).
CREATE TABLE change_counters (
    company_id  UUID PRIMARY KEY,
    last        BIGINT NOT NULL
);
INSERT INTO change_counters (company_id, last) SELECT id, 0 FROM companies;

CREATE TABLE change_events (
    company_id         UUID NOT NULL,
    position           BIGINT NOT NULL,
    id                 UUID NOT NULL,
    type               TEXT NOT NULL,
    resource           TEXT NOT NULL,
    resource_id        UUID NOT NULL,
    -- The person the resource belongs to now, and before a move (mobile sync scopes on them).
    agent_id           UUID,
    previous_agent_id  UUID,
    tombstone          BOOLEAN NOT NULL,
    data               TEXT,
    at                 TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, position)
);
CREATE INDEX change_events_agent ON change_events (company_id, agent_id, position);
CREATE INDEX change_events_previous_agent ON change_events (company_id, previous_agent_id, position)
    WHERE previous_agent_id IS NOT NULL;
CREATE INDEX change_events_at ON change_events (company_id, at);

-- The highest position pruned (retention): a cursor below it gets 410. Kept apart from the
-- counter so pruning never holds the writers' lock.
CREATE TABLE change_retention (
    company_id      UUID PRIMARY KEY,
    pruned_through  BIGINT NOT NULL
);
