package hub_test

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/ywtg/hub/internal/audit"
	"github.com/ywtg/hub/internal/dispatch/webhook"
	"github.com/ywtg/hub/internal/hub"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/sqlite"
)

// auditChain writes n audit entries to the SQLite store in dir, two of them
// with a case, as a hub would.
func auditChain(t *testing.T, dir string, n int) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir)
	require.NoError(t, err)
	defer s.Close()
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	c := model.Case{Source: model.CaseSourceHotline, Category: "01.01.05", State: "reported", CreatedAt: at, UpdatedAt: at}
	require.NoError(t, s.CreateCase(ctx, &c, store.CaseWrites{Audit: []model.AuditEntry{{At: at, Actor: "王值班",
		Role: "operator", Action: "case.create", Outcome: "ok", Detail: []byte(`{"from":"","to":"reported","version":1}`)}}}))
	c.State = "registered"
	require.NoError(t, s.UpdateCase(ctx, &c, store.CaseWrites{Audit: []model.AuditEntry{{At: at, Actor: "王值班",
		Role: "operator", Action: "case.register", Outcome: "ok", Detail: []byte(`{"from":"reported","to":"registered","version":2}`)}}}))
	for range n - 2 {
		_, err := s.AppendAudit(ctx, model.AuditEntry{At: at, Actor: "admin", Role: "admin", Action: "token.create",
			Target: "token:1a2b3c4d5e6f", Outcome: "ok"})
		require.NoError(t, err)
	}
}

// runAudit runs `hub audit …` and returns its output.
func runAudit(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := hub.Main(context.Background(), append([]string{"audit"}, args...), &out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return out.String(), err
}

// startStop starts a hub on dir that signs the audit chain's head every
// hour (never, in a test) and stops it, which signs it once.
func startStop(t *testing.T, dir string) {
	t.Helper()
	h, err := hub.Start(context.Background(), hub.Options{HTTPAddr: "127.0.0.1:0", MQTTAddr: "127.0.0.1:0", DataDir: dir,
		AuditCheckpoint: "@every 1h", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	require.NoError(t, h.Close())
}

// TestAuditVerifyCLI: a hub signs the chain's head as it stops; `hub audit
// verify` finds the chain intact, then names the row edited behind the
// store's back, and fails.
func TestAuditVerifyCLI(t *testing.T) {
	dir := t.TempDir()
	auditChain(t, dir, 5)
	startStop(t, dir)
	require.FileExists(t, filepath.Join(dir, "audit-sm2.pem"), "the hub made its audit key")

	out, err := runAudit(t, "verify", "--data-dir", dir)
	require.NoError(t, err, out)
	require.Contains(t, out, "entries checked:      5\n")
	require.Contains(t, out, "checkpoints verified: 1 of 1\n")
	require.Contains(t, out, "chain intact")

	out, err = runAudit(t, "list", "--data-dir", dir, "--target", "case:1")
	require.NoError(t, err)
	require.Contains(t, out, "case.create")
	require.Contains(t, out, "case.register")
	require.NotContains(t, out, "token.create")

	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`)
	require.NoError(t, err)
	out, err = runAudit(t, "verify", "--data-dir", dir)
	require.ErrorIs(t, err, audit.ErrBroken)
	require.Contains(t, out, "BROKEN at seq 2: edited")
	require.Contains(t, out, "entries checked:      1\n")
}

// TestAuditCheckpointAtShutdown: a stop signs the head only if it moved,
// and never over entries that do not link; an auditor verifies with the
// public key alone.
func TestAuditCheckpointAtShutdown(t *testing.T) {
	dir := t.TempDir()
	auditChain(t, dir, 3)
	startStop(t, dir)
	startStop(t, dir)
	checkpoints := func() []model.AuditCheckpoint {
		s, err := sqlite.Open(context.Background(), dir)
		require.NoError(t, err)
		defer s.Close()
		cps, err := s.ListAuditCheckpoints(context.Background())
		require.NoError(t, err)
		return cps
	}
	cps := checkpoints()
	require.Len(t, cps, 1, "the head did not move: one checkpoint")
	require.EqualValues(t, 3, cps[0].Seq)

	key, err := webhook.LoadOrCreateKey(filepath.Join(dir, "audit-sm2.pem"))
	require.NoError(t, err)
	pem, err := webhook.PublicKeyPEM(key)
	require.NoError(t, err)
	pub := filepath.Join(t.TempDir(), "audit-pub.pem")
	require.NoError(t, os.WriteFile(pub, pem, 0o600))
	out, err := runAudit(t, "verify", "--data-dir", dir, "--key", pub)
	require.NoError(t, err, out)
	require.Contains(t, out, "checkpoints verified: 1 of 1\n")
	other := filepath.Join(t.TempDir(), "other.pem")
	_, err = webhook.LoadOrCreateKey(other)
	require.NoError(t, err)
	out, err = runAudit(t, "verify", "--data-dir", dir, "--key", other)
	require.ErrorIs(t, err, audit.ErrBroken)
	require.Contains(t, out, "BROKEN at seq 3: forged checkpoint")

	auditChain(t, dir, 2) // seq 4 and 5
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`UPDATE audit_log SET outcome = 'denied' WHERE seq = 5`)
	require.NoError(t, err)
	startStop(t, dir)
	require.Len(t, checkpoints(), 1, "a chain that does not link is not signed")
	_, err = db.Exec(`UPDATE audit_log SET outcome = 'ok' WHERE seq = 5`)
	require.NoError(t, err)
	startStop(t, dir)
	cps = checkpoints()
	require.Len(t, cps, 2)
	require.EqualValues(t, 5, cps[1].Seq)
}

func TestAuditCheckpointSpecIsChecked(t *testing.T) {
	_, err := hub.Start(context.Background(), hub.Options{HTTPAddr: "127.0.0.1:0", MQTTAddr: "127.0.0.1:0",
		DataDir: t.TempDir(), AuditCheckpoint: "every so often", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.ErrorContains(t, err, "audit checkpoint schedule")
}
