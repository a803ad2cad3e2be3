-- Clients, outlets, activities and idempotency keys (issue: agent app activity logging).

CREATE TABLE clients (
    company_id      UUID NOT NULL REFERENCES companies(id),
    id              UUID NOT NULL,
    agent_id        UUID NOT NULL,
    name            TEXT NOT NULL,
    phone           TEXT,
    address         TEXT,
    household_notes TEXT,
    tags            TEXT NOT NULL,
    external_id     TEXT,
    phone_conflict  BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);
CREATE INDEX clients_agent ON clients (company_id, agent_id);
CREATE INDEX clients_phone ON clients (company_id, phone);
CREATE UNIQUE INDEX clients_external_id ON clients (company_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE outlets (
    company_id  UUID NOT NULL REFERENCES companies(id),
    id          UUID NOT NULL,
    branch_id   UUID NOT NULL,
    name        TEXT NOT NULL,
    address     TEXT,
    phone       TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, branch_id) REFERENCES branches(company_id, id)
);

CREATE TABLE outlet_agents (
    company_id  UUID NOT NULL,
    outlet_id   UUID NOT NULL,
    agent_id    UUID NOT NULL,
    PRIMARY KEY (company_id, outlet_id, agent_id),
    FOREIGN KEY (company_id, outlet_id) REFERENCES outlets(company_id, id),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);
CREATE INDEX outlet_agents_agent ON outlet_agents (company_id, agent_id);

-- Activities are never deleted (ACT-5); a void is recorded on the row and audited.
CREATE TABLE activities (
    company_id       UUID NOT NULL REFERENCES companies(id),
    id               UUID NOT NULL,
    agent_id         UUID NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('face_visit','phone_service','renewal_collection','outlet_service','meeting_attendance')),
    occurred_at      TIMESTAMPTZ NOT NULL,
    received_at      TIMESTAMPTZ NOT NULL,
    business_day     DATE NOT NULL,
    client_id        UUID,
    outlet_id        UUID,
    duration_seconds BIGINT,
    accompanied_by   UUID,
    device_call_id   TEXT,
    details          TEXT NOT NULL,
    body_hash        TEXT NOT NULL,
    voided_at        TIMESTAMPTZ,
    voided_by        UUID,
    void_reason      TEXT,
    PRIMARY KEY (company_id, id)
);
CREATE INDEX activities_agent_day ON activities (company_id, agent_id, business_day);
CREATE INDEX activities_order ON activities (company_id, occurred_at, id);
CREATE UNIQUE INDEX activities_device_call ON activities (company_id, agent_id, device_call_id) WHERE device_call_id IS NOT NULL;

CREATE TABLE idempotency_keys (
    company_id    UUID NOT NULL,
    user_id       UUID NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        BIGINT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, user_id, key)
);
