-- Work diaries with their history, leave requests, and spot checks.

CREATE TABLE diaries (
    company_id          UUID NOT NULL REFERENCES companies(id),
    id                  UUID NOT NULL,
    agent_id            UUID NOT NULL,
    date                DATE NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('draft','submitted','approved','returned')),
    version             BIGINT NOT NULL,
    notes               TEXT NOT NULL,
    plan                TEXT NOT NULL,
    summary             TEXT,
    first_submitted_at  TIMESTAMPTZ,
    submitted_at        TIMESTAMPTZ,
    review_deadline     TIMESTAMPTZ,
    reviewed_at         TIMESTAMPTZ,
    reviewed_by         UUID,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, agent_id, date),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);
CREATE INDEX diaries_date ON diaries (company_id, date);

-- DIA-2: every transition, stamped with server time and actor.
CREATE TABLE diary_events (
    company_id   UUID NOT NULL,
    id           UUID NOT NULL,
    diary_id     UUID NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    actor_id     UUID NOT NULL,
    action       TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    comment      TEXT,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, diary_id) REFERENCES diaries(company_id, id)
);
CREATE INDEX diary_events_diary ON diary_events (company_id, diary_id, at);

CREATE TABLE leave_requests (
    company_id        UUID NOT NULL REFERENCES companies(id),
    id                UUID NOT NULL,
    agent_id          UUID NOT NULL,
    from_date         DATE NOT NULL,
    to_date           DATE NOT NULL,
    reason            TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('requested','approved','rejected')),
    requested_at      TIMESTAMPTZ NOT NULL,
    decided_by        UUID,
    decided_at        TIMESTAMPTZ,
    decision_comment  TEXT,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);
CREATE INDEX leave_requests_agent ON leave_requests (company_id, agent_id, from_date);

CREATE TABLE spot_check_samples (
    company_id  UUID NOT NULL REFERENCES companies(id),
    id          UUID NOT NULL,
    team_id     UUID NOT NULL,
    from_date   DATE NOT NULL,
    to_date     DATE NOT NULL,
    size        BIGINT NOT NULL,
    seed        BIGINT NOT NULL,
    drawn_by    UUID NOT NULL,
    drawn_at    TIMESTAMPTZ NOT NULL,
    diary_ids   TEXT NOT NULL,
    PRIMARY KEY (company_id, id)
);

CREATE TABLE spot_checks (
    company_id  UUID NOT NULL,
    id          UUID NOT NULL,
    sample_id   UUID NOT NULL,
    diary_id    UUID NOT NULL,
    result      TEXT NOT NULL CHECK (result IN ('genuine','falsified')),
    notes       TEXT NOT NULL,
    checked_by  UUID NOT NULL,
    checked_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, sample_id, diary_id),
    FOREIGN KEY (company_id, sample_id) REFERENCES spot_check_samples(company_id, id)
);
