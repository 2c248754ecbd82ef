package api

import (
	"cmp"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

const (
	// open311Window is the longest span of requested_datetime a search
	// may cover, and the default window: the last 90 days.
	open311Window = 90 * 24 * time.Hour
	// open311Max is the most requests a search answers.
	open311Max = 1000
	// open311Prefix is the root of the GeoReport routes.
	open311Prefix = "/open311/v2/"
)

// chinaTime is China Standard Time, in which GeoReport times are written.
var chinaTime = time.FixedZone("CST", 8*60*60)

// stateLabels are the case states' Chinese labels, shown as status_notes
// when there is no reason or resolution to show.
var stateLabels = map[string]string{
	string(dispatch.Reported):   "待受理",
	string(dispatch.Registered): "已立案",
	string(dispatch.Rejected):   "不予立案",
	string(dispatch.Dispatched): "已派遣",
	string(dispatch.Accepted):   "处置中",
	string(dispatch.Returned):   "退回",
	string(dispatch.Resolved):   "已反馈",
	string(dispatch.Closed):     "已结案",
	string(dispatch.Suspended):  "挂账",
}

// closedStates are the states GeoReport calls "closed"; openStates are the
// others.
var (
	closedStates = []string{string(dispatch.Closed), string(dispatch.Rejected)}
	openStates   = []string{string(dispatch.Reported), string(dispatch.Registered), string(dispatch.Dispatched),
		string(dispatch.Accepted), string(dispatch.Returned), string(dispatch.Resolved), string(dispatch.Suspended)}
)

// open311Routes serves Open311 GeoReport v2
// (https://wiki.open311.org/GeoReport_v2), JSON only: the categories are
// its services and the cases its service requests. Errors answer in the
// GeoReport shape, [{"code":404,"description":"…"}]. docs/open311.md has
// the mapping.
func (s *server) open311Routes(mux *http.ServeMux) {
	// Agency users work their own queue, not the whole city's.
	all := monitorRoles
	report := []string{RoleOperator, RoleChief, RoleGrid, RoleAdmin} // as POST /api/v1/reports
	s.handle(mux, "GET /open311/v2/services.json", all, s.open311Services)
	s.handle(mux, "GET /open311/v2/services/{file}", all, s.open311Service)
	s.handle(mux, "POST /open311/v2/requests.json", report, s.open311Post)
	s.handle(mux, "GET /open311/v2/requests.json", all, s.open311Requests)
	s.handle(mux, "GET /open311/v2/requests/{file}", all, s.open311Request)
	// Everything else under /open311/v2/ answers in the GeoReport error
	// shape too: 405 with Allow for a known path, else 404.
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		s.handle(mux, m+" "+open311Prefix, nil, open311Fallback(mux))
	}
}

type open311Error struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

func open311Err(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, []open311Error{{Code: status, Description: msg}})
}

// open311Fail maps a dispatch error to a GeoReport error.
func (s *server) open311Fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, dispatch.ErrUnknown), errors.Is(err, store.ErrNotFound):
		open311Err(w, http.StatusNotFound, err.Error())
	case errors.Is(err, dispatch.ErrInvalid):
		open311Err(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, dispatch.ErrForbidden):
		open311Err(w, http.StatusForbidden, err.Error())
	default:
		s.log.Error("open311 request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		open311Err(w, http.StatusInternalServerError, "internal error")
	}
}

func open311Fallback(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != m+" "+open311Prefix {
				allow = append(allow, m)
			}
		}
		switch {
		case len(allow) > 0:
			w.Header().Set("Allow", strings.Join(allow, ", "))
			open311Err(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+strings.Join(allow, ", "))
		case strings.HasSuffix(r.URL.Path, ".xml"):
			open311Err(w, http.StatusNotFound, "only the JSON format is supported: use .json")
		default:
			open311Err(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
		}
	}
}

// jsonFile returns the {file} path segment without its ".json" suffix;
// false (after answering 404) for any other format.
func jsonFile(w http.ResponseWriter, r *http.Request) (string, bool) {
	file := r.PathValue("file")
	name, ok := strings.CutSuffix(file, ".json")
	if !ok || name == "" {
		if strings.HasSuffix(file, ".xml") {
			open311Err(w, http.StatusNotFound, "only the JSON format is supported: use .json")
		} else {
			open311Err(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
		}
		return "", false
	}
	return name, true
}

// open311Service is a GeoReport service: one per category.
type open311Service struct {
	ServiceCode string `json:"service_code"`
	ServiceName string `json:"service_name"`
	Description string `json:"description"`
	Metadata    bool   `json:"metadata"`
	Type        string `json:"type"`
	Keywords    string `json:"keywords"`
	Group       string `json:"group"`
}

func (s *server) open311Services(w http.ResponseWriter, r *http.Request) {
	cats := s.opts.Dispatch.Categories()
	out := make([]open311Service, 0, len(cats))
	for _, c := range cats {
		out = append(out, open311Service{
			ServiceCode: c.Code,
			ServiceName: c.Minor,
			Description: c.Standard,
			Metadata:    false,
			Type:        "realtime",
			Keywords:    c.Major + ", " + c.Minor,
			Group:       c.Major,
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// open311Definition is a service definition. No service has metadata, so
// its attributes are always empty.
type open311Definition struct {
	ServiceCode string     `json:"service_code"`
	Attributes  []struct{} `json:"attributes"`
}

func (s *server) open311Service(w http.ResponseWriter, r *http.Request) {
	code, ok := jsonFile(w, r)
	if !ok {
		return
	}
	if _, ok := s.opts.Dispatch.Category(code); !ok {
		open311Err(w, http.StatusNotFound, "service_code "+code+" not found")
		return
	}
	writeJSON(w, http.StatusOK, open311Definition{ServiceCode: code, Attributes: []struct{}{}})
}

// open311Created answers a POSTed request.
type open311Created struct {
	ServiceRequestID string  `json:"service_request_id"`
	ServiceNotice    string  `json:"service_notice"`
	AccountID        *string `json:"account_id"`
}

// open311Post files a case from a GeoReport service request, sent
// form-encoded (or multipart). api_key and jurisdiction_id are accepted
// and ignored until API keys exist (issue 7), as are device_id and
// account_id.
func (s *server) open311Post(w http.ResponseWriter, r *http.Request) {
	if !parseOpen311Form(w, r) {
		return
	}
	code := strings.TrimSpace(r.FormValue("service_code"))
	if code == "" {
		open311Err(w, http.StatusBadRequest, "service_code was not provided")
		return
	}
	rep := dispatch.Report{
		Source:      model.CaseSourceOpen311,
		Category:    code,
		Description: r.FormValue("description"),
		Address:     strings.TrimSpace(r.FormValue("address_string")),
	}
	lat, long := strings.TrimSpace(r.FormValue("lat")), strings.TrimSpace(r.FormValue("long"))
	if lat != "" || long != "" {
		if lat == "" || long == "" {
			open311Err(w, http.StatusBadRequest, "lat and long must be given together")
			return
		}
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(long, 64)
		if err1 != nil || err2 != nil {
			open311Err(w, http.StatusBadRequest, "lat and long must be numbers")
			return
		}
		for _, err := range []error{inRange("lat", la, 90), inRange("long", lo, 180)} {
			if err != nil {
				open311Err(w, http.StatusBadRequest, err.Error())
				return
			}
		}
		rep.Lat, rep.Lon = &la, &lo
	}
	if rep.Lat == nil && rep.Address == "" {
		if r.FormValue("address_id") != "" {
			open311Err(w, http.StatusBadRequest, "address_id is not supported (this server keeps no address repository): send lat and long, or address_string")
			return
		}
		open311Err(w, http.StatusBadRequest, "a location is required: lat and long, or address_string")
		return
	}
	if m := strings.TrimSpace(r.FormValue("media_url")); m != "" {
		if !httpURL(m) {
			open311Err(w, http.StatusBadRequest, "media_url: not an http(s) URL")
			return
		}
		rep.Photos = []string{m}
	}
	p := model.Person{
		Name:  strings.TrimSpace(strings.TrimSpace(r.FormValue("first_name")) + " " + strings.TrimSpace(r.FormValue("last_name"))),
		Phone: strings.TrimSpace(r.FormValue("phone")),
		Email: strings.TrimSpace(r.FormValue("email")),
	}
	if p != (model.Person{}) {
		rep.Reporter = &p
	}
	c, err := s.opts.Dispatch.Report(r.Context(), Caller(r.Context()), rep)
	if err != nil {
		s.open311Fail(w, r, err)
		return
	}
	id := strconv.FormatInt(c.ID, 10)
	w.Header().Set("Location", open311Prefix+"requests/"+id+".json")
	writeJSON(w, http.StatusCreated, []open311Created{{ServiceRequestID: id}})
}

// parseOpen311Form parses a form-encoded or multipart body (and the query),
// answering the error itself.
func parseOpen311Form(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	var err error
	switch ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct {
	case "multipart/form-data":
		err = r.ParseMultipartForm(maxBody)
	case "application/x-www-form-urlencoded", "":
		err = r.ParseForm()
	default:
		open311Err(w, http.StatusUnsupportedMediaType, "the body must be application/x-www-form-urlencoded or multipart/form-data")
		return false
	}
	if err != nil {
		if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
			open311Err(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", tooBig.Limit))
			return false
		}
		open311Err(w, http.StatusBadRequest, "malformed form: "+err.Error())
		return false
	}
	return true
}

// open311Req is a GeoReport service request.
type open311Req struct {
	ServiceRequestID  string   `json:"service_request_id"`
	Status            string   `json:"status"`
	StatusNotes       string   `json:"status_notes"`
	ServiceName       string   `json:"service_name"`
	ServiceCode       string   `json:"service_code"`
	Description       string   `json:"description"`
	AgencyResponsible string   `json:"agency_responsible"`
	ServiceNotice     string   `json:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime"`
	ExpectedDatetime  *string  `json:"expected_datetime"`
	Address           string   `json:"address"`
	AddressID         string   `json:"address_id"`
	Zipcode           string   `json:"zipcode"`
	Lat               *float64 `json:"lat"`
	Long              *float64 `json:"long"`
	MediaURL          string   `json:"media_url"`
}

func w3cTime(t time.Time) string { return t.In(chinaTime).Format(time.RFC3339) }

// open311Req turns a case into a GeoReport request.
func (s *server) open311Req(c model.Case) open311Req {
	q := open311Req{
		ServiceRequestID:  strconv.FormatInt(c.ID, 10),
		Status:            "open",
		StatusNotes:       stateLabels[c.State],
		ServiceName:       c.Title,
		ServiceCode:       c.Category,
		Description:       c.Description,
		RequestedDatetime: w3cTime(c.CreatedAt),
		UpdatedDatetime:   w3cTime(c.UpdatedAt),
		Address:           c.Address,
	}
	if slices.Contains(closedStates, c.State) {
		q.Status = "closed"
	}
	switch {
	case c.State == string(dispatch.Rejected) && c.RejectReason != "":
		q.StatusNotes = c.RejectReason
	case (c.State == string(dispatch.Resolved) || c.State == string(dispatch.Closed)) && c.Resolution != "":
		q.StatusNotes = c.Resolution
	}
	if cat, ok := s.opts.Dispatch.Category(c.Category); ok {
		q.ServiceName = cat.Minor
	}
	if c.AgencyID != "" {
		q.AgencyResponsible = c.AgencyID
		if a, ok := s.opts.Dispatch.Agency(c.AgencyID); ok {
			q.AgencyResponsible = a.Name
		}
	}
	if !c.ResolveDue.IsZero() {
		due := w3cTime(c.ResolveDue)
		q.ExpectedDatetime = &due
	}
	// A case without a point has 0, 0: say null rather than a place in the
	// Gulf of Guinea.
	if c.Lat != 0 || c.Lon != 0 {
		lat, lon := c.Lat, c.Lon
		q.Lat, q.Long = &lat, &lon
	}
	if len(c.Photos) > 0 {
		q.MediaURL = c.Photos[0]
	}
	return q
}

// open311Request answers GET requests/{id}.json with a one-element array.
func (s *server) open311Request(w http.ResponseWriter, r *http.Request) {
	name, ok := jsonFile(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(name, 10, 64)
	if err != nil || id <= 0 {
		open311Err(w, http.StatusNotFound, "service_request_id "+name+" not found")
		return
	}
	c, err := s.opts.Dispatch.Case(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, dispatch.ErrUnknown) {
		open311Err(w, http.StatusNotFound, "service_request_id "+name+" not found")
		return
	}
	if err != nil {
		s.open311Fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, []open311Req{s.open311Req(c)})
}

// open311Requests answers GET requests.json: the requests named by
// service_request_id (which overrides every other parameter), or those
// matching service_code, status and the window of requested_datetime
// [start_date, end_date], newest first, at most 1000. The window defaults
// to the last 90 days and may not span more.
func (s *server) open311Requests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if ids := q.Get("service_request_id"); ids != "" {
		s.open311ByID(w, r, ids)
		return
	}
	f := store.CaseFilter{Limit: open311Max}
	if st := q.Get("status"); st != "" {
		var open, closed bool
		for _, v := range commaList(st) {
			switch v {
			case "open":
				open = true
			case "closed":
				closed = true
			default:
				open311Err(w, http.StatusBadRequest, fmt.Sprintf("status: %q is neither open nor closed", v))
				return
			}
		}
		switch {
		case open && !closed:
			f.States = slices.Clone(openStates)
		case closed && !open:
			f.States = slices.Clone(closedStates)
		}
	}
	start, err := w3cParam(q.Get("start_date"), "start_date")
	if err != nil {
		open311Err(w, http.StatusBadRequest, err.Error())
		return
	}
	end, err := w3cParam(q.Get("end_date"), "end_date")
	if err != nil {
		open311Err(w, http.StatusBadRequest, err.Error())
		return
	}
	switch {
	case start.IsZero() && end.IsZero():
		end = time.Now()
		start = end.Add(-open311Window)
	case end.IsZero():
		end = start.Add(open311Window)
	case start.IsZero():
		start = end.Add(-open311Window)
	}
	if end.Before(start) {
		open311Err(w, http.StatusBadRequest, "end_date is before start_date")
		return
	}
	if end.Sub(start) > open311Window {
		open311Err(w, http.StatusBadRequest, "start_date and end_date may not span more than 90 days")
		return
	}
	// end_date is the latest time included; the filter's To is exclusive.
	f.From, f.To = start, end.Add(time.Nanosecond)

	codes := commaList(q.Get("service_code"))
	if len(codes) == 0 {
		codes = []string{""}
	}
	var cases []model.Case
	for _, code := range codes {
		f.Category = code
		cs, err := s.opts.Dispatch.Cases(r.Context(), f)
		if err != nil {
			s.open311Fail(w, r, err)
			return
		}
		cases = append(cases, cs...)
	}
	if len(codes) > 1 {
		slices.SortFunc(cases, func(a, b model.Case) int {
			if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
				return c
			}
			return cmp.Compare(b.ID, a.ID)
		})
		if len(cases) > open311Max {
			cases = cases[:open311Max]
		}
	}
	out := make([]open311Req, 0, len(cases))
	for _, c := range cases {
		out = append(out, s.open311Req(c))
	}
	writeJSON(w, http.StatusOK, out)
}

// open311ByID answers the requests named in a comma-separated list of ids,
// leaving out those that do not exist.
func (s *server) open311ByID(w http.ResponseWriter, r *http.Request, list string) {
	names := commaList(list)
	if len(names) > open311Max {
		open311Err(w, http.StatusBadRequest, fmt.Sprintf("service_request_id: at most %d ids", open311Max))
		return
	}
	out := make([]open311Req, 0, len(names))
	for _, name := range names {
		id, err := strconv.ParseInt(name, 10, 64)
		if err != nil || id <= 0 {
			open311Err(w, http.StatusBadRequest, fmt.Sprintf("service_request_id: %q is not a service request id", name))
			return
		}
		c, err := s.opts.Dispatch.Case(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, dispatch.ErrUnknown) {
			continue
		}
		if err != nil {
			s.open311Fail(w, r, err)
			return
		}
		out = append(out, s.open311Req(c))
	}
	writeJSON(w, http.StatusOK, out)
}

// w3cParam parses an optional W3C datetime (RFC 3339, with Z or an
// offset).
func w3cParam(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return t, fmt.Errorf("%s: %q is not a W3C datetime such as 2026-05-24T00:00:00+08:00", name, v)
	}
	return t, nil
}

// commaList splits a comma-separated parameter, dropping blanks.
func commaList(v string) []string {
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
