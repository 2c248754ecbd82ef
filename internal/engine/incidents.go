package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// Incidents (SPEC §5): alarms about the same thing in the world are
// correlated by category, distance and time into one incident, located once
// — two towers' bearings on one fire become one incident at their
// intersection. An incident stays open while any member alarm is active.

// EntityIncident is the live entity name of incidents.
const EntityIncident = "incident"

// Correlation says when a new alarm joins an open incident of its category.
type Correlation struct {
	// RadiusM: the alarm's place is within this distance of the incident's.
	RadiusM float64
	// Window: the alarm came within this long of the incident's last alarm.
	Window time.Duration
	// SameSource: only alarms of the same device join (a lift's faults).
	SameSource bool
	// BearingTolDeg: a bearing passes this close to a located incident.
	BearingTolDeg float64
}

// DefaultCorrelations are the hub's correlation settings by category.
// Categories not listed correlate per device.
var DefaultCorrelations = map[string]Correlation{
	"forest_fire": {RadiusM: 3000, Window: 2 * time.Hour, BearingTolDeg: 3},
	"flood":       {RadiusM: 15000, Window: 6 * time.Hour},
	"pollution":   {RadiusM: 5000, Window: 3 * time.Hour},
	"elevator":    {SameSource: true, Window: time.Hour},
}

var categoryLabels = map[string]string{
	"forest_fire": "森林火情", "flood": "汛情", "pollution": "环境污染", "elevator": "电梯事件",
}

// Locator finds the region a point is in.
type Locator interface {
	Locate(lon, lat float64) (gis.Region, bool)
}

type incidentState struct {
	inc       model.Incident
	active    map[int64]bool // member alarm id → still active
	persisted time.Time      // LastSeen as last stored
}

// observation is what an alarm says about where its cause is.
type observation struct {
	source     string
	tower      gis.Bearing // device position and, with hasBearing, the bearing
	hasBearing bool
	rangeM     float64
	point      [2]float64 // the cause's point, when hasPoint
	hasPoint   bool
}

func (e *Engine) observe(a *model.Alarm) observation {
	o := observation{source: a.Source, tower: gis.Bearing{Lon: a.Lon, Lat: a.Lat}, point: [2]float64{a.Lon, a.Lat}, hasPoint: true}
	if l := a.Location; l != nil && (l.Method == model.LocateBearingLine || l.Method == model.LocateBearingDistance) {
		o.tower.Deg, o.hasBearing = l.BearingDeg, true
		o.rangeM = gis.DefaultMaxRangeM
		if n := len(l.Line); n > 1 {
			o.rangeM = gis.Distance(l.Line[0][0], l.Line[0][1], l.Line[n-1][0], l.Line[n-1][1])
		}
		o.hasPoint = l.Method == model.LocateBearingDistance
		o.point = [2]float64{l.Lon, l.Lat}
	}
	return o
}

// incidentObservation is the incident's place: its point, or the bearing
// line of the one tower that has seen it.
func incidentObservation(in *model.Incident) observation {
	o := observation{point: [2]float64{in.Lon, in.Lat}, hasPoint: true}
	if in.Location.Method == model.LocateBearingLine && len(in.Location.Line) > 1 {
		l := in.Location.Line
		o.tower = gis.Bearing{Lon: l[0][0], Lat: l[0][1], Deg: in.Location.BearingDeg}
		o.hasBearing, o.hasPoint = true, false
		o.rangeM = gis.Distance(l[0][0], l[0][1], l[len(l)-1][0], l[len(l)-1][1])
		if len(in.Sources) > 0 {
			o.source = in.Sources[0]
		}
	}
	return o
}

// match reports whether an alarm's observation belongs to an incident's,
// and the incident's new location when joining refines it.
func match(c Correlation, in *model.Incident, a observation) (bool, *model.Location) {
	if c.SameSource {
		return slices.Contains(in.Sources, a.source), nil
	}
	io := incidentObservation(in)
	switch {
	case io.hasPoint && a.hasPoint:
		return gis.Distance(io.point[0], io.point[1], a.point[0], a.point[1]) <= c.RadiusM, nil
	case io.hasPoint && a.hasBearing: // a bearing through a located incident
		return passesNear(a, io.point, c), nil
	case a.hasPoint: // a located alarm on the incident's bearing line
		if !passesNear(io, a.point, c) {
			return false, nil
		}
		return true, &model.Location{Method: model.LocateBearingDistance, Lon: a.point[0], Lat: a.point[1]}
	case io.source == a.source: // the same tower again
		return angleDiff(io.tower.Deg, a.tower.Deg) <= c.BearingTolDeg, nil
	default: // two towers' bearings
		lon, lat, err := gis.Triangulate(io.tower, a.tower, gis.TriangulateOptions{MaxRangeM: math.Min(io.rangeM, a.rangeM)})
		if err != nil {
			return false, nil
		}
		return true, &model.Location{Method: model.LocateTriangulated, Lon: lon, Lat: lat}
	}
}

// passesNear: the observation's bearing points at p within tolerance, and p
// is within its range.
func passesNear(o observation, p [2]float64, c Correlation) bool {
	d := gis.Distance(o.tower.Lon, o.tower.Lat, p[0], p[1])
	if d > o.rangeM {
		return false
	}
	if d < c.RadiusM {
		return true // at the tower's foot
	}
	return angleDiff(gis.InitialBearing(o.tower.Lon, o.tower.Lat, p[0], p[1]), o.tower.Deg) <= c.BearingTolDeg
}

func angleDiff(a, b float64) float64 {
	d := math.Mod(math.Abs(a-b), 360)
	return math.Min(d, 360-d)
}

func (e *Engine) correlation(cat string) Correlation {
	if c, ok := e.opts.Correlations[cat]; ok {
		return c
	}
	return Correlation{SameSource: true, Window: time.Hour}
}

func correlated(cat string) bool { return cat != "" && cat != CategoryDevice }

// findIncident finds the open incident a newly raised alarm belongs to: the
// oldest of its category it matches, and the incident's refined location if
// joining refines it. Nil: the alarm opens its own.
func (e *Engine) findIncident(a *model.Alarm) (*incidentState, *model.Location) {
	if !correlated(a.Category) {
		return nil, nil
	}
	c := e.correlation(a.Category)
	obs := e.observe(a)
	var best *incidentState
	var bestLoc *model.Location
	for _, is := range e.incidents {
		in := &is.inc
		if in.Category != a.Category || a.LastSeen.Sub(in.LastSeen).Abs() > c.Window {
			continue
		}
		if ok, loc := match(c, in, obs); ok && (best == nil || in.ID < best.inc.ID) {
			best, bestLoc = is, loc
		}
	}
	return best, bestLoc
}

// openIncident opens an incident for a stored alarm and links the alarm to
// it (which publishes the alarm). It reports whether it did.
func (e *Engine) openIncident(ctx context.Context, a *model.Alarm) bool {
	obs := e.observe(a)
	in := model.Incident{Category: a.Category, Severity: a.Severity, Status: model.IncidentOpen,
		AlarmIDs: []int64{a.ID}, Sources: []string{a.Source}, FirstSeen: a.LastSeen, LastSeen: a.LastSeen,
		Title: fmt.Sprintf("%s · %s", a.Label, e.deviceName(ctx, a.Source))}
	switch {
	case a.Location != nil && a.Location.Method == model.LocateBearingLine:
		in.Location = *a.Location
		in.Lon, in.Lat = a.Lon, a.Lat
	case a.Location != nil:
		in.Location = *a.Location
		in.Lon, in.Lat = obs.point[0], obs.point[1]
	default:
		in.Location = model.Location{Method: model.LocateDevice, Lon: a.Lon, Lat: a.Lat}
		in.Lon, in.Lat = a.Lon, a.Lat
	}
	in.RegionCode = e.regionOf(in.Lon, in.Lat, a.RegionCode)
	if err := e.opts.Store.InsertIncident(ctx, &in); err != nil {
		e.log.Error("incident not stored", "alarm_id", a.ID, "err", err)
		return false
	}
	e.incidents[in.ID] = &incidentState{inc: in, active: map[int64]bool{a.ID: true}, persisted: in.LastSeen}
	e.log.Info("incident opened", "incident_id", in.ID, "category", in.Category, "alarm_id", a.ID)
	e.opts.Live.Upsert(EntityIncident, strconv.FormatInt(in.ID, 10), in)
	e.told(in)
	next, err := e.update(ctx, alarmKey{a.Source, a.Type}, func(cur *model.Alarm) { cur.IncidentID = in.ID })
	if err != nil {
		return false
	}
	*a = *next
	return true
}

func (e *Engine) joinIncident(ctx context.Context, is *incidentState, a *model.Alarm, loc *model.Location) {
	is.active[a.ID] = true
	ok := e.changeIncident(ctx, is, func(in *model.Incident) {
		in.AlarmIDs = append(in.AlarmIDs, a.ID)
		if !slices.Contains(in.Sources, a.Source) {
			in.Sources = append(in.Sources, a.Source)
		}
		if model.SeverityRank(a.Severity) > model.SeverityRank(in.Severity) {
			in.Severity = a.Severity
		}
		in.LastSeen = maxTime(in.LastSeen, a.LastSeen)
		if loc != nil {
			loc.BearingDeg = 0
			in.Location, in.Lon, in.Lat = *loc, loc.Lon, loc.Lat
			in.RegionCode = e.regionOf(loc.Lon, loc.Lat, in.RegionCode)
		}
		if n := len(in.Sources); n > 1 {
			in.Title = fmt.Sprintf("%s · %s 等 %d 个设备", categoryLabel(in.Category), e.deviceName(ctx, in.Sources[0]), n)
		}
	})
	if ok {
		e.log.Info("alarm joined incident", "incident_id", is.inc.ID, "alarm_id", a.ID, "located", is.inc.Location.Method)
	}
}

// changeIncident applies change and stores it, retrying once on a
// conflicting write (the dispatch loop setting the case) with the stored
// version.
func (e *Engine) changeIncident(ctx context.Context, is *incidentState, change func(*model.Incident)) bool {
	next := is.inc
	next.AlarmIDs, next.Sources = slices.Clone(next.AlarmIDs), slices.Clone(next.Sources)
	change(&next)
	err := e.opts.Store.UpdateIncident(ctx, &next)
	if errors.Is(err, store.ErrConflict) {
		if next, err = e.opts.Store.GetIncident(ctx, is.inc.ID); err == nil {
			change(&next)
			err = e.opts.Store.UpdateIncident(ctx, &next)
		}
	}
	if err != nil {
		e.log.Error("incident update not stored", "incident_id", is.inc.ID, "err", err)
		return false
	}
	is.inc, is.persisted = next, next.LastSeen
	e.opts.Live.Upsert(EntityIncident, strconv.FormatInt(next.ID, 10), next)
	e.told(next)
	return true
}

// told passes an incident change to OnIncident.
func (e *Engine) told(in model.Incident) {
	if e.opts.OnIncident != nil {
		e.opts.OnIncident(in)
	}
}

// LinkCase records the case an incident opened (the dispatch loop calls it).
func (e *Engine) LinkCase(ctx context.Context, incidentID, caseID int64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if is, ok := e.incidents[incidentID]; ok {
		if !e.changeIncident(ctx, is, func(in *model.Incident) { in.CaseID = caseID }) {
			return fmt.Errorf("incident %d: case link not stored", incidentID)
		}
		return nil
	}
	in, err := e.Incident(ctx, incidentID)
	if err != nil {
		return err
	}
	in.CaseID = caseID
	return e.opts.Store.UpdateIncident(ctx, &in)
}

// touchIncident follows a member alarm updated in place: severity up, and
// last seen (stored at most once a minute).
func (e *Engine) touchIncident(ctx context.Context, a *model.Alarm) {
	is, ok := e.incidents[a.IncidentID]
	if !ok {
		return
	}
	rises := model.SeverityRank(a.Severity) > model.SeverityRank(is.inc.Severity)
	if !rises && a.LastSeen.Sub(is.persisted) < time.Minute {
		is.inc.LastSeen = maxTime(is.inc.LastSeen, a.LastSeen)
		return
	}
	e.changeIncident(ctx, is, func(in *model.Incident) {
		in.LastSeen = maxTime(in.LastSeen, a.LastSeen)
		if rises {
			in.Severity = a.Severity
		}
	})
}

// memberCleared closes an incident when its last active member clears.
func (e *Engine) memberCleared(ctx context.Context, a *model.Alarm) {
	is, ok := e.incidents[a.IncidentID]
	if !ok {
		return
	}
	delete(is.active, a.ID)
	if len(is.active) > 0 {
		return
	}
	if e.changeIncident(ctx, is, func(in *model.Incident) {
		in.Status, in.ClosedAt = model.IncidentClosed, e.opts.Now().UTC()
	}) {
		delete(e.incidents, a.IncidentID)
		e.opts.Live.Remove(EntityIncident, strconv.FormatInt(a.IncidentID, 10))
		e.log.Info("incident closed", "incident_id", a.IncidentID)
	}
}

// loadIncidents restores the open incidents and which members are active.
func (e *Engine) loadIncidents(ctx context.Context) error {
	open, err := e.opts.Store.ListIncidents(ctx, store.IncidentFilter{Status: model.IncidentOpen, Limit: 10000})
	if err != nil {
		return err
	}
	for _, in := range open {
		e.incidents[in.ID] = &incidentState{inc: in, active: map[int64]bool{}, persisted: in.LastSeen}
	}
	e.active.each(func(a *model.Alarm) {
		if is, ok := e.incidents[a.IncidentID]; ok {
			is.active[a.ID] = true
		}
	})
	for id, is := range e.incidents {
		if len(is.active) == 0 { // its last member cleared as the hub stopped
			if e.changeIncident(ctx, is, func(in *model.Incident) {
				in.Status, in.ClosedAt = model.IncidentClosed, e.opts.Now().UTC()
			}) {
				delete(e.incidents, id)
			}
		}
	}
	return nil
}

// Incidents lists stored incidents.
func (e *Engine) Incidents(ctx context.Context, f store.IncidentFilter) ([]model.Incident, error) {
	return e.opts.Store.ListIncidents(ctx, f)
}

// Incident returns one incident.
func (e *Engine) Incident(ctx context.Context, id int64) (model.Incident, error) {
	in, err := e.opts.Store.GetIncident(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return in, fmt.Errorf("%w: incident %d", ErrNotFound, id)
	}
	return in, err
}

func (e *Engine) regionOf(lon, lat float64, fallback string) string {
	if e.opts.Regions == nil {
		return fallback
	}
	if r, ok := e.opts.Regions.Locate(lon, lat); ok {
		return r.Code
	}
	return fallback
}

func (e *Engine) deviceName(ctx context.Context, id string) string {
	if d, err := e.opts.Devices.Lookup(ctx, id); err == nil && d.Name != "" {
		return d.Name
	}
	return id
}

func categoryLabel(c string) string {
	if l, ok := categoryLabels[c]; ok {
		return l
	}
	return c
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
