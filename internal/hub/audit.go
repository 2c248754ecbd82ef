package hub

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/tjfoc/gmsm/sm2"

	"github.com/ywtg/hub/internal/audit"
	"github.com/ywtg/hub/internal/dispatch/webhook"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// checkpointSpec is --audit-checkpoint's default: the chain's head is
// signed every 15 minutes, which bounds how much of its tail could be cut
// without trace.
const checkpointSpec = "*/15 * * * *"

// auditStore is the store's audit chain as the checkpoint job and `hub
// audit` read it (the parts of the hub that write entries hold their own
// interface with AppendAudit).
type auditStore interface {
	ListAudit(ctx context.Context, f store.AuditFilter) ([]model.AuditEntry, error)
	AuditHead(ctx context.Context) (seq int64, hash string, err error)
	AddAuditCheckpoint(ctx context.Context, cp model.AuditCheckpoint) error
	ListAuditCheckpoints(ctx context.Context) ([]model.AuditCheckpoint, error)
}

// checkpoints signs the audit chain's head on a schedule and at shutdown.
type checkpoints struct {
	key   *sm2.PrivateKey
	sched cron.Schedule
}

// auditKeyFile is the audit key's path: the one given, or the data
// directory's audit-sm2.pem.
func auditKeyFile(path, dataDir string) string {
	if path != "" {
		return path
	}
	return filepath.Join(dataDir, "audit-sm2.pem")
}

// startAudit reads the checkpoint schedule and loads (or creates) the audit
// key; with no schedule the hub signs no checkpoints and needs no key.
func (h *Hub) startAudit() error {
	if h.opts.AuditCheckpoint == "" {
		return nil
	}
	sched, err := cron.ParseStandard(h.opts.AuditCheckpoint)
	if err != nil {
		return fmt.Errorf("audit checkpoint schedule %q: %w", h.opts.AuditCheckpoint, err)
	}
	file := auditKeyFile(h.opts.AuditKey, h.opts.DataDir)
	key, err := webhook.LoadOrCreateKey(file)
	if err != nil {
		return fmt.Errorf("audit key %s: %w", file, err)
	}
	h.audit = &checkpoints{key: key, sched: sched}
	return nil
}

// scheduleCheckpoints adds the checkpoint job to the hub's jobs; a run
// still going when the next is due makes that one skip.
func (h *Hub) scheduleCheckpoints(ctx context.Context, c *cron.Cron) {
	if h.audit == nil {
		return
	}
	job := cron.FuncJob(func() { h.checkpointAudit(ctx) })
	c.Schedule(h.audit.sched, cron.NewChain(cron.SkipIfStillRunning(cron.DiscardLogger)).Then(job))
}

// checkpointAudit signs the chain's head if it moved, logging the outcome.
func (h *Hub) checkpointAudit(ctx context.Context) {
	if h.audit == nil || h.store == nil {
		return
	}
	cp, err := h.audit.sign(ctx, h.store, time.Now())
	switch {
	case err != nil:
		h.log.Error("audit checkpoint not signed", "err", err)
	case cp.Seq != 0:
		h.log.Info("audit checkpoint signed", "seq", cp.Seq)
	}
}

// sign signs the head of st's chain and stores the checkpoint; it returns
// the zero checkpoint when the head has not moved since the last one, or
// another hub signed it first. It signs only a chain it has checked: the
// last checkpoint must be its own, and the entries since must link onto it.
func (c *checkpoints) sign(ctx context.Context, st auditStore, now time.Time) (model.AuditCheckpoint, error) {
	cps, err := st.ListAuditCheckpoints(ctx)
	if err != nil {
		return model.AuditCheckpoint{}, err
	}
	last := model.AuditCheckpoint{Hash: audit.Genesis}
	if len(cps) > 0 {
		last = cps[len(cps)-1]
		if err := audit.VerifyCheckpoint(&c.key.PublicKey, last); err != nil {
			return model.AuditCheckpoint{}, fmt.Errorf("last checkpoint, seq %d: %w", last.Seq, err)
		}
	}
	seq, _, err := st.AuditHead(ctx)
	switch {
	case err != nil:
		return model.AuditCheckpoint{}, err
	case seq == last.Seq:
		return model.AuditCheckpoint{}, nil
	case seq < last.Seq:
		return model.AuditCheckpoint{}, fmt.Errorf("%w: the head, seq %d, is behind the last checkpoint, seq %d",
			audit.ErrBroken, seq, last.Seq)
	}
	rep, err := audit.VerifySince(ctx, st, last.Seq, last.Hash)
	if err != nil {
		return model.AuditCheckpoint{}, err
	}
	if err := rep.Err(); err != nil {
		return model.AuditCheckpoint{}, err
	}
	cp, err := audit.Checkpoint(c.key, rep.HeadSeq, rep.HeadHash, now)
	if err != nil {
		return cp, err
	}
	if err := st.AddAuditCheckpoint(ctx, cp); errors.Is(err, store.ErrExists) {
		return model.AuditCheckpoint{}, nil
	} else if err != nil {
		return model.AuditCheckpoint{}, err
	}
	return cp, nil
}

// checkpointAtShutdown signs the head once more as the hub stops, after
// the last case change and before the store closes.
func (h *Hub) checkpointAtShutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h.checkpointAudit(ctx)
}

// auditCmd is `hub audit verify` and `hub audit list`.
func auditCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "list") {
		return errors.New("usage: hub audit verify [--key FILE] | hub audit list [--target T] [--after SEQ] [--limit N]")
	}
	fs := flag.NewFlagSet("hub audit "+args[0], flag.ContinueOnError)
	var o Options
	common(fs, &o)
	var key string
	var f store.AuditFilter
	if args[0] == "verify" {
		fs.StringVar(&key, "key", env("HUB_AUDIT_KEY", ""), "the audit SM2 key, private or public (PEM), that signed the checkpoints (empty: <data-dir>/audit-sm2.pem)")
	} else {
		fs.StringVar(&f.Target, "target", "", "only entries about this, e.g. case:42, token:1a2b3c4d5e6f")
		fs.Int64Var(&f.AfterSeq, "after", 0, "only entries after this seq")
		fs.IntVar(&f.Limit, "limit", 100, "at most this many entries (0: all)")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	st, err := openStore(ctx, o.DB, o.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	if args[0] == "list" {
		return listAudit(ctx, out, st, f)
	}
	return verifyAudit(ctx, out, st, auditKeyFile(key, o.DataDir))
}

// verifyAudit walks the chain and its checkpoints and prints what it found;
// a broken chain is an error naming the first break.
func verifyAudit(ctx context.Context, out io.Writer, st auditStore, keyFile string) error {
	pub, err := auditPublicKey(keyFile)
	if err != nil {
		return err
	}
	cps, err := st.ListAuditCheckpoints(ctx)
	if err != nil {
		return err
	}
	rep, err := audit.Verify(ctx, st, cps, pub)
	if err != nil {
		return fmt.Errorf("%w (key %s)", err, keyFile)
	}
	fmt.Fprintf(out, "entries checked:      %d\n", rep.Entries)
	fmt.Fprintf(out, "checkpoints verified: %d of %d\n", rep.Checkpoints, len(cps))
	if b := rep.Broken; b != nil {
		fmt.Fprintf(out, "intact up to:         seq %d %s\n", rep.HeadSeq, rep.HeadHash)
		fmt.Fprintf(out, "BROKEN at seq %d: %s — %s\n", b.Seq, b.Kind, b.What)
		return rep.Err()
	}
	fmt.Fprintf(out, "head:                 seq %d %s\n", rep.HeadSeq, rep.HeadHash)
	fmt.Fprintln(out, "chain intact")
	return nil
}

// auditPublicKey reads the key checkpoints are verified with: the hub's
// private key file, or the public key alone, which is all an auditor needs.
// No file is no key: a chain without checkpoints still verifies.
func auditPublicKey(path string) (*sm2.PublicKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	if pub, err := webhook.ParsePublicKeyPEM(b); err == nil {
		return pub, nil
	}
	k, err := webhook.LoadOrCreateKey(path) // the file is there: this loads it
	if err != nil {
		return nil, fmt.Errorf("audit key %s: %w", path, err)
	}
	return &k.PublicKey, nil
}

func listAudit(ctx context.Context, out io.Writer, st auditStore, f store.AuditFilter) error {
	es, err := st.ListAudit(ctx, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tAT\tACTOR\tROLE\tACTION\tTARGET\tOUTCOME\tREMOTE\tDETAIL")
	for _, e := range es {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.At.Local().Format("2006-01-02 15:04:05.000"),
			e.Actor, e.Role, e.Action, e.Target, e.Outcome, e.Remote, e.Detail)
	}
	return tw.Flush()
}
