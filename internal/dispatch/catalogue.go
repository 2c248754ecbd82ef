package dispatch

import (
	"bytes"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ywtg/hub/internal/dispatch/sla"
	"github.com/ywtg/hub/internal/model"
)

// Catalogue is the dispatch loop's data: categories, agencies, plans,
// resources, the working calendar and the KPI weights. It is declared in
// YAML (deploy/demo/dispatch.yaml for the demo league) and never in code.
type Catalogue struct {
	Calendar   sla.CalendarConfig `yaml:"calendar"`
	Categories []Category         `yaml:"categories"`
	Agencies   []Agency           `yaml:"agencies"`
	Plans      []Plan             `yaml:"plans"`
	Resources  []model.Resource   `yaml:"resources"`
	// AgencyTypes names each agency type in Chinese (water: 水务部门), as
	// routing reasons show it; a type without a name is shown as its code.
	AgencyTypes map[string]string `yaml:"agency_types"`
	// KPIWeights weigh the rates in the 综合指标值 (kpi rate ids → weight).
	KPIWeights map[string]float64 `yaml:"kpi_weights"`
}

// Category is one entry of the 部件/事件 classification.
type Category struct {
	Code  string `yaml:"code" json:"code"`   // "02.03.01"
	Class string `yaml:"class" json:"class"` // component (部件) | event (事件)
	Major string `yaml:"major" json:"major"` // 大类: 突发事件
	Minor string `yaml:"minor" json:"minor"` // 小类: 森林火情
	// Standard is the 立案 standard an operator applies.
	Standard string `yaml:"standard" json:"standard"`
	// AgencyType is the kind of agency that owns it (forestry, water …).
	AgencyType string `yaml:"agency_type" json:"agency_type"`
	// IncidentCategory maps the engine's incidents (forest_fire, flood,
	// elevator, pollution) onto this category.
	IncidentCategory string `yaml:"incident_category" json:"incident_category,omitempty"`
	// IncidentMinSeverity: incidents below it fall to the next category
	// with the same incident_category (电梯困人 is critical, 电梯故障 the rest).
	IncidentMinSeverity string `yaml:"incident_min_severity" json:"incident_min_severity,omitempty"`
	// AutoRegister and AutoDispatch let device incidents skip the human
	// steps.
	AutoRegister bool `yaml:"auto_register" json:"auto_register"`
	AutoDispatch bool `yaml:"auto_dispatch" json:"auto_dispatch"`
	// SensorVerify: a resolved case from an incident is verified by the
	// sensors once the incident has stayed closed this long.
	SensorVerify *sla.Limit `yaml:"sensor_verify" json:"sensor_verify,omitempty"`
	// SLA limits per severity; "default" applies to the rest.
	SLA map[string]Limits `yaml:"sla" json:"sla"`
}

// Name is the category's label: 大类 › 小类.
func (c Category) Name() string { return c.Major + " › " + c.Minor }

// Limits are the time allowed for each stage.
type Limits struct {
	Sign    sla.Limit `yaml:"sign" json:"sign"`
	Resolve sla.Limit `yaml:"resolve" json:"resolve"`
	Verify  sla.Limit `yaml:"verify" json:"verify"`
	// ReportIn is what assisting agencies get to report in (吹哨报到).
	ReportIn sla.Limit `yaml:"report_in" json:"report_in"`
}

// Agency types with a fixed meaning to the router.
const (
	AgencyGovernment  = "government"  // 属地政府: the fallback owner
	AgencySupervision = "supervision" // 督办 body: receives escalations
)

// Agency is a department, company or government that receives cases.
type Agency struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	Type   string `yaml:"type" json:"type"`
	Region string `yaml:"region" json:"region"` // the region it serves
	// Categories it owns beyond those of its type.
	Categories []string `yaml:"categories" json:"categories,omitempty"`
	// Webhook receives the agency's cases; "" means it polls its queue.
	Webhook string `yaml:"webhook" json:"webhook,omitempty"`
	Contact string `yaml:"contact" json:"contact,omitempty"`
}

// Owns reports whether the agency is responsible for a category.
func (a Agency) Owns(c Category) bool {
	return a.Type == c.AgencyType || slices.Contains(a.Categories, c.Code)
}

// Plan is a 预案.
type Plan struct {
	ID    string `yaml:"id" json:"id"`
	Name  string `yaml:"name" json:"name"`
	Level string `yaml:"level" json:"level"` // response level
	// Trigger: a case of one of these categories, at least this severity,
	// inside one of these regions (a region and everything below it).
	Categories  []string `yaml:"categories" json:"categories"`
	MinSeverity string   `yaml:"min_severity" json:"min_severity"`
	Regions     []string `yaml:"regions" json:"regions"`
	// Lead and Assist are agency types, resolved in the case's region
	// like routing.
	Lead   string       `yaml:"lead" json:"lead"`
	Assist []PlanAssist `yaml:"assist" json:"assist"`
	Needs  []PlanNeed   `yaml:"needs" json:"needs"`
}

// PlanAssist is an assisting agency type and its task.
type PlanAssist struct {
	Type string `yaml:"type" json:"type"`
	Task string `yaml:"task" json:"task"`
}

// PlanNeed is how many resources of a type a plan reserves.
type PlanNeed struct {
	Type  string `yaml:"type" json:"type"`
	Count int    `yaml:"count" json:"count"`
}

// LoadCatalogue reads and validates a catalogue file; see ParseCatalogue.
func LoadCatalogue(fsys fs.FS, name, hubURL string) (*Catalogue, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	c, err := ParseCatalogue(b, hubURL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// ParseCatalogue decodes and validates a catalogue; unknown keys are
// errors, so a misspelt setting is not silently ignored. "{hub}" in a
// webhook URL stands for hubURL, the hub's own base URL (the demo's agency
// inboxes live on the hub); with no hubURL such agencies poll instead.
func ParseCatalogue(b []byte, hubURL string) (*Catalogue, error) {
	var c Catalogue
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, err
	}
	for i, a := range c.Agencies {
		if strings.Contains(a.Webhook, "{hub}") {
			c.Agencies[i].Webhook = ""
			if hubURL != "" {
				c.Agencies[i].Webhook = strings.ReplaceAll(a.Webhook, "{hub}", hubURL)
			}
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}
