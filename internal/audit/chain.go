// Package audit is the arithmetic of the tamper-evident audit log: the
// canonical encoding of an entry, the SM3 hash chain that links each entry to
// the one before, SM2-signed checkpoints of the chain's head, and Verify,
// which walks a stored chain and names the first link that does not hold.
//
// It does no I/O of its own and holds no policy: the stores keep the chain
// (their AppendAudit numbers and links entries with Chain inside the
// transaction that writes them), the hub decides when to sign a checkpoint.
// It must not implement cryptography: SM3 and SM2 are gmsm's.
package audit

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tjfoc/gmsm/sm3"

	"github.com/ywtg/hub/internal/model"
)

// Genesis is the previous hash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// encodingV1 opens every encoding, so that a future encoding can never
// collide with this one.
const encodingV1 = "ywtg-audit-v1"

// Normalize returns e as the stores keep it, so that what is hashed is
// exactly what reads back from either store: At in UTC truncated to the
// millisecond (SQLite keeps milliseconds, PostgreSQL microseconds), text
// without NUL or invalid UTF-8 (which PostgreSQL's text refuses), an empty
// Detail as nil.
func Normalize(e model.AuditEntry) model.AuditEntry {
	e.At = e.At.Truncate(time.Millisecond).UTC()
	for _, s := range []*string{&e.Actor, &e.Role, &e.Action, &e.Target, &e.Outcome, &e.Remote} {
		*s = clean(*s)
	}
	if len(e.Detail) == 0 {
		e.Detail = nil
	} else {
		e.Detail = json.RawMessage(clean(string(e.Detail)))
	}
	return e
}

func clean(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// encode is e's canonical encoding: the version tag, At as Unix milliseconds
// in 8 big-endian bytes, then actor, role, action, target, outcome, remote
// and detail, each as a 4-byte big-endian length and its bytes. The fixed
// order and the lengths make it unambiguous (actor "ab" with role "" never
// encodes like actor "a" with role "b").
//
// Seq is left out on purpose: an entry's place is fixed by the link to its
// predecessor, and Verify requires the seqs to run 1, 2, 3… along the links,
// so a number is authenticated by its position; leaving it out lets Verify
// tell an entry moved to another seq from an edited one.
func encode(e model.AuditEntry) []byte {
	b := make([]byte, 0, 128+len(e.Detail))
	b = append(b, encodingV1...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.UnixMilli()))
	for _, s := range []string{e.Actor, e.Role, e.Action, e.Target, e.Outcome, e.Remote, string(e.Detail)} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

// Link is the hash of e chained to prevHash: the hex SM3 of prevHash's
// length and bytes followed by e's canonical encoding. e's PrevHash, Hash
// and Seq are not part of it; its At counts to the millisecond.
func Link(prevHash string, e model.AuditEntry) string {
	h := sm3.New()
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(prevHash)))
	h.Write(n[:])
	h.Write([]byte(prevHash))
	h.Write(encode(e))
	return hex.EncodeToString(h.Sum(nil))
}

// Chain links es onto the head (seq, hash) of a chain — (0, Genesis) for an
// empty one — and returns them normalised, numbered seq+1, seq+2… and
// hashed, each onto the one before. ErrInvalidEntry if one has no action or
// no time, or a detail that is not JSON; then none is returned.
func Chain(seq int64, hash string, es []model.AuditEntry) ([]model.AuditEntry, error) {
	out := make([]model.AuditEntry, len(es))
	for i, e := range es {
		e = Normalize(e)
		switch {
		case e.Action == "":
			return nil, fmt.Errorf("%w: no action", ErrInvalidEntry)
		case e.At.IsZero():
			return nil, fmt.Errorf("%w: %s has no time", ErrInvalidEntry, e.Action)
		case e.Detail != nil && !json.Valid(e.Detail):
			return nil, fmt.Errorf("%w: %s detail is not JSON", ErrInvalidEntry, e.Action)
		}
		seq++
		e.Seq, e.PrevHash = seq, hash
		e.Hash = Link(hash, e)
		hash = e.Hash
		out[i] = e
	}
	return out, nil
}
