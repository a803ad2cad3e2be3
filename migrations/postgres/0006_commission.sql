-- Policies (COM-1), their callback history, notifications, the commission ledger and the
-- monthly statements (COM-8).

CREATE TABLE insurance_policies (
    company_id           UUID NOT NULL REFERENCES companies(id),
    id                   UUID NOT NULL,
    number               TEXT NOT NULL,
    agent_id             UUID NOT NULL,
    client_id            UUID NOT NULL,
    product              TEXT NOT NULL,
    premium_fen          BIGINT NOT NULL,
    commission_fen       BIGINT NOT NULL,
    printed_on           DATE NOT NULL,
    effective_on         DATE NOT NULL,
    receipt_returned_on  DATE,
    created_at           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, number),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id),
    FOREIGN KEY (company_id, client_id) REFERENCES clients(company_id, id)
);
CREATE INDEX insurance_policies_agent ON insurance_policies (company_id, agent_id);

CREATE TABLE policy_events (
    company_id  UUID NOT NULL,
    id          UUID NOT NULL,
    policy_id   UUID NOT NULL,
    seq         BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    actor_id    UUID NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, policy_id, seq)
);

CREATE TABLE notifications (
    company_id  UUID NOT NULL,
    id          UUID NOT NULL,
    user_id     UUID NOT NULL,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    source_key  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, source_key)
);
CREATE INDEX notifications_user ON notifications (company_id, user_id, created_at);

CREATE TABLE commission_entries (
    company_id   UUID NOT NULL,
    id           UUID NOT NULL,
    person_id    UUID NOT NULL,
    policy_id    UUID NOT NULL,
    month        TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('earned','held','released','deducted','withheld')),
    amount_fen   BIGINT NOT NULL,
    rule_id      TEXT NOT NULL,
    explanation  TEXT NOT NULL,
    source_key   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, source_key)
);
CREATE INDEX commission_entries_policy ON commission_entries (company_id, policy_id);
CREATE INDEX commission_entries_month ON commission_entries (company_id, month, person_id);

CREATE TABLE statements (
    company_id  UUID NOT NULL,
    id          UUID NOT NULL,
    person_id   UUID NOT NULL,
    branch_id   UUID NOT NULL,
    month       TEXT NOT NULL,
    lines       TEXT NOT NULL,
    net_fen     BIGINT NOT NULL,
    closed_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, person_id, month)
);

CREATE TABLE settled_months (
    company_id  UUID NOT NULL,
    branch_id   UUID NOT NULL,
    month       TEXT NOT NULL,
    closed_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, branch_id, month)
);
