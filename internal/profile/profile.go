// Package profile loads and validates device-kind profiles (devices/*.yaml):
// what each kind may send and what the default rules are. It knows nothing of
// MQTT, storage or alarms; it only describes.
package profile

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/ywtg/hub/internal/model"
	"go.yaml.in/yaml/v3"
)

// Profile describes one device kind.
type Profile struct {
	Kind        string  `yaml:"kind" json:"kind"`
	Label       string  `yaml:"label" json:"label"`
	Description string  `yaml:"description" json:"description,omitempty"`
	IntervalS   float64 `yaml:"interval_s" json:"interval_s"`
	// Flags lists the data-quality flags (HJ 212: N F M S D C T B) a reading
	// may carry per metric; empty means the kind sends no flags.
	Flags []string `yaml:"flags" json:"flags,omitempty"`
	// AlarmFlags, when set, are the only flags whose samples feed rules and
	// derived values (HJ 212: only N data may raise an exceedance alarm);
	// samples with other flags are stored and shown, never judged. A sample
	// without a flag counts as N.
	AlarmFlags []string `yaml:"alarm_flags" json:"alarm_flags,omitempty"`
	// Category is what the kind's alarms are about, for correlating them into
	// incidents (forest_fire, flood, elevator, pollution); a rule or event
	// may name its own (device: a fault of the equipment itself).
	Category string            `yaml:"category" json:"category"`
	Metrics  map[string]Metric `yaml:"metrics" json:"metrics"`
	// Derived are values the engine computes from the metrics (rainfall over
	// 1 h, a level's rate of rise, the AQI); rules may judge them like metrics.
	Derived map[string]Derived `yaml:"derived" json:"derived,omitempty"`
	// Params are per-device settings (rule levels aside) with defaults.
	Params  map[string]Param `yaml:"params" json:"params,omitempty"`
	Events  map[string]Event `yaml:"events" json:"events"`
	Rules   []Rule           `yaml:"rules" json:"rules"`
	Samples map[string]any   `yaml:"samples" json:"samples,omitempty"`
}

// Derived is a value computed from a metric. Types:
//   - sum: the metric's sum over the last WindowS seconds (rainfall);
//   - rate: its change per hour over the last WindowS seconds;
//   - mean: its mean over the last WindowS seconds;
//   - aqi: the hourly air quality index of HJ 633-2012 from the air metrics
//     (Metric is empty; the engine knows which metrics are which pollutant);
//   - water_class: the GB 3838-2002 class by the worst single factor.
type Derived struct {
	Label   string  `yaml:"label" json:"label"`
	Unit    string  `yaml:"unit" json:"unit,omitempty"`
	Type    string  `yaml:"type" json:"type"`
	Metric  string  `yaml:"metric" json:"metric,omitempty"`
	WindowS float64 `yaml:"window_s" json:"window_s,omitempty"`
}

// Param is one per-device setting and its default.
type Param struct {
	Label   string  `yaml:"label" json:"label"`
	Unit    string  `yaml:"unit" json:"unit,omitempty"`
	Default float64 `yaml:"default" json:"default"`
}

// Param returns a device's value of a param: its own, else the default.
func (p *Profile) Param(own map[string]float64, name string) float64 {
	if v, ok := own[name]; ok {
		return v
	}
	return p.Params[name].Default
}

// Metric is one telemetry value a kind may send.
type Metric struct {
	Label string   `yaml:"label" json:"label"`
	Unit  string   `yaml:"unit" json:"unit,omitempty"`
	Type  string   `yaml:"type" json:"type"` // number | int | bool | enum
	Min   *float64 `yaml:"min" json:"min,omitempty"`
	Max   *float64 `yaml:"max" json:"max,omitempty"`
	// Enum maps the wire strings of an enum metric to the numbers stored.
	Enum map[string]float64 `yaml:"enum" json:"enum,omitempty"`
	// Sim is the simulator's signal model for this metric (see internal/simulator).
	Sim map[string]any `yaml:"sim" json:"-"`
}

// Event is one event type a kind may send.
type Event struct {
	Label    string           `yaml:"label" json:"label"`
	Severity string           `yaml:"severity" json:"severity,omitempty"` // empty: recorded, raises no alarm
	Fields   map[string]Field `yaml:"fields" json:"fields,omitempty"`
	// Category overrides the profile's for this event's alarm.
	Category string `yaml:"category" json:"category,omitempty"`
	// AutoClearS clears the event's alarm when the event has not been seen
	// again for this long; 0 leaves it to a clearing event or a person.
	AutoClearS float64 `yaml:"auto_clear_s" json:"auto_clear_s,omitempty"`
	// Clears lists alarm types this event ends (power_restored ends power_loss).
	Clears []string `yaml:"clears" json:"clears,omitempty"`
	// MinConfidence: an event whose confidence field is below it is stored
	// but raises nothing (a device param min_confidence overrides it).
	MinConfidence float64 `yaml:"min_confidence" json:"min_confidence,omitempty"`
	// Locate "bearing": the event's bearing_deg (and distance_m) place its
	// cause away from the device, after the device's north_offset_deg.
	Locate string `yaml:"locate" json:"locate,omitempty"`
	// SimRatePerHour is how often the simulator injects this event per device.
	SimRatePerHour float64 `yaml:"sim_rate_per_hour" json:"-"`
}

// Field is one attribute of an event.
type Field struct {
	Type     string   `yaml:"type" json:"type"` // number | string | bool
	Min      *float64 `yaml:"min" json:"min,omitempty"`
	Max      *float64 `yaml:"max" json:"max,omitempty"`
	Required bool     `yaml:"required" json:"required,omitempty"`
}

// Rule is a default rule of a kind. Types:
//   - threshold: a metric's or derived value against Value/Clear;
//   - accumulation: the metric's sum over the last WindowS seconds (rainfall);
//   - rate: the metric's change per hour over the last WindowS seconds
//     (rate of rise of a water level);
//   - condition: every one of When holds for at least ForS seconds
//     (person in the car, door shut, not moving: entrapment);
//   - absence: no sample of the metric for Intervals reporting intervals
//     while the device is otherwise reporting, judged by the health sweep.
//
// The first three work alike: an alarm after Consecutive samples past Value
// (and, with ForS, for at least that long), cleared at Clear (hysteresis);
// Bands raise the severity of the open alarm as the value climbs, and lower
// it again as it falls.
type Rule struct {
	ID          string  `yaml:"id" json:"id"`
	Type        string  `yaml:"type" json:"type"`
	Metric      string  `yaml:"metric" json:"metric"`
	Alarm       string  `yaml:"alarm" json:"alarm"`
	Label       string  `yaml:"label" json:"label"`
	Category    string  `yaml:"category" json:"category,omitempty"`
	Op          string  `yaml:"op" json:"op"` // above | below
	Value       float64 `yaml:"value" json:"value"`
	Clear       float64 `yaml:"clear" json:"clear"`
	Consecutive int     `yaml:"consecutive" json:"consecutive"`
	ForS        float64 `yaml:"for_s" json:"for_s,omitempty"`
	Severity    string  `yaml:"severity" json:"severity"`
	Bands       []Band  `yaml:"bands" json:"bands,omitempty"`
	WindowS     float64 `yaml:"window_s" json:"window_s,omitempty"`
	When        []Cond  `yaml:"when" json:"when,omitempty"`
	Intervals   float64 `yaml:"intervals" json:"intervals,omitempty"`
}

// Band is a higher severity step of a rule: past Value the open alarm takes
// Severity; back past Clear it steps down again.
type Band struct {
	Value    float64 `yaml:"value" json:"value"`
	Clear    float64 `yaml:"clear" json:"clear"`
	Severity string  `yaml:"severity" json:"severity"`
}

// Cond is one clause of a condition rule.
type Cond struct {
	Metric string  `yaml:"metric" json:"metric"`
	Op     string  `yaml:"op" json:"op"` // above | below | eq | ne
	Value  float64 `yaml:"value" json:"value"`
}

// Holds reports whether v satisfies the clause.
func (c Cond) Holds(v float64) bool {
	switch c.Op {
	case "above":
		return v > c.Value
	case "below":
		return v < c.Value
	case "eq":
		return v == c.Value
	case "ne":
		return v != c.Value
	}
	return false
}

// Set is every loaded profile by kind.
type Set map[string]*Profile

// Kinds returns the kinds in a stable order.
func (s Set) Kinds() []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Load reads every *.yaml in fsys's root and validates it.
func Load(fsys fs.FS) (Set, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	set := Set{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		p, err := Parse(b)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", name, err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".yaml"); p.Kind != want {
			return nil, fmt.Errorf("profile %s: kind %q must match the file name", name, p.Kind)
		}
		set[p.Kind] = p
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("%w: no *.yaml profiles found", ErrInvalid)
	}
	return set, nil
}

// Parse decodes and validates one profile.
func Parse(b []byte) (*Profile, error) {
	var p Profile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

func (p *Profile) validate() error {
	if p.Kind == "" {
		return fmt.Errorf("%w: kind is empty", ErrInvalid)
	}
	if p.IntervalS <= 0 {
		return fmt.Errorf("%w: interval_s must be > 0", ErrInvalid)
	}
	for name, m := range p.Metrics {
		switch m.Type {
		case "number", "int", "bool":
		case "enum":
			if len(m.Enum) == 0 {
				return fmt.Errorf("%w: metric %s: enum without values", ErrInvalid, name)
			}
		default:
			return fmt.Errorf("%w: metric %s: unknown type %q", ErrInvalid, name, m.Type)
		}
		if m.Min != nil && m.Max != nil && *m.Min > *m.Max {
			return fmt.Errorf("%w: metric %s: min > max", ErrInvalid, name)
		}
	}
	for name, d := range p.Derived {
		if err := p.validateDerived(name, d); err != nil {
			return err
		}
	}
	for name, ev := range p.Events {
		if ev.Locate != "" && ev.Locate != "bearing" {
			return fmt.Errorf("%w: event %s: locate must be bearing, not %q", ErrInvalid, name, ev.Locate)
		}
		if ev.AutoClearS < 0 || ev.MinConfidence < 0 || ev.MinConfidence > 1 {
			return fmt.Errorf("%w: event %s: auto_clear_s must be >= 0 and min_confidence in [0, 1]", ErrInvalid, name)
		}
	}
	ids := map[string]bool{}
	for i, r := range p.Rules {
		if ids[r.ID] {
			return fmt.Errorf("%w: rule %d: duplicate id %q", ErrInvalid, i, r.ID)
		}
		ids[r.ID] = true
		if err := p.validateRule(r); err != nil {
			return fmt.Errorf("rule %d (%s): %w", i, r.ID, err)
		}
	}
	return nil
}

func (p *Profile) validateDerived(name string, d Derived) error {
	if _, clash := p.Metrics[name]; clash {
		return fmt.Errorf("%w: derived %s has a metric's name", ErrInvalid, name)
	}
	switch d.Type {
	case "sum", "rate", "mean":
		if _, ok := p.Metrics[d.Metric]; !ok {
			return fmt.Errorf("%w: derived %s: unknown metric %q", ErrInvalid, name, d.Metric)
		}
		if d.WindowS <= 0 {
			return fmt.Errorf("%w: derived %s: a %s needs window_s > 0", ErrInvalid, name, d.Type)
		}
	case "aqi", "water_class":
	default:
		return fmt.Errorf("%w: derived %s: unknown type %q", ErrInvalid, name, d.Type)
	}
	return nil
}

// HasValue reports whether name is a metric or a derived value of the kind.
func (p *Profile) HasValue(name string) bool {
	if _, ok := p.Metrics[name]; ok {
		return true
	}
	_, ok := p.Derived[name]
	return ok
}

func (p *Profile) validateRule(r Rule) error {
	if r.ID == "" || r.Alarm == "" {
		return fmt.Errorf("%w: id and alarm are required", ErrInvalid)
	}
	if model.SeverityRank(r.Severity) == 0 {
		return fmt.Errorf("%w: unknown severity %q", ErrInvalid, r.Severity)
	}
	if r.ForS < 0 {
		return fmt.Errorf("%w: for_s must be >= 0", ErrInvalid)
	}
	switch r.Type {
	case "threshold":
		if !p.HasValue(r.Metric) {
			return fmt.Errorf("%w: unknown metric or derived value %q", ErrInvalid, r.Metric)
		}
	case "accumulation", "rate":
		if r.WindowS <= 0 {
			return fmt.Errorf("%w: a %s rule needs window_s > 0", ErrInvalid, r.Type)
		}
		if _, ok := p.Metrics[r.Metric]; !ok {
			return fmt.Errorf("%w: unknown metric %q", ErrInvalid, r.Metric)
		}
	case "condition":
		if len(r.When) == 0 {
			return fmt.Errorf("%w: a condition rule needs when clauses", ErrInvalid)
		}
		for _, c := range r.When {
			if _, ok := p.Metrics[c.Metric]; !ok {
				return fmt.Errorf("%w: condition on unknown metric %q", ErrInvalid, c.Metric)
			}
			if c.Op != "above" && c.Op != "below" && c.Op != "eq" && c.Op != "ne" {
				return fmt.Errorf("%w: condition op must be above, below, eq or ne, not %q", ErrInvalid, c.Op)
			}
		}
		return nil
	case "absence":
		if _, ok := p.Metrics[r.Metric]; !ok {
			return fmt.Errorf("%w: unknown metric %q", ErrInvalid, r.Metric)
		}
		if r.Intervals < 1 {
			return fmt.Errorf("%w: an absence rule needs intervals >= 1", ErrInvalid)
		}
		return nil
	default:
		return fmt.Errorf("%w: unknown rule type %q", ErrInvalid, r.Type)
	}
	prev := r.Value
	for _, b := range r.Bands {
		if model.SeverityRank(b.Severity) == 0 {
			return fmt.Errorf("%w: band at %v: unknown severity %q", ErrInvalid, b.Value, b.Severity)
		}
		if (r.Op == "above" && (b.Value <= prev || b.Clear > b.Value)) || (r.Op == "below" && (b.Value >= prev || b.Clear < b.Value)) {
			return fmt.Errorf("%w: band at %v must lie beyond %v with its clear level on the near side", ErrInvalid, b.Value, prev)
		}
		prev = b.Value
	}
	switch {
	case r.Op == "above" && r.Clear > r.Value, r.Op == "below" && r.Clear < r.Value:
		return fmt.Errorf("%w: clear level %v is on the wrong side of %v for %s", ErrInvalid, r.Clear, r.Value, r.Op)
	case r.Op != "above" && r.Op != "below":
		return fmt.Errorf("%w: op must be above or below, not %q", ErrInvalid, r.Op)
	}
	if r.Consecutive < 1 {
		return fmt.Errorf("%w: consecutive must be >= 1", ErrInvalid)
	}
	return nil
}
