-- Quality management (QLT-*): the catalogue as versioned data, reports with their event
-- history (every step a new record), consequences, commendations and committee sign-offs.

CREATE TABLE quality_catalogues (
    company_id      BLOB NOT NULL REFERENCES companies(id),
    id              BLOB NOT NULL,
    version         INTEGER NOT NULL,
    effective_from  TEXT NOT NULL,
    entries         TEXT NOT NULL,
    created_by      BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, version)
);

CREATE TABLE violations (
    company_id         BLOB NOT NULL REFERENCES companies(id),
    id                 BLOB NOT NULL,
    agent_id           BLOB NOT NULL,
    code               TEXT NOT NULL,
    post               TEXT NOT NULL,
    -- Visible only to the quality office (QLT-2).
    reporter_id        BLOB NOT NULL,
    occurred_on        TEXT NOT NULL,
    evidence           TEXT NOT NULL,
    attachments        TEXT NOT NULL,
    client_id          BLOB,
    policy_number      TEXT,
    catalogue_version  INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);
CREATE INDEX violations_agent ON violations (company_id, agent_id, occurred_on);

CREATE TABLE violation_events (
    company_id    BLOB NOT NULL,
    id            BLOB NOT NULL,
    violation_id  BLOB NOT NULL,
    seq           INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('reported','confirmed','dismissed','appealed','upheld','reduced','overturned')),
    half_points   INTEGER,
    reason        TEXT,
    actor_id      BLOB NOT NULL,
    at            TEXT NOT NULL,
    PRIMARY KEY (company_id, id),
    -- One writer wins each step: a concurrent second decision conflicts here.
    UNIQUE (company_id, violation_id, seq),
    FOREIGN KEY (company_id, violation_id) REFERENCES violations(company_id, id)
);

CREATE TABLE quality_consequences (
    company_id   BLOB NOT NULL,
    id           BLOB NOT NULL,
    agent_id     BLOB NOT NULL,
    half_year    TEXT NOT NULL,
    threshold    INTEGER NOT NULL,
    person_id    BLOB NOT NULL,
    person_role  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    details      TEXT NOT NULL,
    reverses     BLOB,
    source_key   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, source_key)
);
CREATE INDEX quality_consequences_agent ON quality_consequences (company_id, agent_id, half_year);
CREATE INDEX quality_consequences_person ON quality_consequences (company_id, person_id);

CREATE TABLE commendations (
    company_id  BLOB NOT NULL,
    id          BLOB NOT NULL,
    agent_id    BLOB NOT NULL,
    text        TEXT NOT NULL,
    given_by    BLOB NOT NULL,
    given_on    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (company_id, id)
);

CREATE TABLE quality_signoffs (
    company_id  BLOB NOT NULL,
    id          BLOB NOT NULL,
    quarter     TEXT NOT NULL,
    branch_id   BLOB NOT NULL,
    signed_by   BLOB NOT NULL,
    note        TEXT NOT NULL,
    summary     TEXT NOT NULL,
    signed_at   TEXT NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, quarter, branch_id)
);
