package storetest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tjfoc/gmsm/sm2"

	"github.com/ywtg/hub/internal/audit"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

func auditEntry(action, target string, at time.Time, detail string) model.AuditEntry {
	e := model.AuditEntry{At: at, Actor: "王值班", Role: "operator", Action: action, Target: target, Outcome: "ok",
		Remote: "10.1.2.3:50123"}
	if detail != "" {
		e.Detail = json.RawMessage(detail)
	}
	return e
}

// requireIntact verifies the store's chain without checkpoints and checks
// its length.
func requireIntact(t *testing.T, s Store, entries int64) {
	t.Helper()
	rep, err := audit.Verify(context.Background(), s, nil, nil)
	require.NoError(t, err)
	require.Nil(t, rep.Broken, "%v", rep.Broken)
	require.Equal(t, entries, rep.Entries)
}

func testAuditAppend(t *testing.T, s Store) {
	ctx := context.Background()
	seq, hash, err := s.AuditHead(ctx)
	require.NoError(t, err)
	require.Zero(t, seq)
	require.Equal(t, audit.Genesis, hash)

	// Nanoseconds and another zone: kept to the millisecond, in UTC, and
	// hashed as kept. The detail keeps its key order and spacing.
	at := time.Date(2026, 11, 23, 10, 0, 0, 123_456_789, time.FixedZone("CST", 8*3600))
	hostile := auditEntry("device.disable", "device:fc-01", at, "")
	hostile.Actor, hostile.Remote = "nul\x00here", "bad \xff byte"
	es := []model.AuditEntry{auditEntry("token.create", "token:1a2b3c4d5e6f", at, `{"role":"viewer", "name":"screen-wall-1"}`),
		hostile}
	got, err := s.AppendAudit(ctx, es...)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.EqualValues(t, 1, got[0].Seq)
	require.Equal(t, audit.Genesis, got[0].PrevHash)
	require.Equal(t, time.Date(2026, 11, 23, 2, 0, 0, 123_000_000, time.UTC), got[0].At)
	require.Equal(t, `{"role":"viewer", "name":"screen-wall-1"}`, string(got[0].Detail))
	require.Equal(t, audit.Link(audit.Genesis, got[0]), got[0].Hash)
	require.EqualValues(t, 2, got[1].Seq)
	require.Equal(t, got[0].Hash, got[1].PrevHash)
	require.Equal(t, "nul\uFFFDhere", got[1].Actor, "text is stored as hashed")
	require.Nil(t, got[1].Detail)

	more, err := s.AppendAudit(ctx, auditEntry("api.request", "case:7", at.Add(time.Second), `{"method":"POST"}`))
	require.NoError(t, err)
	require.EqualValues(t, 3, more[0].Seq)
	require.Equal(t, got[1].Hash, more[0].PrevHash)
	all, err := s.ListAudit(ctx, store.AuditFilter{})
	require.NoError(t, err)
	require.Equal(t, append(got, more...), all, "every entry reads back exactly as returned")
	seq, hash, err = s.AuditHead(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 3, seq)
	require.Equal(t, more[0].Hash, hash)

	page, err := s.ListAudit(ctx, store.AuditFilter{AfterSeq: 1, Limit: 1})
	require.NoError(t, err)
	require.Equal(t, all[1:2], page)
	mine, err := s.ListAudit(ctx, store.AuditFilter{Target: "device:fc-01"})
	require.NoError(t, err)
	require.Equal(t, all[1:2], mine)

	none, err := s.AppendAudit(ctx)
	require.NoError(t, err)
	require.Empty(t, none)
	_, err = s.AppendAudit(ctx, auditEntry("ok.first", "", at, ""), auditEntry("", "", at, ""))
	require.ErrorIs(t, err, audit.ErrInvalidEntry)
	_, err = s.AppendAudit(ctx, auditEntry("bad.detail", "", at, `{"a":`))
	require.ErrorIs(t, err, audit.ErrInvalidEntry)
	requireIntact(t, s, 3)
}

func testAuditCaseWrites(t *testing.T, s Store) {
	ctx := context.Background()
	c := simpleCase(stReported, "", "152921", 0)
	w := store.CaseWrites{Events: []model.CaseEvent{event("create", "", stReported, t0, "")},
		Audit: []model.AuditEntry{auditEntry("case.create", "", t0, `{"from":"","to":"reported","version":1}`)}}
	require.NoError(t, s.CreateCase(ctx, c, w))
	target := fmt.Sprintf("case:%d", c.ID)

	c.State = stRegistered
	w = store.CaseWrites{Events: []model.CaseEvent{event("register", stReported, stRegistered, ms(1000), "")},
		Outbox: []model.OutboxMessage{message("k-register", "water", ms(1000))},
		Audit: []model.AuditEntry{auditEntry("case.register", "", ms(1000), `{"from":"reported","to":"registered","version":2}`),
			auditEntry("webhook.queue", "agency:water", ms(1000), "")}}
	require.NoError(t, s.UpdateCase(ctx, c, w))
	log, err := s.ListAudit(ctx, store.AuditFilter{Target: target})
	require.NoError(t, err)
	require.Len(t, log, 2, "the target defaults to the case")
	require.Equal(t, []string{"case.create", "case.register"}, []string{log[0].Action, log[1].Action})
	require.EqualValues(t, 1, log[0].Seq)
	other, err := s.ListAudit(ctx, store.AuditFilter{Target: "agency:water"})
	require.NoError(t, err)
	require.Len(t, other, 1, "a target given is kept")

	stale := *c
	stale.Version--
	err = s.UpdateCase(ctx, &stale, store.CaseWrites{Audit: []model.AuditEntry{auditEntry("case.stale", "", ms(2000), "")}})
	require.ErrorIs(t, err, store.ErrConflict)
	dup := store.CaseWrites{Outbox: []model.OutboxMessage{message("k-register", "water", ms(3000))},
		Audit: []model.AuditEntry{auditEntry("case.dup", "", ms(3000), "")}}
	require.ErrorIs(t, s.UpdateCase(ctx, c, dup), store.ErrExists)
	bad := store.CaseWrites{Events: []model.CaseEvent{event("comment", "", "", ms(4000), "")},
		Audit: []model.AuditEntry{auditEntry("", "", ms(4000), "")}}
	require.ErrorIs(t, s.UpdateCase(ctx, c, bad), audit.ErrInvalidEntry, "a bad audit entry fails the case write")
	got, err := s.GetCase(ctx, c.ID)
	require.NoError(t, err)
	require.EqualValues(t, 2, got.Version, "refused writes leave the case alone")
	ev, _ := countWrites(t, s, c.ID)
	require.Equal(t, 2, ev)
	requireIntact(t, s, 3)
}

func testAuditCheckpoints(t *testing.T, s Store) {
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 10, 15, 0, 987_654_321, time.Local)
	b := model.AuditCheckpoint{Seq: 5, Hash: audit.Genesis, At: at, Signature: "c2lnbmF0dXJl"}
	a := model.AuditCheckpoint{Seq: 2, Hash: "ab", At: at, Signature: "YQ=="}
	require.NoError(t, s.AddAuditCheckpoint(ctx, b))
	require.NoError(t, s.AddAuditCheckpoint(ctx, a))
	again := b
	again.Signature = "b3RoZXI="
	require.ErrorIs(t, s.AddAuditCheckpoint(ctx, again), store.ErrExists, "another hub signed that head first")
	cps, err := s.ListAuditCheckpoints(ctx)
	require.NoError(t, err)
	a.At, b.At = at.Truncate(time.Millisecond).UTC(), at.Truncate(time.Millisecond).UTC()
	require.Equal(t, []model.AuditCheckpoint{a, b}, cps)
}

// testAuditConcurrent: appends and case writes from many goroutines link
// into one chain, and a case write that loses its race leaves no entry.
func testAuditConcurrent(t *testing.T, s Store) {
	ctx := context.Background()
	c := simpleCase(stDispatched, "water", "152923", 0)
	require.NoError(t, s.CreateCase(ctx, c, store.CaseWrites{}))
	const writers, each = 6, 5
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, writers)
	won := make([]bool, writers)
	for i := range writers {
		wg.Go(func() {
			<-start
			for j := range each {
				_, err := s.AppendAudit(ctx, auditEntry("api.request", fmt.Sprintf("w%d", i), ms(int64(j)), ""))
				if err != nil {
					errs[i] = err
					return
				}
			}
			x := *c
			err := s.UpdateCase(ctx, &x, store.CaseWrites{Audit: []model.AuditEntry{
				auditEntry("case.accept", "", t0, fmt.Sprintf(`{"writer":%d}`, i))}})
			won[i] = err == nil
			if err != nil && !errors.Is(err, store.ErrConflict) {
				errs[i] = err
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	wins := 0
	for _, w := range won {
		if w {
			wins++
		}
	}
	require.Equal(t, 1, wins, "one case update wins")
	requireIntact(t, s, writers*each+1)
	log, err := s.ListAudit(ctx, store.AuditFilter{Target: fmt.Sprintf("case:%d", c.ID)})
	require.NoError(t, err)
	require.Len(t, log, 1, "only the winner's entry")
}

// Tamper runs SQL on a backend's database behind the store's back.
type Tamper func(t *testing.T, sql string)

// RunAuditTamper builds an audit chain in a fresh store from newStore —
// entries appended alone and with case writes, checkpoints at 4 and 8, ten
// entries — then tampers with it in SQL in each of the ways audit.Verify
// names, and checks that it names the right seq and kind.
func RunAuditTamper(t *testing.T, newStore func(t *testing.T) (Store, Tamper)) {
	forger, err := sm2.GenerateKey(rand.Reader)
	require.NoError(t, err)
	for _, tc := range []struct {
		desc   string
		tamper func(t *testing.T, s Store, sql Tamper)
		seq    int64
		kind   audit.Kind
	}{
		{"intact", func(*testing.T, Store, Tamper) {}, 0, ""},
		{"a field edited", func(t *testing.T, _ Store, sql Tamper) {
			sql(t, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 6`)
		}, 6, audit.Edited},
		{"a case entry's detail edited", func(t *testing.T, _ Store, sql Tamper) {
			sql(t, `UPDATE audit_log SET detail = replace(detail, 'registered', 'rejected') WHERE seq = 5`)
		}, 5, audit.Edited},
		{"an entry deleted", func(t *testing.T, _ Store, sql Tamper) {
			sql(t, `DELETE FROM audit_log WHERE seq = 5`)
		}, 5, audit.Deleted},
		{"two entries' seqs swapped", func(t *testing.T, _ Store, sql Tamper) {
			sql(t, `UPDATE audit_log SET seq = -1 WHERE seq = 6`)
			sql(t, `UPDATE audit_log SET seq = 6 WHERE seq = 7`)
			sql(t, `UPDATE audit_log SET seq = 7 WHERE seq = -1`)
		}, 6, audit.Reordered},
		{"the tail cut below a checkpoint", func(t *testing.T, _ Store, sql Tamper) {
			sql(t, `DELETE FROM audit_log WHERE seq >= 7`)
		}, 7, audit.Truncated},
		{"a checkpoint forged", func(t *testing.T, s Store, sql Tamper) {
			cp, err := audit.Checkpoint(forger, 4, entryAt(t, s, 4).Hash, t0)
			require.NoError(t, err)
			sql(t, fmt.Sprintf(`UPDATE audit_checkpoints SET signature = '%s' WHERE seq = 4`, cp.Signature))
		}, 4, audit.Forged},
		{"an entry rewritten and re-hashed under a checkpoint", func(t *testing.T, s Store, sql Tamper) {
			e := entryAt(t, s, 8)
			e.Actor = "mallory"
			sql(t, fmt.Sprintf(`UPDATE audit_log SET actor = 'mallory', hash = '%s' WHERE seq = 8`,
				audit.Link(e.PrevHash, e)))
		}, 8, audit.Mismatch},
		{"an entry rewritten and re-hashed after the last checkpoint", func(t *testing.T, s Store, sql Tamper) {
			e := entryAt(t, s, 9)
			e.Outcome = "denied"
			sql(t, fmt.Sprintf(`UPDATE audit_log SET outcome = 'denied', hash = '%s' WHERE seq = 9`,
				audit.Link(e.PrevHash, e)))
		}, 10, audit.Deleted},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			s, sql := newStore(t)
			key := auditFixture(t, s)
			tc.tamper(t, s, sql)
			ctx := context.Background()
			cps, err := s.ListAuditCheckpoints(ctx)
			require.NoError(t, err)
			rep, err := audit.Verify(ctx, s, cps, &key.PublicKey)
			require.NoError(t, err)
			if tc.kind == "" {
				require.Nil(t, rep.Broken, "%v", rep.Broken)
				require.EqualValues(t, 10, rep.Entries)
				require.EqualValues(t, 10, rep.HeadSeq)
				require.Equal(t, 2, rep.Checkpoints)
				return
			}
			require.NotNil(t, rep.Broken, "the tampering went unnoticed")
			require.Equal(t, tc.kind, rep.Broken.Kind, rep.Broken.String())
			require.Equal(t, tc.seq, rep.Broken.Seq, rep.Broken.String())
		})
	}
}

// auditFixture builds a ten-entry chain — appended alone (1–3, 6, 9–10)
// and with case writes (4 create, 5 register, 7–8 dispatch) — with signed
// checkpoints at 4 and 8, and returns the signing key.
func auditFixture(t *testing.T, s Store) *sm2.PrivateKey {
	t.Helper()
	ctx := context.Background()
	key, err := sm2.GenerateKey(rand.Reader)
	require.NoError(t, err)
	appendN := func(n int) {
		for range n {
			_, err := s.AppendAudit(ctx, auditEntry("api.request", "device:fc-01", ms(1), `{"method":"PUT"}`))
			require.NoError(t, err)
		}
	}
	sign := func() {
		seq, hash, err := s.AuditHead(ctx)
		require.NoError(t, err)
		cp, err := audit.Checkpoint(key, seq, hash, ms(2))
		require.NoError(t, err)
		require.NoError(t, s.AddAuditCheckpoint(ctx, cp))
	}
	appendN(3)
	c := simpleCase(stReported, "", "152921", 0)
	require.NoError(t, s.CreateCase(ctx, c, store.CaseWrites{Audit: []model.AuditEntry{
		auditEntry("case.create", "", ms(10), `{"from":"","to":"reported","version":1}`)}}))
	sign()
	c.State = stRegistered
	require.NoError(t, s.UpdateCase(ctx, c, store.CaseWrites{Audit: []model.AuditEntry{
		auditEntry("case.register", "", ms(20), `{"from":"reported","to":"registered","version":2}`)}}))
	appendN(1)
	c.State = stDispatched
	require.NoError(t, s.UpdateCase(ctx, c, store.CaseWrites{Audit: []model.AuditEntry{
		auditEntry("case.dispatch", "", ms(30), `{"from":"registered","to":"dispatched","agency":"water","version":3}`),
		auditEntry("webhook.queue", "agency:water", ms(30), "")}}))
	sign()
	appendN(2)
	return key
}

func entryAt(t *testing.T, s Store, seq int64) model.AuditEntry {
	t.Helper()
	es, err := s.ListAudit(context.Background(), store.AuditFilter{AfterSeq: seq - 1, Limit: 1})
	require.NoError(t, err)
	require.Len(t, es, 1)
	require.Equal(t, seq, es[0].Seq)
	return es[0]
}
