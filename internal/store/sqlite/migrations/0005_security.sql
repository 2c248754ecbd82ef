-- 0005: security (issue 7): API tokens (only their SM3 hashes), the SM3
-- hash-chained audit log and its SM2-signed checkpoints. Times are Unix
-- milliseconds (UTC).
CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,            -- public part of the token
    name       TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL,
    agency_id  TEXT NOT NULL DEFAULT '',
    hash       TEXT NOT NULL,               -- sm3$<salt>$<digest>
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    expires_at INTEGER,                     -- NULL: never
    revoked_at INTEGER,                     -- NULL: live
    last_used  INTEGER
);

-- Append-only; seq has no gaps, each hash chains to the one before.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL DEFAULT '',
    role      TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL,
    target    TEXT NOT NULL DEFAULT '',
    outcome   TEXT NOT NULL DEFAULT '',
    remote    TEXT NOT NULL DEFAULT '',
    detail    TEXT,                          -- JSON as given; NULL for none
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target, seq);

CREATE TABLE audit_checkpoints (
    seq       INTEGER PRIMARY KEY,           -- the head's seq when signed
    hash      TEXT NOT NULL,
    at        INTEGER NOT NULL,
    signature TEXT NOT NULL
);
