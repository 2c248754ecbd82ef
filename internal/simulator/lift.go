package simulator

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ywtg/hub/internal/profile"
)

// lift is the elevator's correlated model: one car per device, whose floor,
// direction, door, speed, running flag, door zone and occupancy all come from
// a single trip cycle, so that the telemetry never says "stopped at 1.2 m/s"
// or "door open while moving". A metric opts in with {model: lift, output: …};
// the car's own parameters (floors, speed, traffic) may sit on any of those
// metrics, and must agree where two give the same one.
//
// The cycle: idle at a landing, door shut, car empty → a call → the car runs
// empty to the calling landing if it is elsewhere → the door opens and
// passengers board → the door closes, the brake lifts → accelerate, cruise,
// decelerate, level → the door opens at the destination and the passengers
// leave → the door closes → idle. The car stands in the door zone at every
// stop, so the engine's entrapment and stopped-outside-door-zone conditions
// hold only for the second between the door shutting and the car moving —
// except in a trap (a scenario, or the kind's entrapment event): the car
// stops between landings for a while, then is wound to the next landing at
// rescue speed, where the door opens and the passengers leave.
type lift struct {
	cfg    liftConfig
	phase  liftPhase
	now    float64 // the time (Unix seconds) the state is at; 0 before the first tick
	left   float64 // seconds left in a timed phase
	pos    float64 // car position in landings (6.5 is half-way between 6 and 7)
	v      float64 // speed, m/s, >= 0
	dir    int     // +1 up, -1 down: this run's direction, kept while trapped
	cruise float64 // this run's top speed
	riders int

	stops    []int // landings to visit, in order
	boardAt  int   // landing where the waiting passengers board
	boarding bool  // someone is waiting at boardAt
	nextCall float64
	lastRun  float64 // start of the previous run, for the overspeed process

	trap    *liftTrap // a requested stop between landings, not begun yet
	emitted []liftEvent
}

// liftConfig is the car's parameters, from the lift metrics' sim specs.
type liftConfig struct {
	minFloor, maxFloor int
	floorHeight        float64 // m between landings
	rated              float64 // rated speed, m/s
	callsPerHour       float64 // daytime peak; nights are quieter
	overspeedPerHour   float64 // runs whose governor lets the car overspeed
}

// liftTrap is a requested stop between landings: with someone in the car
// (an entrapment, 困人) or empty (门区外停梯).
type liftTrap struct {
	duration float64
	person   bool
	event    string // event type to send when the car stops, "" for none
}

// liftEvent is an event the car raises itself, at the moment it happens.
type liftEvent struct {
	at     float64
	typ    string
	fields map[string]any
}

type liftPhase int

const (
	liftIdle liftPhase = iota
	liftOpening
	liftDwell
	liftClosing
	liftStarting
	liftMoving
	liftTrapped
	liftRescue
)

const (
	liftAccel       = 0.8  // m/s², comfortable for standing passengers
	liftLevelling   = 0.08 // m/s, the slowest the car runs before it stops at a landing
	liftRescueSpeed = 0.3  // m/s, winding the car to a landing after a trap
	liftDoorZoneM   = 0.2  // ± metres about a landing within which the door may open
	liftTrapClearM  = 0.8  // a trap stops the car at least this far from a landing
	liftMinFloorM   = 2.5  // least height between landings
	liftDoorMoveS   = 2.5  // seconds to open or to close the door
	liftBrakeS      = 0.8  // door shut to the car moving
	liftSubstepS    = 0.1  // motion integration step, seconds
	liftOverspeed   = 1.35 // speed of an overspeeding run, × rated
	liftTrapMinS    = 120  // duration range of an entrapment the profile's event rate starts
	liftTrapMaxS    = 300
)

// liftOutputs are the values a lift metric can report, with the metric
// types each may drive.
var liftOutputs = map[string][]string{
	"floor":          numeric,
	"direction":      {"enum"},
	"door_open":      {"bool"},
	"speed":          {"number"},
	"running":        {"bool"},
	"in_door_zone":   {"bool"},
	"person_present": {"bool"},
}

// liftParams are the car's parameters and their defaults.
var liftParams = map[string]float64{
	"min_floor": 1, "max_floor": 12, "floor_height_m": 3, "rated_speed_ms": 1.6,
	"calls_per_hour": 40, "overspeed_per_hour": 0,
}

// liftHandles are the profile event types the car turns into a trap instead
// of sending them out of the blue: with a person, or with an empty car.
var liftHandles = map[string]bool{"entrapment": true, "stopped_outside_door_zone": false}

// liftOutput is one metric's view of the car.
type liftOutput struct {
	l    *lift
	out  string
	enum map[int]string // direction: +1, −1, 0 → the enum's wire string
}

func (o *liftOutput) sample(*tick) any {
	l := o.l
	switch o.out {
	case "floor":
		return math.Round(l.pos)
	case "direction":
		return o.enum[l.direction()]
	case "door_open":
		return l.phase == liftOpening || l.phase == liftDwell || l.phase == liftClosing
	case "speed":
		return l.speed()
	case "running":
		return l.speed() > 0
	case "in_door_zone":
		return l.inDoorZone()
	case "person_present":
		return l.riders > 0
	}
	return nil
}

// newLiftOutput checks one lift metric's spec and returns its output.
func newLiftOutput(l *lift, name string, m profile.Metric, spec map[string]any) (*liftOutput, error) {
	out, _ := spec["output"].(string)
	types, ok := liftOutputs[out]
	if !ok {
		return nil, fmt.Errorf("%w: metric %s: lift output must be one of %v, not %v", ErrInvalidModel, name, slices.Sorted(maps.Keys(liftOutputs)), spec["output"])
	}
	if !slices.Contains(types, m.Type) {
		return nil, fmt.Errorf("%w: metric %s: lift output %s cannot drive a %s metric", ErrInvalidModel, name, out, m.Type)
	}
	for k := range spec {
		if _, known := liftParams[k]; !known && k != "model" && k != "output" {
			return nil, fmt.Errorf("%w: metric %s: model lift has no parameter %q", ErrInvalidModel, name, k)
		}
	}
	o := &liftOutput{l: l, out: out}
	if out == "direction" {
		o.enum = map[int]string{}
		for key, v := range m.Enum {
			if v == 1 || v == -1 || v == 0 {
				o.enum[int(v)] = key
			}
		}
		if len(o.enum) != 3 {
			return nil, fmt.Errorf("%w: metric %s: lift direction needs enum values 1 (up), -1 (down) and 0 (stop)", ErrInvalidModel, name)
		}
	}
	return o, nil
}

// configure reads the car's parameters from every lift metric's spec.
func (l *lift) configure(specs map[string]map[string]any) error {
	val := maps.Clone(liftParams)
	from := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(specs)) {
		p := params{metric: name, spec: specs[name]}
		for k := range liftParams {
			if _, set := specs[name][k]; !set {
				continue
			}
			v := p.num(k, 0)
			if prev, ok := from[k]; ok && val[k] != v {
				return fmt.Errorf("%w: metric %s: lift %s %v disagrees with metric %s's %v", ErrInvalidModel, name, k, v, prev, val[k])
			}
			val[k], from[k] = v, name
		}
		if p.err != nil {
			return p.err
		}
	}
	c := liftConfig{minFloor: int(val["min_floor"]), maxFloor: int(val["max_floor"]), floorHeight: val["floor_height_m"],
		rated: val["rated_speed_ms"], callsPerHour: val["calls_per_hour"], overspeedPerHour: val["overspeed_per_hour"]}
	if float64(c.minFloor) != val["min_floor"] || float64(c.maxFloor) != val["max_floor"] || c.maxFloor-c.minFloor < 2 ||
		c.floorHeight < liftMinFloorM || c.rated < liftLevelling || c.callsPerHour < 0 || c.overspeedPerHour < 0 {
		return fmt.Errorf("%w: lift needs whole floors min_floor + 2 <= max_floor, floor_height_m >= %v, rated_speed_ms >= %v and rates >= 0",
			ErrInvalidModel, liftMinFloorM, liftLevelling)
	}
	l.cfg = c
	return nil
}

func (l *lift) direction() int {
	if l.phase == liftStarting || l.phase == liftMoving || l.phase == liftRescue {
		return l.dir
	}
	return 0
}

func (l *lift) speed() float64 {
	if l.phase == liftMoving || l.phase == liftRescue {
		return l.v
	}
	return 0
}

func (l *lift) inDoorZone() bool { return l.offLanding() <= liftDoorZoneM }

// offLanding is the car's distance from the nearest landing, metres.
func (l *lift) offLanding() float64 { return math.Abs(l.pos-math.Round(l.pos)) * l.cfg.floorHeight }

// advance runs the car from its last state up to t.now.
func (l *lift) advance(t *tick) {
	if l.now == 0 {
		l.now, l.lastRun = t.now, t.now
		l.pos = float64(l.cfg.minFloor + t.rng.IntN(l.cfg.maxFloor-l.cfg.minFloor+1))
		l.idle(t.rng)
		return
	}
	for l.now < t.now {
		l.step(t.now, t.rng)
	}
}

// step moves the state forward by one event or substep, at most to end.
func (l *lift) step(end float64, rng *rand.Rand) {
	switch l.phase {
	case liftIdle:
		if l.trap != nil {
			l.call(rng)
			return
		}
		if l.nextCall > end {
			l.now = end
			return
		}
		l.now = l.nextCall
		l.call(rng)
	case liftMoving, liftRescue:
		h := min(liftSubstepS, end-l.now)
		l.now += h
		l.move(h)
	default:
		if l.now+l.left > end {
			l.left -= end - l.now
			l.now = end
			return
		}
		l.now += l.left
		l.left = 0
		l.next(rng)
	}
}

// next ends a timed phase.
func (l *lift) next(rng *rand.Rand) {
	switch l.phase {
	case liftOpening:
		l.phase, l.left = liftDwell, 3+5*rng.Float64()
		here := int(math.Round(l.pos))
		if len(l.stops) == 0 {
			l.riders = 0 // at the destination, everyone gets out
		}
		if l.boarding && here == l.boardAt {
			l.riders += 1 + rng.IntN(3)
			l.boarding = false
		}
	case liftDwell:
		l.phase, l.left = liftClosing, liftDoorMoveS
	case liftClosing:
		if len(l.stops) == 0 {
			l.idle(rng)
			return
		}
		l.depart()
	case liftStarting:
		l.phase, l.v, l.cruise = liftMoving, 0, l.cfg.rated
		if rng.Float64() < 1-math.Exp(-l.cfg.overspeedPerHour*(l.now-l.lastRun)/3600) {
			l.cruise = l.cfg.rated * liftOverspeed
		}
		l.lastRun = l.now
	case liftTrapped:
		l.phase, l.v, l.cruise = liftRescue, 0, liftRescueSpeed
		next := math.Ceil(l.pos)
		if l.dir < 0 {
			next = math.Floor(l.pos)
		}
		l.stops, l.boarding = []int{int(next)}, false
	}
}

// idle parks the car and draws the time of the next call, rarer at night.
func (l *lift) idle(rng *rand.Rand) {
	l.phase, l.v, l.riders, l.stops = liftIdle, 0, 0, nil
	hour := math.Mod(l.now/3600+8, 24) // China Standard Time, UTC+8
	rate := l.cfg.callsPerHour * (0.55 - 0.45*math.Cos(2*math.Pi*(hour-3)/24)) / 3600
	l.nextCall = math.Inf(1)
	if rate > 0 {
		l.nextCall = l.now + rng.ExpFloat64()/rate
	}
}

// call takes a call from a landing to another: the lobby sends people up,
// the other floors mostly down to the lobby. A pending trap shapes it: a
// trapped passenger boards here; an empty-car stop runs to a far landing.
func (l *lift) call(rng *rand.Rand) {
	here := int(math.Round(l.pos))
	lo, hi := l.cfg.minFloor, l.cfg.maxFloor
	from := lo
	if rng.Float64() < 0.5 {
		from = lo + rng.IntN(hi-lo+1)
	}
	if l.trap != nil {
		from = here
		if !l.trap.person {
			from = l.farLanding(here, rng)
		}
	}
	to := lo
	if from == lo || rng.Float64() < 0.3 || l.trap != nil {
		to = l.farLanding(from, rng)
	}
	if to == from {
		to = l.farLanding(from, rng)
	}
	l.boardAt, l.boarding = from, true
	l.stops = []int{to}
	if from == here {
		l.phase, l.left = liftOpening, liftDoorMoveS
		return
	}
	l.stops = []int{from, to}
	l.depart() // the door is already shut
}

// depart lifts the brake for a run to the next stop.
func (l *lift) depart() {
	l.phase, l.left = liftStarting, liftBrakeS
	l.dir = 1
	if float64(l.stops[0]) < l.pos {
		l.dir = -1
	}
}

// farLanding is a landing at least two floors from here, so that a run
// leaves the door zone well behind.
func (l *lift) farLanding(here int, rng *rand.Rand) int {
	for {
		f := l.cfg.minFloor + rng.IntN(l.cfg.maxFloor-l.cfg.minFloor+1)
		if f-here >= 2 || here-f >= 2 {
			return f
		}
	}
}

// move integrates one substep of h seconds of a run: accelerate to the
// cruise speed, brake so as to stop at the landing, never slower than the
// levelling speed, and stop exactly at it.
func (l *lift) move(h float64) {
	target := float64(l.stops[0])
	dist := (target - l.pos) * float64(l.dir) * l.cfg.floorHeight
	v := max(min(l.v+liftAccel*h, l.cruise, math.Sqrt(2*liftAccel*max(dist, 0))), liftLevelling)
	if v*h >= dist {
		l.pos, l.v = target, 0
		l.stops = l.stops[1:]
		l.phase, l.left = liftOpening, liftDoorMoveS
		return
	}
	l.pos += float64(l.dir) * v * h / l.cfg.floorHeight
	l.v = v
	if tr := l.trap; tr != nil && l.phase == liftMoving && l.offLanding() >= liftTrapClearM && tr.person == (l.riders > 0) {
		l.phase, l.v, l.left, l.trap = liftTrapped, 0, tr.duration, nil
		if tr.event != "" {
			l.emitted = append(l.emitted, liftEvent{at: l.now, typ: tr.event,
				fields: map[string]any{"floor": math.Round(l.pos), "at_floor": false}})
		}
	}
}

// request asks for a trap; it is refused while one is pending or under way.
func (l *lift) request(tr liftTrap) bool {
	if l.trap != nil || l.phase == liftTrapped || l.phase == liftRescue {
		return false
	}
	l.trap = &tr
	return true
}

// events hands over the events the car raised since the last call.
func (l *lift) events() []liftEvent {
	ev := l.emitted
	l.emitted = nil
	return ev
}
