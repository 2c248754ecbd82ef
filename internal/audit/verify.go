package audit

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/tjfoc/gmsm/sm2"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// Log is the stored chain as Verify reads it: entries in seq order, a page
// at a time (the stores' ListAudit).
type Log interface {
	ListAudit(ctx context.Context, f store.AuditFilter) ([]model.AuditEntry, error)
}

// pageSize is how many entries Verify holds at once.
var pageSize = 1000

// Kind is how a link of the chain is broken.
type Kind string

// The ways a chain breaks, as Verify names them.
const (
	// Edited: an entry's content no longer matches its hash, or its
	// prev_hash was changed.
	Edited Kind = "edited"
	// Deleted: an entry is missing — a gap in the seqs, or the entry an
	// entry is chained to is no longer in the log (deleted and the rest
	// renumbered, or rewritten and re-hashed).
	Deleted Kind = "deleted"
	// Reordered: an entry is chained to another entry of the log, not to
	// the one before it (two rows' seqs swapped, say).
	Reordered Kind = "reordered"
	// Truncated: a checkpoint signed a seq beyond the head; the tail was cut.
	Truncated Kind = "truncated"
	// Forged: a checkpoint's signature does not verify.
	Forged Kind = "forged checkpoint"
	// Mismatch: a checkpoint signed a hash the entry at its seq does not have.
	Mismatch Kind = "checkpoint mismatch"
)

// Break is the first link of a chain that does not hold.
type Break struct {
	Seq  int64
	Kind Kind
	What string // for people: what was found
}

func (b Break) String() string { return fmt.Sprintf("seq %d: %s: %s", b.Seq, b.Kind, b.What) }

// Report is what Verify found.
type Report struct {
	Entries     int64  // entries checked, in seq order, up to the first break
	HeadSeq     int64  // the last entry that checked out: the head when intact
	HeadHash    string // its hash (Genesis for none)
	Checkpoints int    // checkpoints whose signature and hash held
	Broken      *Break // the first break; nil when the chain is intact
}

// Verify walks the chain in log from seq 1, a page at a time, and checks
// each link and each checkpoint in cps (signed with pub's private key) as
// it passes their seq; checkpoints beyond the head show a cut tail. It
// stops at the first break and reports it; the error is only for reading
// the log, or ErrNoKey when there are checkpoints and no key.
//
// Entries appended after the last checkpoint can be cut from the tail
// without trace: the checkpoints' schedule bounds that window.
func Verify(ctx context.Context, log Log, cps []model.AuditCheckpoint, pub *sm2.PublicKey) (Report, error) {
	if len(cps) > 0 && (pub == nil || pub.X == nil) {
		return Report{}, fmt.Errorf("%w: %d checkpoints", ErrNoKey, len(cps))
	}
	w := &walker{log: log, pub: pub, cps: slices.SortedFunc(slices.Values(cps), bySeq)}
	w.rep.HeadHash = Genesis
	return w.run(ctx)
}

// VerifySince checks the links of the entries after (seq, hash), a head
// known to be good — the last checkpoint, say — without checkpoints.
func VerifySince(ctx context.Context, log Log, seq int64, hash string) (Report, error) {
	w := &walker{log: log}
	w.rep.HeadSeq, w.rep.HeadHash = seq, hash
	return w.run(ctx)
}

func bySeq(a, b model.AuditCheckpoint) int { return cmp.Compare(a.Seq, b.Seq) }

// walker is Verify's state: the report so far and the checkpoints not yet
// reached.
type walker struct {
	log Log
	pub *sm2.PublicKey
	cps []model.AuditCheckpoint // by seq; the ones reached are dropped
	rep Report
}

func (w *walker) run(ctx context.Context) (Report, error) {
	err := each(ctx, w.log, w.rep.HeadSeq, func(e model.AuditEntry) (bool, error) {
		if err := w.entry(ctx, e); err != nil {
			return false, err
		}
		if w.rep.Broken == nil {
			w.checkpointsAt(e)
		}
		return w.rep.Broken == nil, nil
	})
	if err != nil {
		return Report{}, err
	}
	if w.rep.Broken == nil {
		w.beyondHead()
	}
	return w.rep, nil
}

// each calls fn on the entries after seq in order, a page at a time, until
// fn says stop.
func each(ctx context.Context, log Log, after int64, fn func(model.AuditEntry) (bool, error)) error {
	for {
		page, err := log.ListAudit(ctx, store.AuditFilter{AfterSeq: after, Limit: pageSize})
		if err != nil {
			return fmt.Errorf("audit: read the log after seq %d: %w", after, err)
		}
		for _, e := range page {
			if more, err := fn(e); err != nil || !more {
				return err
			}
			after = e.Seq
		}
		if len(page) < pageSize {
			return nil
		}
	}
}

// entry checks that e comes next and is chained to the head so far.
func (w *walker) entry(ctx context.Context, e model.AuditEntry) error {
	head, want := w.rep.HeadHash, w.rep.HeadSeq+1
	fits := Link(head, e) == e.Hash
	switch {
	case e.Seq != want:
		w.broken(want, Deleted, fmt.Sprintf("seq %d is missing: the log goes from seq %d to seq %d", want, want-1, e.Seq))
	case fits && e.PrevHash != head:
		w.broken(e.Seq, Edited, "its prev_hash was changed: the entry hashes onto the one before it, but names another")
	case fits:
		w.rep.Entries++
		w.rep.HeadSeq, w.rep.HeadHash = e.Seq, e.Hash
	case Link(e.PrevHash, e) != e.Hash:
		w.broken(e.Seq, Edited, "its content no longer matches its hash")
	default: // a sound entry, chained elsewhere
		return w.misplaced(ctx, e)
	}
	return nil
}

// misplaced names the break of an entry that is sound in itself but chained
// to another entry than the one before it: one still in the log (it was
// moved), or one that is gone.
func (w *walker) misplaced(ctx context.Context, e model.AuditEntry) error {
	var at int64
	err := each(ctx, w.log, 0, func(o model.AuditEntry) (bool, error) {
		if o.Hash == e.PrevHash {
			at = o.Seq
		}
		return at == 0, nil
	})
	if err != nil {
		return err
	}
	if at != 0 {
		w.broken(e.Seq, Reordered, fmt.Sprintf("it is chained to seq %d, not to seq %d before it", at, e.Seq-1))
		return nil
	}
	w.broken(e.Seq, Deleted, fmt.Sprintf("the entry it is chained to is no longer in the log: entries before it "+
		"were deleted and the rest renumbered, or seq %d was rewritten and re-hashed", e.Seq-1))
	return nil
}

// checkpointsAt checks the checkpoints up to e, which just checked out.
func (w *walker) checkpointsAt(e model.AuditEntry) {
	for len(w.cps) > 0 && w.cps[0].Seq <= e.Seq {
		cp := w.cps[0]
		w.cps = w.cps[1:]
		switch {
		case VerifyCheckpoint(w.pub, cp) != nil:
			w.broken(cp.Seq, Forged, "its signature does not verify with the audit key")
		case cp.Seq != e.Seq:
			w.broken(cp.Seq, Mismatch, fmt.Sprintf("it signed seq %d, which no entry of the log has", cp.Seq))
		case cp.Hash != e.Hash:
			w.broken(cp.Seq, Mismatch, fmt.Sprintf("it signed hash %.12s…, the entry has %.12s…: "+
				"the chain was rewritten up to here", cp.Hash, e.Hash))
		default:
			w.rep.Checkpoints++
			continue
		}
		return
	}
}

// beyondHead checks the checkpoints after the head: a genuine one shows
// that entries after the head were cut.
func (w *walker) beyondHead() {
	for _, cp := range w.cps {
		if VerifyCheckpoint(w.pub, cp) != nil {
			w.broken(cp.Seq, Forged, "its signature does not verify with the audit key")
			return
		}
	}
	if len(w.cps) > 0 {
		last := w.cps[len(w.cps)-1].Seq
		w.broken(w.rep.HeadSeq+1, Truncated, fmt.Sprintf("the log ends at seq %d but a checkpoint signed seq %d: "+
			"seq %d–%d were cut", w.rep.HeadSeq, last, w.rep.HeadSeq+1, last))
	}
}

func (w *walker) broken(seq int64, k Kind, what string) {
	w.rep.Broken = &Break{Seq: seq, Kind: k, What: what}
}

// Err is ErrBroken naming the first break, or nil for an intact chain.
func (r Report) Err() error {
	if r.Broken == nil {
		return nil
	}
	return fmt.Errorf("%w at %s", ErrBroken, r.Broken)
}
