package dispatch

import "github.com/ywtg/hub/internal/model"

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
