package dispatch

import (
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/ywtg/hub/internal/model"
)

// Validate checks the catalogue's references: unique ids, an SLA for every
// category, plans and resources naming categories, agency types and
// agencies that exist.
func (c *Catalogue) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	cats := map[string]bool{}
	for _, cat := range c.Categories {
		if cat.Code == "" || cats[cat.Code] {
			bad("category %q: missing or duplicate code", cat.Code)
		}
		cats[cat.Code] = true
		if cat.Class != "component" && cat.Class != "event" {
			bad("category %s: class %q is neither component nor event", cat.Code, cat.Class)
		}
		if cat.Major == "" || cat.Minor == "" || cat.AgencyType == "" {
			bad("category %s: major, minor and agency_type are required", cat.Code)
		}
		if def, ok := cat.SLA["default"]; !ok || def.Sign.IsZero() || def.Resolve.IsZero() || def.Verify.IsZero() {
			bad("category %s: sla needs a default with sign, resolve and verify", cat.Code)
		}
		for sev := range cat.SLA {
			if sev != "default" && model.SeverityRank(sev) == 0 {
				bad("category %s: sla for unknown severity %q", cat.Code, sev)
			}
		}
	}
	types, agencies := map[string]bool{}, map[string]bool{}
	for _, a := range c.Agencies {
		if a.ID == "" || agencies[a.ID] {
			bad("agency %q: missing or duplicate id", a.ID)
		}
		agencies[a.ID] = true
		types[a.Type] = true
		if a.Name == "" || a.Type == "" || a.Region == "" {
			bad("agency %s: name, type and region are required", a.ID)
		}
		for _, code := range a.Categories {
			if !cats[code] {
				bad("agency %s: unknown category %s", a.ID, code)
			}
		}
		if a.Webhook != "" {
			if u, err := url.Parse(a.Webhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				bad("agency %s: webhook %q is not an http(s) URL", a.ID, a.Webhook)
			}
		}
	}
	for _, cat := range c.Categories {
		if !types[cat.AgencyType] {
			bad("category %s: no agency of type %s", cat.Code, cat.AgencyType)
		}
	}
	if !types[AgencyGovernment] {
		bad("no agency of type %s: nothing to fall back on (属地兜底)", AgencyGovernment)
	}
	for _, p := range c.Plans {
		if p.ID == "" || p.Name == "" || p.Level == "" {
			bad("plan %q: id, name and level are required", p.ID)
		}
		for _, code := range p.Categories {
			if !cats[code] {
				bad("plan %s: unknown category %s", p.ID, code)
			}
		}
		if p.MinSeverity != "" && model.SeverityRank(p.MinSeverity) == 0 {
			bad("plan %s: unknown severity %q", p.ID, p.MinSeverity)
		}
		if !types[p.Lead] {
			bad("plan %s: no agency of lead type %s", p.ID, p.Lead)
		}
		for _, as := range p.Assist {
			if !types[as.Type] {
				bad("plan %s: no agency of assisting type %s", p.ID, as.Type)
			}
		}
		needed := map[string]bool{}
		for _, n := range p.Needs {
			if needed[n.Type] {
				bad("plan %s: needs %s twice", p.ID, n.Type)
			}
			needed[n.Type] = true
			if n.Count < 1 || !slices.ContainsFunc(c.Resources, func(r model.Resource) bool { return r.Type == n.Type }) {
				bad("plan %s: needs %d %s, and there are none of that type", p.ID, n.Count, n.Type)
			}
		}
	}
	ids := map[string]bool{}
	for _, r := range c.Resources {
		if r.ID == "" || ids[r.ID] {
			bad("resource %q: missing or duplicate id", r.ID)
		}
		ids[r.ID] = true
		if r.Type == "" || !agencies[r.AgencyID] {
			bad("resource %s: needs a type and a known agency", r.ID)
		}
	}
	return errors.Join(errs...)
}
