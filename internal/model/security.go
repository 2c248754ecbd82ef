package model

import (
	"encoding/json"
	"time"
)

// APIToken is a bearer token for the API, the console and the screen. Only
// the SM3 hash of its secret is kept; the full token ("ywt_<id>_<secret>") is
// shown once, when it is created.
type APIToken struct {
	ID        string    `json:"id"`                  // public part, 12 hex digits
	Name      string    `json:"name"`                // who or what holds it, e.g. "值班员 张三", "screen-wall-1"
	Role      string    `json:"role"`                // one of the dispatch roles, or "broker"
	AgencyID  string    `json:"agency_id,omitempty"` // an agency user's agency; "" otherwise
	Hash      string    `json:"-"`                   // "sm3$<salt hex>$<digest hex>"
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	LastUsed  time.Time `json:"last_used_at,omitzero"`
}

// AuditEntry is one link of the tamper-evident audit chain: every case
// transition, admin action and mutating API call. Hash is the SM3 of the
// previous link's hash and this entry's canonical encoding (internal/audit),
// both hex.
type AuditEntry struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	Role     string          `json:"role,omitempty"`
	Action   string          `json:"action"`            // e.g. case.dispatch, token.create, api.request, pii.unmask
	Target   string          `json:"target,omitempty"`  // e.g. case:42, token:1a2b…, device:fc-01
	Outcome  string          `json:"outcome,omitempty"` // ok, or the refusal's reason
	Remote   string          `json:"remote,omitempty"`
	Detail   json.RawMessage `json:"detail,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// AuditCheckpoint is the chain head at Seq signed with the hub's SM2 key, so
// that cutting the tail of the chain, or rewriting all of it, shows.
type AuditCheckpoint struct {
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"` // the head's hash
	At        time.Time `json:"at"`
	Signature string    `json:"signature"` // base64 SM2 signature over "seq.hash.<At in Unix ms>"
}
