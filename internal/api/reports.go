package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
)

// reportRoutes serves the intake of reports by people: the 12345 hotline's
// operators, grid workers (网格员) and the console.
func (s *server) reportRoutes(mux *http.ServeMux) {
	report := []string{RoleOperator, RoleChief, RoleGrid, RoleAdmin}
	s.handle(mux, "POST /api/v1/reports", report, s.fileReport)
}

// fileReport files a case from a dispatch.Report and answers 201 with the
// case. The service owns the business rules (the category exists, a point
// or an address is given …); the edge only names the field when a photo
// URL or a coordinate is plainly malformed.
func (s *server) fileReport(w http.ResponseWriter, r *http.Request) {
	var rep dispatch.Report
	if !decode(w, r, &rep) {
		return
	}
	who := Caller(r.Context())
	if rep.Source == "" {
		rep.Source = model.CaseSourceHotline
		if who.Role == RoleGrid {
			rep.Source = model.CaseSourceGrid
		}
	}
	if err := checkPoint(rep.Lon, rep.Lat); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	for i, p := range rep.Photos {
		if !httpURL(p) {
			writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("photos[%d]: not an http(s) URL", i))
			return
		}
	}
	c, err := s.opts.Dispatch.Report(r.Context(), who, rep)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, http.StatusCreated, maskedCase(c))
}

// checkPoint reports a longitude or latitude out of range, naming it; nil
// coordinates are the service's business.
func checkPoint(lon, lat *float64) error {
	if lon != nil {
		if err := inRange("lon", *lon, 180); err != nil {
			return err
		}
	}
	if lat != nil {
		return inRange("lat", *lat, 90)
	}
	return nil
}

// inRange reports v outside [-limit, limit] (or NaN), naming the field.
func inRange(name string, v, limit float64) error {
	if !(v >= -limit && v <= limit) {
		return fmt.Errorf("%s: %v is out of range [%v, %v]", name, v, -limit, limit)
	}
	return nil
}

// httpURL reports whether s is an absolute http(s) URL with a host.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
