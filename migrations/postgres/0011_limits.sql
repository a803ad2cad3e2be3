-- Counters shared by every instance (issue 14): login throttling and per-user write rate
-- limits. Instants are unix milliseconds/microseconds so the arithmetic is the same SQL on both
-- engines.

-- One row per throttled key ("account:<e-mail>", "address:<ip>"). Like login_emails these are
-- global: a login happens before the company is known. Writers upsert the key row first, which
-- serialises attempts at one key (a row lock on PostgreSQL, the write lock on SQLite).
CREATE TABLE login_throttle_keys (
    key         TEXT PRIMARY KEY,
    touched_ms  BIGINT NOT NULL
);
CREATE INDEX login_throttle_keys_touched ON login_throttle_keys (touched_ms);

-- A reserved attempt (a failure unless given back), one row per key it counts against.
CREATE TABLE login_throttle_slots (
    key     TEXT NOT NULL,
    slot    UUID NOT NULL,
    at_ms   BIGINT NOT NULL,
    PRIMARY KEY (key, slot)
);
CREATE INDEX login_throttle_slots_slot ON login_throttle_slots (slot);

-- GCRA state per caller: the theoretical arrival time of their next write.
CREATE TABLE write_rate_limits (
    company_id  UUID NOT NULL,
    subject_id  UUID NOT NULL,
    tat_us      BIGINT NOT NULL,
    PRIMARY KEY (company_id, subject_id)
);
CREATE INDEX write_rate_limits_tat ON write_rate_limits (tat_us);
