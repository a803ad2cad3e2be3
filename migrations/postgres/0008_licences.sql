-- Agent licences and continuing education (LIC-1..LIC-3): the licence record per agent, the
-- CE courses, and the lapses (one per agent and CE year, written once by the year-end job
-- and reinstated by HR). Reminders use the notifications table.

CREATE TABLE agent_licences (
    company_id                 UUID NOT NULL,
    agent_id                   UUID NOT NULL,
    qualification_certificate  TEXT NOT NULL,
    issued_on                  DATE NOT NULL,
    agency_contract_on         DATE,
    practice_certificate       TEXT,
    recorded_on                DATE NOT NULL,
    created_at                 TIMESTAMPTZ NOT NULL,
    updated_at                 TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, agent_id),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);

CREATE TABLE ce_courses (
    company_id       UUID NOT NULL,
    id               UUID NOT NULL,
    agent_id         UUID NOT NULL,
    taken_on         DATE NOT NULL,
    hours_tenths     BIGINT NOT NULL CHECK (hours_tenths > 0),
    provider         TEXT NOT NULL,
    certificate_ref  TEXT,
    evidence_ref     TEXT,
    status           TEXT NOT NULL CHECK (status IN ('pending','confirmed','rejected')),
    recorded_by      UUID NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    decided_by       UUID,
    decided_at       TIMESTAMPTZ,
    decision_note    TEXT,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);
CREATE INDEX ce_courses_agent ON ce_courses (company_id, agent_id, taken_on);

CREATE TABLE licence_lapses (
    company_id     UUID NOT NULL,
    agent_id       UUID NOT NULL,
    ce_year        INTEGER NOT NULL,
    lapsed_on      DATE NOT NULL,
    done_tenths    BIGINT NOT NULL,
    due_tenths     BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    reinstated_on  DATE,
    reinstated_at  TIMESTAMPTZ,
    reinstated_by  UUID,
    PRIMARY KEY (company_id, agent_id, ce_year),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);
