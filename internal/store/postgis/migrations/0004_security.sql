-- 0004: security (issue 7): API tokens (only their SM3 hashes), the SM3
-- hash-chained audit log and its SM2-signed checkpoints.
CREATE TABLE api_tokens (
    id         text PRIMARY KEY,            -- public part of the token
    name       text NOT NULL DEFAULT '',
    role       text NOT NULL,
    agency_id  text NOT NULL DEFAULT '',
    hash       text NOT NULL,               -- sm3$<salt>$<digest>
    created_at timestamptz NOT NULL,
    created_by text NOT NULL DEFAULT '',
    expires_at timestamptz,                 -- NULL: never
    revoked_at timestamptz,                 -- NULL: live
    last_used  timestamptz
);

-- Append-only; seq has no gaps, each hash chains to the one before. Writers
-- serialise on an advisory transaction lock (see the store's AppendAudit).
CREATE TABLE audit_log (
    seq       bigint PRIMARY KEY,
    at        timestamptz NOT NULL,
    actor     text NOT NULL DEFAULT '',
    role      text NOT NULL DEFAULT '',
    action    text NOT NULL,
    target    text NOT NULL DEFAULT '',
    outcome   text NOT NULL DEFAULT '',
    remote    text NOT NULL DEFAULT '',
    detail    text,                          -- JSON, byte for byte as hashed (jsonb would reorder it); NULL for none
    prev_hash text NOT NULL,
    hash      text NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target, seq);

CREATE TABLE audit_checkpoints (
    seq       bigint PRIMARY KEY,            -- the head's seq when signed
    hash      text NOT NULL,
    at        timestamptz NOT NULL,
    signature text NOT NULL
);
