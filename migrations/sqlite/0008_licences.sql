-- Agent licences and continuing education (LIC-1..LIC-3): the licence record per agent, the
-- CE courses, and the lapses (one per agent and CE year, written once by the year-end job
-- and reinstated by HR). Reminders use the notifications table.

CREATE TABLE agent_licences (
    company_id                 BLOB NOT NULL,
    agent_id                   BLOB NOT NULL,
    qualification_certificate  TEXT NOT NULL,
    issued_on                  TEXT NOT NULL,
    agency_contract_on         TEXT,
    practice_certificate       TEXT,
    recorded_on                TEXT NOT NULL,
    created_at                 TEXT NOT NULL,
    updated_at                 TEXT NOT NULL,
    PRIMARY KEY (company_id, agent_id),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);

CREATE TABLE ce_courses (
    company_id       BLOB NOT NULL,
    id               BLOB NOT NULL,
    agent_id         BLOB NOT NULL,
    taken_on         TEXT NOT NULL,
    hours_tenths     INTEGER NOT NULL CHECK (hours_tenths > 0),
    provider         TEXT NOT NULL,
    certificate_ref  TEXT,
    evidence_ref     TEXT,
    status           TEXT NOT NULL CHECK (status IN ('pending','confirmed','rejected')),
    recorded_by      BLOB NOT NULL,
    recorded_at      TEXT NOT NULL,
    decided_by       BLOB,
    decided_at       TEXT,
    decision_note    TEXT,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);
CREATE INDEX ce_courses_agent ON ce_courses (company_id, agent_id, taken_on);

CREATE TABLE licence_lapses (
    company_id     BLOB NOT NULL,
    agent_id       BLOB NOT NULL,
    ce_year        INTEGER NOT NULL,
    lapsed_on      TEXT NOT NULL,
    done_tenths    INTEGER NOT NULL,
    due_tenths     INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    reinstated_on  TEXT,
    reinstated_at  TEXT,
    reinstated_by  BLOB,
    PRIMARY KEY (company_id, agent_id, ce_year),
    FOREIGN KEY (company_id, agent_id) REFERENCES users(company_id, id)
);
