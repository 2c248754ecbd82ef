package dispatch

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/ywtg/hub/internal/model"
)

// Report is a matter reported by a person: the 12345 hotline, a grid
// worker, an Open311 client or the console.
type Report struct {
	Source      string        `json:"source"`               // hotline | grid | open311 | manual
	SourceRef   string        `json:"source_ref,omitempty"` // the reporter system's own id
	Category    string        `json:"category"`             // category code
	Severity    string        `json:"severity,omitempty"`   // default minor
	Title       string        `json:"title,omitempty"`      // default: the category's name
	Description string        `json:"description"`
	Address     string        `json:"address,omitempty"`
	Lon         *float64      `json:"lon,omitempty"` // a point or an address is required
	Lat         *float64      `json:"lat,omitempty"`
	Photos      []string      `json:"photos,omitempty"` // http(s) URLs
	Reporter    *model.Person `json:"reporter,omitempty"`
}

// Report files a case from a person's report: 上报, state reported.
func (s *Service) Report(ctx context.Context, who Actor, r Report) (model.Case, error) {
	if err := permit(who, actCreate); err != nil {
		return model.Case{}, err
	}
	c, err := s.fromReport(r)
	if err != nil {
		return model.Case{}, err
	}
	ch := s.begin(c, who)
	ch.c.CreatedAt, ch.c.UpdatedAt = ch.at, ch.at
	ch.event(actCreate, Reported, c.Description, map[string]string{"source": r.Source})
	ch.c.State = string(Reported)
	if err := s.opts.Store.CreateCase(ctx, &ch.c, ch.writes()); err != nil {
		return model.Case{}, err
	}
	s.published(ch)
	return s.present(ch.c), nil
}

func (s *Service) fromReport(r Report) (model.Case, error) {
	cat, ok := s.categories[r.Category]
	if !ok {
		return model.Case{}, fmt.Errorf("%w category %q; see /api/v1/categories", ErrUnknown, r.Category)
	}
	switch r.Source {
	case model.CaseSourceHotline, model.CaseSourceGrid, model.CaseSourceOpen311, model.CaseSourceManual:
	default:
		return model.Case{}, fmt.Errorf("%w: source %q is not hotline, grid, open311 or manual", ErrInvalid, r.Source)
	}
	if r.Severity == "" {
		r.Severity = model.SeverityMinor
	}
	if model.SeverityRank(r.Severity) == 0 {
		return model.Case{}, fmt.Errorf("%w: severity %q", ErrInvalid, r.Severity)
	}
	if strings.TrimSpace(r.Description) == "" {
		return model.Case{}, fmt.Errorf("%w: a report needs a description", ErrInvalid)
	}
	hasPoint := r.Lon != nil && r.Lat != nil
	if (r.Lon == nil) != (r.Lat == nil) {
		return model.Case{}, fmt.Errorf("%w: give both lon and lat, or neither", ErrInvalid)
	}
	if hasPoint && (!(*r.Lon >= -180 && *r.Lon <= 180) || !(*r.Lat >= -90 && *r.Lat <= 90)) {
		return model.Case{}, fmt.Errorf("%w: lon %v, lat %v out of range", ErrInvalid, *r.Lon, *r.Lat)
	}
	if !hasPoint && strings.TrimSpace(r.Address) == "" {
		return model.Case{}, fmt.Errorf("%w: a report needs a location: lon and lat, or an address", ErrInvalid)
	}
	if err := checkPhotos(r.Photos); err != nil {
		return model.Case{}, err
	}
	reporter, masked, err := s.reportedContact(r) // sealed: the plain contact never reaches the store
	if err != nil {
		return model.Case{}, err
	}
	c := model.Case{Source: r.Source, SourceRef: r.SourceRef, Category: cat.Code, Severity: r.Severity,
		Title: masked.Title, Description: masked.Description, Address: masked.Address, Photos: slices.Clone(r.Photos), Reporter: reporter}
	if c.Title == "" {
		c.Title = cat.Minor
		if masked.Address != "" {
			c.Title += " · " + masked.Address
		}
	}
	if hasPoint {
		c.Lon, c.Lat = *r.Lon, *r.Lat
		if reg, ok := s.opts.Regions.Locate(c.Lon, c.Lat); ok {
			c.RegionCode = reg.Code
		}
	}
	return c, nil
}

// checkPhotos accepts http(s) URLs only: photos live in the reporter's
// system or an object store, never in the hub.
func checkPhotos(urls []string) error {
	for _, p := range urls {
		u, err := url.Parse(p)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: photo %q is not an http(s) URL", ErrInvalid, p)
		}
	}
	return nil
}
