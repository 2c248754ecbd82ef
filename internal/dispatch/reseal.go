package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/pii"
	"github.com/ywtg/hub/internal/store"
)

// resealPage is how many cases Reseal reads at a time.
const resealPage = 500

// ResealOptions tune Reseal.
type ResealOptions struct {
	// DryRun counts what would be resealed and writes nothing.
	DryRun bool
	// Progress is called after each page of cases.
	Progress func(ResealResult)
	// Actor is who reseals, in each case's audit entry; zero: System.
	Actor Actor
}

// ResealResult counts what Reseal found and did.
type ResealResult struct {
	Cases int `json:"cases"` // cases read
	// Versions counts the reporters found sealed with each key version;
	// Plain those found in plain text (kept before sealing existed).
	Versions map[int]int `json:"versions"`
	Plain    int         `json:"plain"`
	// Resealed reporters are now sealed with the newest key (with DryRun:
	// would be).
	Resealed int `json:"resealed"`
	// Failed are the cases whose reporter could not be opened (its key
	// version is not in the keyring) or stored; they are left as they are.
	Failed []int64 `json:"failed,omitempty"`
}

// Reseal seals every stored reporter with the newest key: those sealed
// with an older version, and any kept in plain text. Then no case needs
// an older key, which may leave the key list. It works through the store
// alone, one case per transaction guarded by the case's version, so
// running hubs may go on (they must hold the newest key already); a case
// changed meanwhile is read again. Resealing bumps a case's version but
// not its UpdatedAt, and writes an audit entry, pii.reseal, with it.
func Reseal(ctx context.Context, st Store, keys Keys, opts ResealOptions) (ResealResult, error) {
	res := ResealResult{Versions: map[int]int{}}
	if opts.Actor.Name == "" {
		opts.Actor = System
	}
	for before := int64(0); ; {
		page, err := st.ListCases(ctx, store.CaseFilter{BeforeID: before, Limit: resealPage})
		if err != nil || len(page) == 0 {
			return res, err
		}
		for _, c := range page {
			res.Cases++
			if c.Reporter == nil {
				continue
			}
			if v, err := pii.VersionOf(c.Reporter.Sealed); err == nil {
				res.Versions[v]++
			} else if c.Reporter.Sealed == "" {
				res.Plain++
			}
			if keys.Current(c.Reporter.Sealed) {
				continue
			}
			if err := resealCase(ctx, st, keys, c, opts); err != nil {
				if ctx.Err() != nil {
					return res, ctx.Err()
				}
				res.Failed = append(res.Failed, c.ID)
				continue
			}
			res.Resealed++
		}
		before = page[len(page)-1].ID
		if opts.Progress != nil {
			opts.Progress(res)
		}
	}
}

// resealCase seals one case's reporter with the newest key, reading the
// case again if another writer changed it first.
func resealCase(ctx context.Context, st Store, keys Keys, c model.Case, opts ResealOptions) error {
	for attempt := 0; ; attempt++ {
		if c.Reporter == nil || keys.Current(c.Reporter.Sealed) {
			return nil
		}
		p := c.Reporter.Plain()
		if c.Reporter.Sealed != "" {
			var err error
			if p, err = keys.OpenPerson(c.Reporter.Sealed); err != nil {
				return fmt.Errorf("case %d: %w", c.ID, err)
			}
		}
		if opts.DryRun {
			return nil
		}
		sealed, err := keys.SealPerson(p)
		if err != nil {
			return err
		}
		c.Reporter = &model.Person{Sealed: sealed}
		err = st.UpdateCase(ctx, &c, store.CaseWrites{Audit: []model.AuditEntry{resealEntry(c, sealed, opts.Actor)}})
		if errors.Is(err, store.ErrConflict) && attempt < 3 {
			if c, err = st.GetCase(ctx, c.ID); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("case %d: %w", c.ID, err)
		}
		return nil
	}
}

// resealEntry is the audit entry of a reseal: the key version and the
// case version it stores, no personal data.
func resealEntry(c model.Case, sealed string, who Actor) model.AuditEntry {
	v, _ := pii.VersionOf(sealed)
	detail, _ := json.Marshal(map[string]int64{"key_version": int64(v), "version": c.Version + 1})
	return model.AuditEntry{At: time.Now().UTC(), Actor: who.Name, Role: who.Role, Action: "pii.reseal",
		Target: "case:" + strconv.FormatInt(c.ID, 10), Outcome: "ok", Detail: detail}
}

// VersionList is the versions found, "v1: 3, v2: 40" ("none" if none).
func (r ResealResult) VersionList() string {
	var parts []string
	for _, v := range slices.Sorted(maps.Keys(r.Versions)) {
		parts = append(parts, "v"+strconv.Itoa(v)+": "+strconv.Itoa(r.Versions[v]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
