-- Policy versions (POL-1), the penalty and client-lead ledgers (LEDGER-1), closed periods.

CREATE TABLE policy_versions (
    company_id      UUID NOT NULL REFERENCES companies(id),
    id              UUID NOT NULL,
    branch_id       UUID,
    -- 'company' or the branch id: uniqueness of version numbers per scope.
    scope_key       TEXT NOT NULL,
    version         BIGINT NOT NULL,
    effective_from  DATE NOT NULL,
    document        TEXT NOT NULL,
    created_by      UUID NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, scope_key, version)
);

CREATE TABLE penalty_entries (
    company_id      UUID NOT NULL REFERENCES companies(id),
    id              UUID NOT NULL,
    person_id       UUID NOT NULL,
    person_role     TEXT NOT NULL CHECK (person_role IN ('agent','supervisor')),
    branch_id       UUID,
    rule_id         TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('penalty','adjustment','waiver')),
    business_day    DATE NOT NULL,
    posted_day      DATE NOT NULL,
    amount_fen      BIGINT NOT NULL,
    leads           BIGINT NOT NULL,
    policy_id       UUID,
    policy_version  BIGINT NOT NULL,
    facts           TEXT NOT NULL,
    explanation     TEXT NOT NULL,
    source_key      TEXT NOT NULL,
    base_key        TEXT NOT NULL,
    refers_to       UUID,
    reason          TEXT,
    created_by      UUID,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, source_key)
);
CREATE INDEX penalty_entries_person ON penalty_entries (company_id, person_id, business_day);
CREATE INDEX penalty_entries_branch_day ON penalty_entries (company_id, branch_id, business_day);
CREATE INDEX penalty_entries_posted ON penalty_entries (company_id, person_id, posted_day);

CREATE TABLE closed_days (
    company_id  UUID NOT NULL,
    branch_id   UUID NOT NULL,
    date        DATE NOT NULL,
    closed_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, branch_id, date)
);

CREATE TABLE closed_months (
    company_id  UUID NOT NULL,
    branch_id   UUID NOT NULL,
    month       TEXT NOT NULL,
    closed_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, branch_id, month)
);

-- QUO-3: monthly compliance results, recorded when a month closes.
CREATE TABLE month_compliance (
    company_id  UUID NOT NULL,
    month       TEXT NOT NULL,
    agent_id    UUID NOT NULL,
    branch_id   UUID NOT NULL,
    results     TEXT NOT NULL,
    PRIMARY KEY (company_id, month, agent_id)
);

CREATE TABLE lead_movements (
    company_id     UUID NOT NULL REFERENCES companies(id),
    id             UUID NOT NULL,
    agent_id       UUID NOT NULL,
    quarter        TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('allocation')),
    amount         BIGINT NOT NULL,
    deficit_after  BIGINT NOT NULL,
    suspended      BOOLEAN NOT NULL,
    facts          TEXT NOT NULL,
    source_key     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, source_key)
);
CREATE INDEX lead_movements_agent ON lead_movements (company_id, agent_id, quarter);
