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
	Flags   []string          `yaml:"flags" json:"flags,omitempty"`
	Metrics map[string]Metric `yaml:"metrics" json:"metrics"`
	Events  map[string]Event  `yaml:"events" json:"events"`
	Rules   []Rule            `yaml:"rules" json:"rules"`
	Samples map[string]any    `yaml:"samples" json:"samples,omitempty"`
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
//   - threshold: the metric's value against Value/Clear;
//   - accumulation: the metric's sum over the last WindowS seconds (rainfall);
//   - rate: the metric's change per hour over the last WindowS seconds
//     (rate of rise of a water level).
//
// All three then work alike: an alarm after Consecutive samples past Value,
// cleared at Clear (hysteresis).
type Rule struct {
	ID          string  `yaml:"id" json:"id"`
	Type        string  `yaml:"type" json:"type"`
	Metric      string  `yaml:"metric" json:"metric"`
	Alarm       string  `yaml:"alarm" json:"alarm"`
	Label       string  `yaml:"label" json:"label"`
	Op          string  `yaml:"op" json:"op"` // above | below
	Value       float64 `yaml:"value" json:"value"`
	Clear       float64 `yaml:"clear" json:"clear"`
	Consecutive int     `yaml:"consecutive" json:"consecutive"`
	Severity    string  `yaml:"severity" json:"severity"`
	WindowS     float64 `yaml:"window_s" json:"window_s,omitempty"`
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
	for i, r := range p.Rules {
		if err := p.validateRule(r); err != nil {
			return fmt.Errorf("rule %d (%s): %w", i, r.ID, err)
		}
	}
	return nil
}

func (p *Profile) validateRule(r Rule) error {
	if r.ID == "" || r.Alarm == "" {
		return fmt.Errorf("%w: id and alarm are required", ErrInvalid)
	}
	switch r.Type {
	case "threshold":
	case "accumulation", "rate":
		if r.WindowS <= 0 {
			return fmt.Errorf("%w: a %s rule needs window_s > 0", ErrInvalid, r.Type)
		}
	default:
		return fmt.Errorf("%w: unknown rule type %q", ErrInvalid, r.Type)
	}
	if _, ok := p.Metrics[r.Metric]; !ok {
		return fmt.Errorf("%w: unknown metric %q", ErrInvalid, r.Metric)
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
