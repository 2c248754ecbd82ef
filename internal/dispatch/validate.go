package dispatch

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"

	"github.com/ywtg/hub/internal/model"
)

// problems collects what is wrong with a catalogue.
type problems []error

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Errorf(format, args...)) }

// Validate checks the catalogue's references: unique ids, an SLA for every
// category, plans and resources naming categories, agency types and
// agencies that exist.
func (c *Catalogue) Validate() error {
	var p problems
	cats := c.validateCategories(&p)
	types, agencies := c.validateAgencies(&p, cats)
	for _, cat := range c.Categories {
		if !types[cat.AgencyType] {
			p.add("category %s: no agency of type %s", cat.Code, cat.AgencyType)
		}
	}
	if !types[AgencyGovernment] {
		p.add("no agency of type %s: nothing to fall back on (属地兜底)", AgencyGovernment)
	}
	for _, t := range slices.Sorted(maps.Keys(c.AgencyTypes)) {
		if !types[t] {
			p.add("agency_types: no agency of type %s", t)
		}
		if c.AgencyTypes[t] == "" {
			p.add("agency_types: type %s has an empty name", t)
		}
	}
	c.validatePlans(&p, cats, types)
	c.validateResources(&p, agencies)
	return errors.Join(p...)
}

func (c *Catalogue) validateCategories(p *problems) map[string]bool {
	cats := map[string]bool{}
	for _, cat := range c.Categories {
		if cat.Code == "" || cats[cat.Code] {
			p.add("category %q: missing or duplicate code", cat.Code)
		}
		cats[cat.Code] = true
		if cat.Class != "component" && cat.Class != "event" {
			p.add("category %s: class %q is neither component nor event", cat.Code, cat.Class)
		}
		if cat.Major == "" || cat.Minor == "" || cat.AgencyType == "" {
			p.add("category %s: major, minor and agency_type are required", cat.Code)
		}
		if def, ok := cat.SLA["default"]; !ok || def.Sign.IsZero() || def.Resolve.IsZero() || def.Verify.IsZero() {
			p.add("category %s: sla needs a default with sign, resolve and verify", cat.Code)
		}
		for sev := range cat.SLA {
			if sev != "default" && model.SeverityRank(sev) == 0 {
				p.add("category %s: sla for unknown severity %q", cat.Code, sev)
			}
		}
	}
	return cats
}

func (c *Catalogue) validateAgencies(p *problems, cats map[string]bool) (types, ids map[string]bool) {
	types, ids = map[string]bool{}, map[string]bool{}
	for _, a := range c.Agencies {
		if a.ID == "" || ids[a.ID] {
			p.add("agency %q: missing or duplicate id", a.ID)
		}
		ids[a.ID], types[a.Type] = true, true
		if a.Name == "" || a.Type == "" || a.Region == "" {
			p.add("agency %s: name, type and region are required", a.ID)
		}
		for _, code := range a.Categories {
			if !cats[code] {
				p.add("agency %s: unknown category %s", a.ID, code)
			}
		}
		if a.Webhook != "" {
			if u, err := url.Parse(a.Webhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				p.add("agency %s: webhook %q is not an http(s) URL", a.ID, a.Webhook)
			}
		}
	}
	return types, ids
}

func (c *Catalogue) validatePlans(p *problems, cats, types map[string]bool) {
	for _, pl := range c.Plans {
		if pl.ID == "" || pl.Name == "" || pl.Level == "" {
			p.add("plan %q: id, name and level are required", pl.ID)
		}
		for _, code := range pl.Categories {
			if !cats[code] {
				p.add("plan %s: unknown category %s", pl.ID, code)
			}
		}
		if pl.MinSeverity != "" && model.SeverityRank(pl.MinSeverity) == 0 {
			p.add("plan %s: unknown severity %q", pl.ID, pl.MinSeverity)
		}
		if !types[pl.Lead] {
			p.add("plan %s: no agency of lead type %s", pl.ID, pl.Lead)
		}
		for _, as := range pl.Assist {
			if !types[as.Type] {
				p.add("plan %s: no agency of assisting type %s", pl.ID, as.Type)
			}
		}
		needed := map[string]bool{}
		for _, n := range pl.Needs {
			if needed[n.Type] {
				p.add("plan %s: needs %s twice", pl.ID, n.Type)
			}
			needed[n.Type] = true
			if n.Count < 1 || !slices.ContainsFunc(c.Resources, func(r model.Resource) bool { return r.Type == n.Type }) {
				p.add("plan %s: needs %d %s, and there are none of that type", pl.ID, n.Count, n.Type)
			}
		}
	}
}

func (c *Catalogue) validateResources(p *problems, agencies map[string]bool) {
	ids := map[string]bool{}
	for _, r := range c.Resources {
		if r.ID == "" || ids[r.ID] {
			p.add("resource %q: missing or duplicate id", r.ID)
		}
		ids[r.ID] = true
		if r.Type == "" || !agencies[r.AgencyID] {
			p.add("resource %s: needs a type and a known agency", r.ID)
		}
		if !(r.Lon >= -180 && r.Lon <= 180 && r.Lat >= -90 && r.Lat <= 90) {
			p.add("resource %s: position %v, %v out of range", r.ID, r.Lon, r.Lat)
		}
	}
}
