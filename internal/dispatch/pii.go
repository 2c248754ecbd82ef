package dispatch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/pii"
	"github.com/ywtg/hub/internal/store"
)

// Keys seal and open reporters' contacts (a *pii.Keyring). A case is
// stored with its reporter sealed only; the service hands cases out with
// the reporter masked, and opens it in full only through Reporter.
type Keys interface {
	SealPerson(p model.Person) (string, error)
	OpenPerson(sealed string) (model.Person, error)
	// Current reports whether a sealed value is sealed with the newest key.
	Current(sealed string) bool
}

// errNoKeys: a hub always has keys; an embedder without them cannot keep
// a reporter.
var errNoKeys = errors.New("dispatch: no PII keys (Options.Keys): a reporter's contact cannot be kept")

// unmaskRoles may see any case's reporter in full; agency users see those
// of their own agency's cases (MayUnmask).
var unmaskRoles = []string{RoleOperator, RoleChief, RoleDispatcher, RoleAdmin}

// UnmaskRoles lists the roles that may see a reporter in full, agency
// included (for its own cases only).
func UnmaskRoles() []string { return append(slices.Clone(unmaskRoles), RoleAgency) }

// Unmask scopes, as GET /api/v1/me reports them.
const (
	UnmaskAll      = "all"       // every case's reporter
	UnmaskOwnCases = "own_cases" // the reporters of the agency's own cases
	UnmaskNone     = "none"
)

// UnmaskScope says whose reporters a role may see in full (MayUnmask).
func UnmaskScope(role string) string {
	switch {
	case slices.Contains(unmaskRoles, role):
		return UnmaskAll
	case role == RoleAgency:
		return UnmaskOwnCases
	}
	return UnmaskNone
}

// MayUnmask returns nil if who may see the reporter of c in full: the duty
// desk, the dispatcher and the administrator for every case, an agency
// user for the cases its agency leads or assists in. Otherwise an
// ErrForbidden that says why.
func MayUnmask(who Actor, c model.Case) error {
	switch {
	case slices.Contains(unmaskRoles, who.Role):
		return nil
	case who.Role == RoleAgency && who.Agency != "" && slices.Contains(store.CaseAgencies(&c), who.Agency):
		return nil
	case who.Role == RoleAgency:
		return fmt.Errorf("%w: agency %q sees the reporters of its own cases only, and case %d is not assigned to it",
			ErrForbidden, who.Agency, c.ID)
	}
	return fmt.Errorf("%w: role %s may not see a reporter's contact (allowed: %s, and agency for its own cases)",
		ErrForbidden, who.Role, strings.Join(unmaskRoles, ", "))
}

// Reporter returns a case's reporter in full, if who may see it
// (MayUnmask); store.ErrNotFound if the case has none. The caller audits
// the unmasking.
func (s *Service) Reporter(ctx context.Context, who Actor, id int64) (model.Person, error) {
	if !slices.Contains(UnmaskRoles(), who.Role) {
		return model.Person{}, MayUnmask(who, model.Case{ID: id})
	}
	c, err := s.opts.Store.GetCase(ctx, id)
	if err != nil {
		return model.Person{}, err
	}
	if err := MayUnmask(who, c); err != nil {
		return model.Person{}, err
	}
	if c.Reporter == nil {
		return model.Person{}, fmt.Errorf("case %d has no reporter: %w", id, store.ErrNotFound)
	}
	p, err := s.openReporter(*c.Reporter)
	if err != nil {
		return model.Person{}, fmt.Errorf("case %d reporter: %w", id, err)
	}
	return p, nil
}

// Reporter limits, in characters.
const (
	maxNameLen  = 64
	maxPhoneLen = 32
	maxEmailLen = 254
	maxIDNoLen  = 32
)

// checkReporter trims a reported contact and refuses what only the hub
// may set and what is too long; nil if no field is given.
func checkReporter(p *model.Person) (*model.Person, error) {
	if p == nil {
		return nil, nil
	}
	if p.Sealed != "" || p.Masked || p.TextMasked || p.Title != "" || p.Description != "" || p.Address != "" {
		return nil, fmt.Errorf("%w: reporter.sealed, masked, text_masked, title, description and address are set by the hub; "+
			"send name, phone, email, id_no", ErrInvalid)
	}
	out := model.Person{Name: strings.TrimSpace(p.Name), Phone: strings.TrimSpace(p.Phone),
		Email: strings.TrimSpace(p.Email), IDNo: strings.TrimSpace(p.IDNo)}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"name", out.Name, maxNameLen}, {"phone", out.Phone, maxPhoneLen}, {"email", out.Email, maxEmailLen},
		{"id_no", out.IDNo, maxIDNoLen}} {
		if utf8.RuneCountInString(f.v) > f.max {
			return nil, fmt.Errorf("%w: reporter.%s is longer than %d characters", ErrInvalid, f.name, f.max)
		}
	}
	if out == (model.Person{}) {
		return nil, nil
	}
	return &out, nil
}

// reportedContact checks a report's reporter and seals it, with the
// report's title, description and address as written if contact details
// in them had to be masked (pii.Scrub); masked is the report's text as
// the case keeps it.
func (s *Service) reportedContact(r Report) (reporter *model.Person, masked Report, err error) {
	p, err := checkReporter(r.Reporter)
	if err != nil {
		return nil, r, err
	}
	masked = r
	var found [3]bool
	masked.Title, found[0] = pii.Scrub(r.Title)
	masked.Description, found[1] = pii.Scrub(r.Description)
	masked.Address, found[2] = pii.Scrub(r.Address)
	if found[0] || found[1] || found[2] {
		if p == nil && s.opts.Keys == nil {
			// Contact details in the text only, and nowhere to seal them:
			// the case keeps the text masked, the original is not kept.
			s.log.Warn("report text held contact details; kept masked, the original dropped (no PII keys)")
			return nil, masked, nil
		}
		if p == nil {
			p = &model.Person{}
		}
		if found[0] {
			p.Title = r.Title
		}
		if found[1] {
			p.Description = r.Description
		}
		if found[2] {
			p.Address = r.Address
		}
	}
	reporter, err = s.sealReporter(p)
	return reporter, masked, err
}

// sealReporter is the reporter as it is stored: only Sealed. A reporter
// already sealed stays as it is; one stored in plain text before sealing
// existed is sealed now.
func (s *Service) sealReporter(p *model.Person) (*model.Person, error) {
	if p == nil {
		return nil, nil
	}
	plain := p.Plain()
	if plain == (model.Person{}) {
		if p.Sealed == "" {
			return nil, nil
		}
		return &model.Person{Sealed: p.Sealed}, nil
	}
	if s.opts.Keys == nil {
		return nil, errNoKeys
	}
	sealed, err := s.opts.Keys.SealPerson(plain)
	if err != nil {
		return nil, fmt.Errorf("seal reporter: %w", err)
	}
	return &model.Person{Sealed: sealed}, nil
}

// openReporter is a stored reporter in full; one stored in plain text
// (before sealing existed) is that.
func (s *Service) openReporter(p model.Person) (model.Person, error) {
	if p.Sealed == "" {
		return p.Plain(), nil
	}
	if s.opts.Keys == nil {
		return model.Person{}, errNoKeys
	}
	return s.opts.Keys.OpenPerson(p.Sealed)
}

// maskedReporter is a stored reporter as everyone sees it (responses,
// webhooks). One that cannot be opened — its key version was removed too
// early — shows as masked with no fields, and is logged.
func (s *Service) maskedReporter(caseID int64, p *model.Person) *model.Person {
	if p == nil {
		return nil
	}
	plain, err := s.openReporter(*p)
	if err != nil {
		s.log.Error("reporter cannot be opened", "case_id", caseID, "err", err)
		return &model.Person{Masked: true}
	}
	m := pii.MaskPerson(plain)
	return &m
}

// present is a case as the service hands it out: its reporter masked.
func (s *Service) present(c model.Case) model.Case {
	c.Reporter = s.maskedReporter(c.ID, c.Reporter)
	return c
}
