-- Work diaries with their history, leave requests, and spot checks.

CREATE TABLE diaries (
    company_id          BLOB NOT NULL REFERENCES companies(id),
    id                  BLOB NOT NULL,
    agent_id            BLOB NOT NULL,
    date                TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('draft','submitted','approved','returned')),
    version             INTEGER NOT NULL,
    notes               TEXT NOT NULL,
    plan                TEXT NOT NULL,
    summary             TEXT,
    first_submitted_at  TEXT,
    submitted_at        TEXT,
    review_deadline     TEXT,
    reviewed_at         TEXT,
    reviewed_by         BLOB,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, agent_id, date),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);
CREATE INDEX diaries_date ON diaries (company_id, date);

-- DIA-2: every transition, stamped with server time and actor.
CREATE TABLE diary_events (
    company_id   BLOB NOT NULL,
    id           BLOB NOT NULL,
    diary_id     BLOB NOT NULL,
    at           TEXT NOT NULL,
    actor_id     BLOB NOT NULL,
    action       TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    comment      TEXT,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, diary_id) REFERENCES diaries(company_id, id)
);
CREATE INDEX diary_events_diary ON diary_events (company_id, diary_id, at);

CREATE TABLE leave_requests (
    company_id        BLOB NOT NULL REFERENCES companies(id),
    id                BLOB NOT NULL,
    agent_id          BLOB NOT NULL,
    from_date         TEXT NOT NULL,
    to_date           TEXT NOT NULL,
    reason            TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('requested','approved','rejected')),
    requested_at      TEXT NOT NULL,
    decided_by        BLOB,
    decided_at        TEXT,
    decision_comment  TEXT,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);
CREATE INDEX leave_requests_agent ON leave_requests (company_id, agent_id, from_date);

CREATE TABLE spot_check_samples (
    company_id  BLOB NOT NULL REFERENCES companies(id),
    id          BLOB NOT NULL,
    team_id     BLOB NOT NULL,
    from_date   TEXT NOT NULL,
    to_date     TEXT NOT NULL,
    size        INTEGER NOT NULL,
    seed        INTEGER NOT NULL,
    drawn_by    BLOB NOT NULL,
    drawn_at    TEXT NOT NULL,
    diary_ids   TEXT NOT NULL,
    PRIMARY KEY (company_id, id)
);

CREATE TABLE spot_checks (
    company_id  BLOB NOT NULL,
    id          BLOB NOT NULL,
    sample_id   BLOB NOT NULL,
    diary_id    BLOB NOT NULL,
    result      TEXT NOT NULL CHECK (result IN ('genuine','falsified')),
    notes       TEXT NOT NULL,
    checked_by  BLOB NOT NULL,
    checked_at  TEXT NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, sample_id, diary_id),
    FOREIGN KEY (company_id, sample_id) REFERENCES spot_check_samples(company_id, id)
);
