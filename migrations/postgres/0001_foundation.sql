-- Foundation: organisation, auth and audit. Every tenant table is keyed by company_id first
-- so a tenant-sharded PostgreSQL (Citus) can distribute it on that column.

CREATE TABLE companies (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE branches (
    company_id       UUID NOT NULL REFERENCES companies(id),
    id               UUID NOT NULL,
    name             TEXT NOT NULL,
    time_zone        TEXT NOT NULL,
    working_weekdays TEXT NOT NULL,
    morning_start    TIME NOT NULL,
    morning_end      TIME NOT NULL,
    evening_start    TIME NOT NULL,
    evening_end      TIME NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id)
);

CREATE TABLE branch_calendar_exceptions (
    company_id  UUID NOT NULL,
    branch_id   UUID NOT NULL,
    date        DATE NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('holiday', 'working_day')),
    name        TEXT,
    PRIMARY KEY (company_id, branch_id, date),
    FOREIGN KEY (company_id, branch_id) REFERENCES branches(company_id, id)
);

CREATE TABLE users (
    company_id    UUID NOT NULL REFERENCES companies(id),
    id            UUID NOT NULL,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    phone         TEXT,
    role          TEXT NOT NULL CHECK (role IN ('agent','supervisor','quality_officer','callback_agent','hr','admin')),
    branch_id     UUID,
    team_id       UUID,
    active        BOOLEAN NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, email)
);
CREATE INDEX users_team ON users (company_id, team_id);

-- Login looks a user up by e-mail before the tenant is known: this is the one lookup that is
-- global (a Citus reference table).
CREATE TABLE login_emails (
    email       TEXT PRIMARY KEY,
    company_id  UUID NOT NULL,
    user_id     UUID NOT NULL
);

CREATE TABLE teams (
    company_id    UUID NOT NULL REFERENCES companies(id),
    id            UUID NOT NULL,
    branch_id     UUID NOT NULL,
    name          TEXT NOT NULL,
    supervisor_id UUID NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, branch_id) REFERENCES branches(company_id, id),
    FOREIGN KEY (company_id, supervisor_id) REFERENCES users(company_id, id)
);
CREATE INDEX teams_supervisor ON teams (company_id, supervisor_id);

CREATE TABLE refresh_tokens (
    company_id  UUID NOT NULL,
    id          UUID NOT NULL,
    family_id   UUID NOT NULL,
    user_id     UUID NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    PRIMARY KEY (company_id, id)
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (company_id, family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (company_id, user_id);

-- JWT signing keys shared by all instances (system-wide, a Citus reference table).
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    secret      BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- AUD-1: who, when, from where, before and after.
CREATE TABLE audit_log (
    company_id  UUID NOT NULL,
    id          UUID NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    UUID,
    request_id  TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   UUID NOT NULL,
    before      TEXT,
    after       TEXT,
    PRIMARY KEY (company_id, id)
);
CREATE INDEX audit_log_entity ON audit_log (company_id, entity, entity_id);
