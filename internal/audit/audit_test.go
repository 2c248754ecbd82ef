package audit_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tjfoc/gmsm/sm2"

	"github.com/ywtg/hub/internal/audit"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func entry(i int) model.AuditEntry {
	return model.AuditEntry{At: t0.Add(time.Duration(i) * time.Minute), Actor: "王值班", Role: "operator",
		Action: "case.register", Target: fmt.Sprintf("case:%d", i), Outcome: "ok", Remote: "10.0.0.7",
		Detail: json.RawMessage(fmt.Sprintf(`{"from":"reported","to":"registered","version":%d}`, i))}
}

// TestLinkIsPinned fails if the encoding or the hash changes: every stored
// chain would stop verifying. The value was computed independently, with
// OpenSSL's SM3 over the encoding the package documents.
func TestLinkIsPinned(t *testing.T) {
	e := entry(1)
	require.Equal(t, "2bfcf5a6cd21af6aa8a7fbc5c51578812befffce80db0040664a588239b6ff50", audit.Link(audit.Genesis, e))
}

func TestEncodingIsUnambiguous(t *testing.T) {
	base := model.AuditEntry{At: t0, Action: "x"}
	for _, tc := range []struct {
		desc string
		a, b func(*model.AuditEntry)
	}{
		{"a byte moved across a field boundary", func(e *model.AuditEntry) { e.Actor, e.Role = "ab", "" },
			func(e *model.AuditEntry) { e.Actor, e.Role = "a", "b" }},
		{"the same text in another field", func(e *model.AuditEntry) { e.Target = "case:1" },
			func(e *model.AuditEntry) { e.Outcome = "case:1" }},
		{"a millisecond apart", func(e *model.AuditEntry) {}, func(e *model.AuditEntry) { e.At = e.At.Add(time.Millisecond) }},
		{"detail whitespace", func(e *model.AuditEntry) { e.Detail = json.RawMessage(`{"a":1}`) },
			func(e *model.AuditEntry) { e.Detail = json.RawMessage(`{"a": 1}`) }},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			a, b := base, base
			tc.a(&a)
			tc.b(&b)
			require.NotEqual(t, audit.Link(audit.Genesis, a), audit.Link(audit.Genesis, b))
		})
	}
	e := base
	require.NotEqual(t, audit.Link(audit.Genesis, e), audit.Link("1"+audit.Genesis[1:], e), "the previous hash counts")
	e.Seq, e.PrevHash, e.Hash = 7, "x", "y"
	require.Equal(t, audit.Link(audit.Genesis, base), audit.Link(audit.Genesis, e), "seq and the stored hashes do not")
}

func TestChainNormalises(t *testing.T) {
	e := entry(1)
	e.At = e.At.Add(1234567 * time.Nanosecond)
	e.Actor = "bad\x00\xff"
	es, err := audit.Chain(41, "ab", []model.AuditEntry{e, entry(2)})
	require.NoError(t, err)
	require.EqualValues(t, 42, es[0].Seq)
	require.Equal(t, "ab", es[0].PrevHash)
	require.EqualValues(t, 43, es[1].Seq)
	require.Equal(t, es[0].Hash, es[1].PrevHash)
	require.Equal(t, t0.Add(time.Minute+time.Millisecond).UTC(), es[0].At, "UTC, truncated to the millisecond")
	require.Equal(t, time.UTC, es[0].At.Location())
	require.Equal(t, "bad\uFFFD\uFFFD", es[0].Actor)
	require.Equal(t, audit.Link("ab", es[0]), es[0].Hash, "the hash is of what is kept")
	require.Equal(t, es[0], audit.Normalize(es[0]), "normalising is idempotent")
}

func TestChainRefusesInvalidEntries(t *testing.T) {
	for _, tc := range []struct {
		desc string
		edit func(*model.AuditEntry)
	}{
		{"no action", func(e *model.AuditEntry) { e.Action = "" }},
		{"no time", func(e *model.AuditEntry) { e.At = time.Time{} }},
		{"detail not JSON", func(e *model.AuditEntry) { e.Detail = json.RawMessage(`{"a":`) }},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			bad := entry(2)
			tc.edit(&bad)
			_, err := audit.Chain(0, audit.Genesis, []model.AuditEntry{entry(1), bad})
			require.ErrorIs(t, err, audit.ErrInvalidEntry)
		})
	}
}

func key(t *testing.T) *sm2.PrivateKey {
	t.Helper()
	k, err := sm2.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return k
}

func TestCheckpointSignature(t *testing.T) {
	k := key(t)
	cp, err := audit.Checkpoint(k, 12, audit.Genesis, t0)
	require.NoError(t, err)
	require.NoError(t, audit.VerifyCheckpoint(&k.PublicKey, cp))
	require.ErrorIs(t, audit.VerifyCheckpoint(&key(t).PublicKey, cp), audit.ErrBadSignature, "another key")
	for _, edit := range []func(*model.AuditCheckpoint){
		func(c *model.AuditCheckpoint) { c.Seq = 13 },
		func(c *model.AuditCheckpoint) { c.Hash = "1" + c.Hash[1:] },
		func(c *model.AuditCheckpoint) { c.Signature = "not base64!" },
		func(c *model.AuditCheckpoint) { c.Signature = "" },
		func(c *model.AuditCheckpoint) { c.At = c.At.Add(-time.Hour) }, // the time is signed too
	} {
		bad := cp
		edit(&bad)
		require.ErrorIs(t, audit.VerifyCheckpoint(&k.PublicKey, bad), audit.ErrBadSignature)
	}
	require.ErrorIs(t, audit.VerifyCheckpoint(nil, cp), audit.ErrNoKey)

	// A checkpoint made before its time was signed ("<seq>.<hash>") still
	// proves its head.
	der, err := k.Sign(rand.Reader, []byte(fmt.Sprintf("%d.%s", 12, audit.Genesis)), nil)
	require.NoError(t, err)
	old := model.AuditCheckpoint{Seq: 12, Hash: audit.Genesis, At: t0, Signature: base64.StdEncoding.EncodeToString(der)}
	require.NoError(t, audit.VerifyCheckpoint(&k.PublicKey, old))
	old.Seq = 13
	require.ErrorIs(t, audit.VerifyCheckpoint(&k.PublicKey, old), audit.ErrBadSignature)
}

// memLog is a stored chain in memory: rows a test can tamper with.
type memLog struct{ rows []model.AuditEntry }

func (m *memLog) ListAudit(_ context.Context, f store.AuditFilter) ([]model.AuditEntry, error) {
	rows := slices.SortedFunc(slices.Values(m.rows), func(a, b model.AuditEntry) int { return int(a.Seq - b.Seq) })
	var out []model.AuditEntry
	for _, e := range rows {
		if e.Seq > f.AfterSeq && (f.Target == "" || e.Target == f.Target) && (f.Limit == 0 || len(out) < f.Limit) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memLog) row(seq int64) *model.AuditEntry {
	for i := range m.rows {
		if m.rows[i].Seq == seq {
			return &m.rows[i]
		}
	}
	panic(fmt.Sprint("no seq ", seq))
}

func (m *memLog) delete(seqs ...int64) {
	m.rows = slices.DeleteFunc(m.rows, func(e model.AuditEntry) bool { return slices.Contains(seqs, e.Seq) })
}

// TestVerify tampers with a 12-entry chain read in pages of 5, with
// checkpoints at 4 and 10, and checks Verify names the first break.
func TestVerify(t *testing.T) {
	defer audit.SetPageSize(5)()
	k, forger := key(t), key(t)
	for _, tc := range []struct {
		desc   string
		tamper func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint
		seq    int64
		kind   audit.Kind
	}{
		{"intact", nil, 0, ""},
		{"a field edited", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			m.row(6).Outcome = "denied"
			return cps
		}, 6, audit.Edited},
		{"detail edited", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			m.row(7).Detail = json.RawMessage(`{"from":"reported","to":"closed","version":7}`)
			return cps
		}, 7, audit.Edited},
		{"hash edited", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			m.row(3).Hash = audit.Genesis
			return cps
		}, 3, audit.Edited},
		{"prev_hash edited", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			m.row(8).PrevHash = m.row(2).Hash
			return cps
		}, 8, audit.Edited},
		{"an entry deleted", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			m.delete(5)
			return cps
		}, 5, audit.Deleted},
		{"the first entry deleted", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			m.delete(1)
			return cps
		}, 1, audit.Deleted},
		{"deleted and renumbered", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			m.delete(11)
			m.row(12).Seq = 11
			return cps
		}, 11, audit.Deleted},
		{"two entries swapped", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			m.row(5).Seq, m.row(6).Seq = -1, 5
			m.row(-1).Seq = 6
			return cps
		}, 5, audit.Reordered},
		{"entries far apart swapped (across pages)", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			m.row(2).Seq, m.row(9).Seq = -1, 2
			m.row(-1).Seq = 9
			return cps
		}, 2, audit.Reordered},
		{"tail cut below a checkpoint", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			m.delete(8, 9, 10, 11, 12)
			return cps
		}, 8, audit.Truncated},
		{"a checkpoint forged", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			cp, err := audit.Checkpoint(forger, 4, cps[0].Hash, t0)
			require.NoError(t, err)
			cps[0] = cp
			return cps
		}, 4, audit.Forged},
		{"a forged checkpoint beyond the head", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			cp, err := audit.Checkpoint(forger, 20, audit.Genesis, t0)
			require.NoError(t, err)
			return append(cps, cp)
		}, 20, audit.Forged},
		{"rewritten and re-hashed under a checkpoint", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			e := m.row(10)
			e.Actor = "someone else"
			e.Hash = audit.Link(e.PrevHash, *e)
			return cps
		}, 10, audit.Mismatch},
		{"rewritten and re-hashed after the last checkpoint", func(t *testing.T, m *memLog, cps []model.AuditCheckpoint) []model.AuditCheckpoint {
			e := m.row(11)
			e.Actor = "someone else"
			e.Hash = audit.Link(e.PrevHash, *e)
			return cps
		}, 12, audit.Deleted},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var es []model.AuditEntry
			for i := range 12 {
				es = append(es, entry(i+1))
			}
			es, err := audit.Chain(0, audit.Genesis, es)
			require.NoError(t, err)
			m := &memLog{rows: es}
			var cps []model.AuditCheckpoint
			for _, seq := range []int64{4, 10} {
				cp, err := audit.Checkpoint(k, seq, es[seq-1].Hash, t0)
				require.NoError(t, err)
				cps = append(cps, cp)
			}
			if tc.tamper != nil {
				cps = tc.tamper(t, m, cps)
			}
			rep, err := audit.Verify(context.Background(), m, cps, &k.PublicKey)
			require.NoError(t, err)
			if tc.kind == "" {
				require.Nil(t, rep.Broken)
				require.NoError(t, rep.Err())
				require.EqualValues(t, 12, rep.Entries)
				require.EqualValues(t, 12, rep.HeadSeq)
				require.Equal(t, es[11].Hash, rep.HeadHash)
				require.Equal(t, 2, rep.Checkpoints)
				return
			}
			require.NotNil(t, rep.Broken, "tampering went unnoticed")
			require.Equal(t, tc.kind, rep.Broken.Kind, rep.Broken.String())
			require.Equal(t, tc.seq, rep.Broken.Seq, rep.Broken.String())
			require.ErrorIs(t, rep.Err(), audit.ErrBroken)
			require.Less(t, rep.HeadSeq, max(tc.seq, 13))
		})
	}
}

func TestVerifyEmptyAndKeyless(t *testing.T) {
	ctx := context.Background()
	rep, err := audit.Verify(ctx, &memLog{}, nil, nil)
	require.NoError(t, err)
	require.Nil(t, rep.Broken)
	require.Equal(t, audit.Genesis, rep.HeadHash)
	k := key(t)
	cp, err := audit.Checkpoint(k, 1, audit.Genesis, t0)
	require.NoError(t, err)
	_, err = audit.Verify(ctx, &memLog{}, []model.AuditCheckpoint{cp}, nil)
	require.ErrorIs(t, err, audit.ErrNoKey)
	rep, err = audit.Verify(ctx, &memLog{}, []model.AuditCheckpoint{cp}, &k.PublicKey)
	require.NoError(t, err)
	require.Equal(t, audit.Truncated, rep.Broken.Kind, "a signed head and no log: everything was cut")
	require.EqualValues(t, 1, rep.Broken.Seq)
}

func TestVerifySince(t *testing.T) {
	defer audit.SetPageSize(3)()
	var es []model.AuditEntry
	for i := range 8 {
		es = append(es, entry(i+1))
	}
	es, err := audit.Chain(0, audit.Genesis, es)
	require.NoError(t, err)
	m := &memLog{rows: es}
	m.row(2).Actor = "before the known head: not read"
	rep, err := audit.VerifySince(context.Background(), m, 4, es[3].Hash)
	require.NoError(t, err)
	require.Nil(t, rep.Broken)
	require.EqualValues(t, 4, rep.Entries)
	require.EqualValues(t, 8, rep.HeadSeq)
	m.row(7).Actor = "edited"
	rep, err = audit.VerifySince(context.Background(), m, 4, es[3].Hash)
	require.NoError(t, err)
	require.Equal(t, audit.Break{Seq: 7, Kind: audit.Edited, What: rep.Broken.What}, *rep.Broken)
}
