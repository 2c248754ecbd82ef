package api

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.opts.Store.Ping(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "store_unavailable", err.Error())
		return
	}
	if s.opts.Ready != nil {
		if err := s.opts.Ready(r.Context()); err != nil {
			writeError(w, http.StatusServiceUnavailable, "not_ready", err.Error())
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// deviceRequest is the body of POST /api/v1/devices.
type deviceRequest struct {
	ID            string                        `json:"id"`
	Kind          string                        `json:"kind"`
	Name          string                        `json:"name"`
	Operator      string                        `json:"operator"`
	Lon           float64                       `json:"lon"`
	Lat           float64                       `json:"lat"`
	RuleOverrides map[string]model.RuleOverride `json:"rule_overrides"`
	Params        map[string]float64            `json:"params"`
}

func (s *server) addDevice(w http.ResponseWriter, r *http.Request) {
	var req deviceRequest
	if !decode(w, r, &req) {
		return
	}
	dev, secret, err := s.opts.Registry.Add(r.Context(), model.Device{ID: req.ID, Kind: req.Kind, Name: req.Name,
		Operator: req.Operator, Lon: req.Lon, Lat: req.Lat, RuleOverrides: req.RuleOverrides, Params: req.Params})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("device registered", "device_id", dev.ID, "kind", dev.Kind, "region_code", dev.RegionCode, "by", Principal(r.Context()))
	s.opts.Engine.Announce(dev)
	writeJSON(w, http.StatusCreated, map[string]any{"device": dev, "secret": secret,
		"mqtt": map[string]string{"username": dev.ID, "client_id": dev.ID, "topic_prefix": "devices/" + dev.ID + "/"}})
}

func (s *server) listDevices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	kind, region, online := q.Get("kind"), regionPrefix(q.Get("region")), q.Get("online")
	out := []engine.DeviceView{}
	for _, v := range s.opts.Engine.Views() {
		if (kind != "" && v.Kind != kind) || (region != "" && !strings.HasPrefix(v.RegionCode, region)) {
			continue
		}
		if online != "" && strconv.FormatBool(v.Online) != online {
			continue
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": out, "count": len(out)})
}

func (s *server) getDevice(w http.ResponseWriter, r *http.Request) {
	dev, err := s.opts.Registry.Lookup(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.opts.Engine.View(dev))
}

func (s *server) deviceReadings(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.opts.Registry.Lookup(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.ReadingFilter{DeviceID: id}
	var err error
	if f.From, err = optTime(q.Get("from")); err == nil {
		f.To, err = optTime(q.Get("to"))
	}
	if err == nil {
		f.Limit, err = optInt(q.Get("limit"))
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	rs, err := s.opts.Store.ListReadings(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if rs == nil {
		rs = []model.Reading{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"readings": rs, "count": len(rs)})
}

func (s *server) listAlarms(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AlarmFilter{Status: q.Get("status"), Source: q.Get("source"), Category: q.Get("category")}
	if v := q.Get("incident"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			writeError(w, http.StatusBadRequest, "invalid", "incident must be a positive integer")
			return
		}
		f.IncidentID = n
	}
	if f.Status == "all" {
		f.Status = ""
	}
	if f.Status != "" && f.Status != model.AlarmActive && f.Status != model.AlarmCleared {
		writeError(w, http.StatusBadRequest, "invalid", "status must be active, cleared or all")
		return
	}
	var err error
	if f.Limit, err = optInt(q.Get("limit")); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	alarms, err := s.opts.Store.ListAlarms(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if alarms == nil {
		alarms = []model.Alarm{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alarms": alarms, "count": len(alarms)})
}

func (s *server) getAlarm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	a, err := s.opts.Store.GetAlarm(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *server) ackAlarm(w http.ResponseWriter, r *http.Request) {
	s.alarmAction(w, r, s.opts.Engine.Ack)
}

func (s *server) clearAlarm(w http.ResponseWriter, r *http.Request) {
	s.alarmAction(w, r, s.opts.Engine.Clear)
}

func (s *server) alarmAction(w http.ResponseWriter, r *http.Request, act func(ctx context.Context, id int64, who string) (model.Alarm, error)) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var body struct {
		By string `json:"by"`
	}
	if r.ContentLength != 0 && !decode(w, r, &body) {
		return
	}
	who := Principal(r.Context())
	if body.By != "" {
		who = body.By + " (" + who + ")"
	}
	a, err := act(r.Context(), id, who)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *server) listDeadLetters(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.DeadLetterFilter{Reason: q.Get("reason"), DeviceID: q.Get("device")}
	var err error
	if f.Limit, err = optInt(q.Get("limit")); err == nil {
		var before int
		before, err = optInt(q.Get("before"))
		f.BeforeID = int64(before)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	ds, err := s.opts.Store.ListDeadLetters(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ds == nil {
		ds = []model.DeadLetter{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deadletters": ds, "count": len(ds), "counters": s.rejectCounts()})
}

func (s *server) rejectCounts() map[string]int64 {
	out := map[string]int64{}
	for k, v := range s.counters() {
		if reason, ok := strings.CutPrefix(k, "rejected_"); ok {
			out[reason] = v
		}
	}
	return out
}

func (s *server) counters() map[string]int64 {
	if s.opts.Counters == nil {
		return map[string]int64{}
	}
	return s.opts.Counters()
}

func (s *server) regions(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(s.opts.Regions)
}

func (s *server) profiles(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.opts.Profiles)
}

func (s *server) stats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.counters())
}

// metrics writes the counters in the Prometheus text format.
func (s *server) metrics(w http.ResponseWriter, r *http.Request) {
	c := s.counters()
	names := make([]string, 0, len(c))
	for k := range c {
		names = append(names, k)
	}
	sort.Strings(names)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintln(w, "# HELP hub_ingest_rejected_total Messages refused, by reason.")
	fmt.Fprintln(w, "# TYPE hub_ingest_rejected_total counter")
	for _, k := range names {
		if reason, ok := strings.CutPrefix(k, "rejected_"); ok {
			fmt.Fprintf(w, "hub_ingest_rejected_total{reason=%q} %d\n", reason, c[k])
		}
	}
	for _, k := range names {
		if !strings.HasPrefix(k, "rejected_") {
			fmt.Fprintf(w, "# TYPE hub_%s counter\nhub_%s %d\n", k, k, c[k])
		}
	}
}

// regionPrefix turns a GB/T 2260 code into the prefix its descendants share:
// 152900 (a league) → 1529, 150000 → 15; 152921 and longer codes stay whole.
func regionPrefix(code string) string {
	for len(code) > 2 && len(code) <= 6 && strings.HasSuffix(code, "00") {
		code = code[:len(code)-2]
	}
	return code
}

func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "invalid", "id must be a positive integer")
		return 0, false
	}
	return id, true
}

func optInt(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a non-negative integer", v)
	}
	return n, nil
}

func optTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return t, fmt.Errorf("%q is not an RFC 3339 time", v)
	}
	return t, nil
}
