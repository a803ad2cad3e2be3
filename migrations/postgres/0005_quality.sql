-- Quality management (QLT-*): the catalogue as versioned data, reports with their event
-- history (every step a new record), consequences, commendations and committee sign-offs.

CREATE TABLE quality_catalogues (
    company_id      UUID NOT NULL REFERENCES companies(id),
    id              UUID NOT NULL,
    version         BIGINT NOT NULL,
    effective_from  DATE NOT NULL,
    entries         TEXT NOT NULL,
    created_by      UUID NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, version)
);

CREATE TABLE violations (
    company_id         UUID NOT NULL REFERENCES companies(id),
    id                 UUID NOT NULL,
    agent_id           UUID NOT NULL,
    code               TEXT NOT NULL,
    post               TEXT NOT NULL,
    -- Visible only to the quality office (QLT-2).
    reporter_id        UUID NOT NULL,
    occurred_on        DATE NOT NULL,
    evidence           TEXT NOT NULL,
    attachments        TEXT NOT NULL,
    client_id          UUID,
    policy_number      TEXT,
    catalogue_version  BIGINT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);
CREATE INDEX violations_agent ON violations (company_id, agent_id, occurred_on);

CREATE TABLE violation_events (
    company_id    UUID NOT NULL,
    id            UUID NOT NULL,
    violation_id  UUID NOT NULL,
    seq           BIGINT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('reported','confirmed','dismissed','appealed','upheld','reduced','overturned')),
    half_points   BIGINT,
    reason        TEXT,
    actor_id      UUID NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    -- One writer wins each step: a concurrent second decision conflicts here.
    UNIQUE (company_id, violation_id, seq),
    FOREIGN KEY (company_id, violation_id) REFERENCES violations(company_id, id)
);

CREATE TABLE quality_consequences (
    company_id   UUID NOT NULL,
    id           UUID NOT NULL,
    agent_id     UUID NOT NULL,
    half_year    TEXT NOT NULL,
    threshold    BIGINT NOT NULL,
    person_id    UUID NOT NULL,
    person_role  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    details      TEXT NOT NULL,
    reverses     UUID,
    source_key   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, source_key)
);
CREATE INDEX quality_consequences_agent ON quality_consequences (company_id, agent_id, half_year);
CREATE INDEX quality_consequences_person ON quality_consequences (company_id, person_id);

CREATE TABLE commendations (
    company_id  UUID NOT NULL,
    id          UUID NOT NULL,
    agent_id    UUID NOT NULL,
    text        TEXT NOT NULL,
    given_by    UUID NOT NULL,
    given_on    DATE NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id)
);

CREATE TABLE quality_signoffs (
    company_id  UUID NOT NULL,
    id          UUID NOT NULL,
    quarter     TEXT NOT NULL,
    branch_id   UUID NOT NULL,
    signed_by   UUID NOT NULL,
    note        TEXT NOT NULL,
    summary     TEXT NOT NULL,
    signed_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, quarter, branch_id)
);
