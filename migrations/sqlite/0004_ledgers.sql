-- Policy versions (POL-1), the penalty and client-lead ledgers (LEDGER-1), closed periods.

CREATE TABLE policy_versions (
    company_id      BLOB NOT NULL REFERENCES companies(id),
    id              BLOB NOT NULL,
    branch_id       BLOB,
    -- 'company' or the branch id: uniqueness of version numbers per scope.
    scope_key       TEXT NOT NULL,
    version         INTEGER NOT NULL,
    effective_from  TEXT NOT NULL,
    document        TEXT NOT NULL,
    created_by      BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, scope_key, version)
);

CREATE TABLE penalty_entries (
    company_id      BLOB NOT NULL REFERENCES companies(id),
    id              BLOB NOT NULL,
    person_id       BLOB NOT NULL,
    person_role     TEXT NOT NULL CHECK (person_role IN ('agent','supervisor')),
    branch_id       BLOB,
    rule_id         TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('penalty','adjustment','waiver')),
    business_day    TEXT NOT NULL,
    posted_day      TEXT NOT NULL,
    amount_fen      INTEGER NOT NULL,
    leads           INTEGER NOT NULL,
    policy_id       BLOB,
    policy_version  INTEGER NOT NULL,
    facts           TEXT NOT NULL,
    explanation     TEXT NOT NULL,
    source_key      TEXT NOT NULL,
    base_key        TEXT NOT NULL,
    refers_to       BLOB,
    reason          TEXT,
    created_by      BLOB,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, source_key)
);
CREATE INDEX penalty_entries_person ON penalty_entries (company_id, person_id, business_day);
CREATE INDEX penalty_entries_branch_day ON penalty_entries (company_id, branch_id, business_day);
CREATE INDEX penalty_entries_posted ON penalty_entries (company_id, person_id, posted_day);

CREATE TABLE closed_days (
    company_id  BLOB NOT NULL,
    branch_id   BLOB NOT NULL,
    date        TEXT NOT NULL,
    closed_at   TEXT NOT NULL,
    PRIMARY KEY (company_id, branch_id, date)
);

CREATE TABLE closed_months (
    company_id  BLOB NOT NULL,
    branch_id   BLOB NOT NULL,
    month       TEXT NOT NULL,
    closed_at   TEXT NOT NULL,
    PRIMARY KEY (company_id, branch_id, month)
);

-- QUO-3: monthly compliance results, recorded when a month closes.
CREATE TABLE month_compliance (
    company_id  BLOB NOT NULL,
    month       TEXT NOT NULL,
    agent_id    BLOB NOT NULL,
    branch_id   BLOB NOT NULL,
    results     TEXT NOT NULL,
    PRIMARY KEY (company_id, month, agent_id)
);

CREATE TABLE lead_movements (
    company_id     BLOB NOT NULL REFERENCES companies(id),
    id             BLOB NOT NULL,
    agent_id       BLOB NOT NULL,
    quarter        TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('allocation')),
    amount         INTEGER NOT NULL,
    deficit_after  INTEGER NOT NULL,
    suspended      INTEGER NOT NULL,
    facts          TEXT NOT NULL,
    source_key     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, source_key)
);
CREATE INDEX lead_movements_agent ON lead_movements (company_id, agent_id, quarter);
