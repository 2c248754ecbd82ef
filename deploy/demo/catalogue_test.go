package demo_test

import (
	"io/fs"
	"net/url"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/ywtg/hub/deploy/demo"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/dispatch/kpi"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
)

const league = "152900"

var banners = []string{"152921", "152922", "152923"}

// TestDemoCatalogue checks that dispatch.yaml loads and fits the demo
// league: every banner staffed, every plan resolvable and supplied
// everywhere, every resource inside its owner's area.
func TestDemoCatalogue(t *testing.T) {
	c, err := dispatch.LoadCatalogue(demo.FS, "dispatch.yaml", "http://127.0.0.1:8080")
	require.NoError(t, err)
	regions, err := gis.LoadDir(demo.Regions())
	require.NoError(t, err)
	ix, err := gis.NewIndex(regions)
	require.NoError(t, err)
	agencies := map[string]dispatch.Agency{}
	for _, a := range c.Agencies {
		agencies[a.ID] = a
	}

	t.Run("every banner has the agencies a case may need", func(t *testing.T) {
		for _, banner := range banners {
			for _, typ := range []string{"forestry", "water", "ecology", "market_regulation", "emergency",
				"fire_rescue", "urban_management", "government", dispatch.AgencySupervision} {
				require.NotEmpty(t, agenciesOf(c, typ, banner), "banner %s has no agency of type %s", banner, typ)
			}
		}
		require.NotEmpty(t, agenciesOf(c, dispatch.AgencyGovernment, league), "the league has no government")
		require.NotEmpty(t, agenciesOf(c, dispatch.AgencySupervision, league), "the league has no supervision body")
	})

	t.Run("agencies serve the league, a banner or a town of a banner", func(t *testing.T) {
		for _, a := range c.Agencies {
			switch len(a.Region) {
			case 6:
				_, ok := ix.Get(a.Region)
				require.True(t, ok, "agency %s: region %s is not in regions/", a.ID, a.Region)
			case 9:
				require.Contains(t, banners, a.Region[:6], "agency %s: town %s is under no banner", a.ID, a.Region)
			default:
				require.Failf(t, "bad region", "agency %s: region %q", a.ID, a.Region)
			}
		}
	})

	t.Run("each category's agency type is present in every banner or the league", func(t *testing.T) {
		for _, cat := range c.Categories {
			for _, banner := range banners {
				require.NotEmpty(t, resolve(c, ix, cat.AgencyType, banner), "category %s: no %s for %s", cat.Code, cat.AgencyType, banner)
			}
		}
	})

	t.Run("each plan's lead and assisting types resolve in every banner", func(t *testing.T) {
		for _, p := range c.Plans {
			require.Equal(t, []string{league}, p.Regions, "plan %s applies league-wide", p.ID)
			types := []string{p.Lead}
			for _, as := range p.Assist {
				require.NotEmpty(t, as.Task, "plan %s: assisting %s has no task", p.ID, as.Type)
				types = append(types, as.Type)
			}
			for _, banner := range banners {
				for _, typ := range types {
					require.NotEmpty(t, resolve(c, ix, typ, banner), "plan %s: no %s for %s", p.ID, typ, banner)
				}
			}
		}
	})

	t.Run("every resource lies inside its agency's area", func(t *testing.T) {
		for _, r := range c.Resources {
			a := agencies[r.AgencyID]
			at, ok := ix.Locate(r.Lon, r.Lat)
			require.True(t, ok, "resource %s (%.4f, %.4f) is outside every banner", r.ID, r.Lon, r.Lat)
			require.Contains(t, servedBy(ix, at.Code), a.Region[:6],
				"resource %s lies in %s %s, outside %s's area %s", r.ID, at.Code, at.Name, a.ID, a.Region)
		}
	})

	t.Run("every plan's needs are met by resources its agencies own", func(t *testing.T) {
		for _, p := range c.Plans {
			types := []string{p.Lead}
			for _, as := range p.Assist {
				types = append(types, as.Type)
			}
			for _, n := range p.Needs {
				have := 0
				for _, r := range c.Resources {
					if r.Type == n.Type && slices.Contains(types, agencies[r.AgencyID].Type) {
						have++
					}
				}
				require.GreaterOrEqual(t, have, n.Count, "plan %s needs %d %s", p.ID, n.Count, n.Type)
			}
		}
	})

	t.Run("every engine incident maps onto a category and none is shadowed", func(t *testing.T) {
		// Read from the YAML itself: incident_min_severity is newer than
		// some Category structs.
		var raw struct {
			Categories []struct {
				Code                string `yaml:"code"`
				IncidentCategory    string `yaml:"incident_category"`
				IncidentMinSeverity string `yaml:"incident_min_severity"`
			} `yaml:"categories"`
		}
		b, err := fs.ReadFile(demo.FS, "dispatch.yaml")
		require.NoError(t, err)
		require.NoError(t, yaml.Unmarshal(b, &raw))
		engine := []string{"forest_fire", "flood", "elevator", "pollution"}
		mins := map[string][]string{} // engine category → min severities, catalogue order
		for _, cat := range raw.Categories {
			if cat.IncidentCategory == "" {
				continue
			}
			require.Contains(t, engine, cat.IncidentCategory, "category %s", cat.Code)
			if cat.IncidentMinSeverity != "" {
				require.Positive(t, model.SeverityRank(cat.IncidentMinSeverity), "category %s", cat.Code)
			}
			mins[cat.IncidentCategory] = append(mins[cat.IncidentCategory], cat.IncidentMinSeverity)
		}
		for _, ic := range engine {
			m := mins[ic]
			require.NotEmpty(t, m, "no category takes %s incidents", ic)
			// The first category an incident reaches takes it: each but the
			// last must leave some severities to the next, and the last must
			// take all that remain.
			for i := range m[:len(m)-1] {
				require.NotEmpty(t, m[i], "%s: a category without incident_min_severity shadows those after it", ic)
				require.Greater(t, model.SeverityRank(m[i]), model.SeverityRank(m[i+1]), "%s: severities must fall", ic)
			}
			require.Empty(t, m[len(m)-1], "%s: incidents below %s would open no case", ic, m[len(m)-1])
		}
	})

	t.Run("webhooks point at the demo receiver of their own agency", func(t *testing.T) {
		var hooked []string
		for _, a := range c.Agencies {
			if a.Webhook == "" {
				continue
			}
			hooked = append(hooked, a.ID)
			u, err := url.Parse(a.Webhook)
			require.NoError(t, err)
			require.Equal(t, "/demo/agencies/"+a.ID+"/inbox", u.Path, "agency %s", a.ID)
		}
		sort.Strings(hooked)
		require.Equal(t, []string{"alsz-emergency", "alsz-fire-rescue", "alsz-forestry"}, hooked)
	})

	t.Run("the calendar's holidays and 调休 workdays are dates that make sense", func(t *testing.T) {
		loc, err := time.LoadLocation(c.Calendar.Timezone)
		require.NoError(t, err)
		holidays := map[string]bool{}
		for _, d := range c.Calendar.Holidays {
			_, err := time.ParseInLocation(time.DateOnly, d, loc)
			require.NoError(t, err, "holiday %q", d)
			holidays[d] = true
		}
		for _, d := range c.Calendar.Workdays {
			day, err := time.ParseInLocation(time.DateOnly, d, loc)
			require.NoError(t, err, "workday %q", d)
			require.NotContains(t, c.Calendar.Weekdays, int(day.Weekday()), "workday %s is a weekday anyway", d)
			require.False(t, holidays[d], "workday %s is also a holiday", d)
		}
	})

	t.Run("kpi weights name known rates and sum to 1", func(t *testing.T) {
		known := []string{kpi.RegisterRate, kpi.ResolveRate, kpi.OnTimeResolveRate, kpi.CloseRate,
			kpi.OnTimeCloseRate, kpi.ReworkRate, kpi.ExtensionRate}
		sum := 0.0
		for id, w := range c.KPIWeights {
			require.Contains(t, known, id)
			require.Positive(t, w, "weight of %s", id)
			sum += w
		}
		require.InDelta(t, 1, sum, 1e-9)
	})

	t.Run("the fleet's fire has crews and a water tender at hand", func(t *testing.T) {
		fires := fleetFires(t, demo.FS)
		require.NotEmpty(t, fires)
		for _, f := range fires {
			at, ok := ix.Locate(f.Lon, f.Lat)
			require.True(t, ok)
			crews := nearest(c, "fire_crew", f.Lon, f.Lat)
			require.GreaterOrEqual(t, len(crews), 3)
			for _, d := range crews[:3] {
				require.Less(t, d.m, 12_000.0, "fire %s: crew %s is %.0f m away", f.Name, d.id, d.m)
			}
			tenders := nearest(c, "water_tender", f.Lon, f.Lat)
			require.NotEmpty(t, tenders)
			require.Less(t, tenders[0].m, 20_000.0, "fire %s: nearest tender %s", f.Name, tenders[0].id)
			require.NotEmpty(t, agenciesOf(c, "forestry", at.Code), "no forestry for the fire's banner %s", at.Code)
		}
	})
}

// agenciesOf lists the ids of the agencies of a type serving exactly region.
func agenciesOf(c *dispatch.Catalogue, typ, region string) []string {
	var ids []string
	for _, a := range c.Agencies {
		if a.Type == typ && a.Region == region {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

// resolve finds the agencies of a type for a case in region, walking up the
// region hierarchy as routing does.
func resolve(c *dispatch.Catalogue, ix *gis.Index, typ, region string) []string {
	for _, code := range servedBy(ix, region) {
		if ids := agenciesOf(c, typ, code); len(ids) > 0 {
			return ids
		}
	}
	return nil
}

// servedBy is region and its ancestors, deepest first.
func servedBy(ix *gis.Index, region string) []string {
	codes := []string{region}
	for _, r := range ix.Ancestors(region) {
		codes = append(codes, r.Code)
	}
	return codes
}

// fire is a fire scenario of fleet.yaml.
type fire struct {
	Type string  `yaml:"type"`
	Name string  `yaml:"name"`
	Lon  float64 `yaml:"lon"`
	Lat  float64 `yaml:"lat"`
}

// fleetFires reads the fire scenarios of fleet.yaml.
func fleetFires(t *testing.T, fsys fs.FS) []fire {
	t.Helper()
	b, err := fs.ReadFile(fsys, "fleet.yaml")
	require.NoError(t, err)
	var fleet struct {
		Scenarios []fire `yaml:"scenarios"`
	}
	require.NoError(t, yaml.Unmarshal(b, &fleet))
	var out []fire
	for _, s := range fleet.Scenarios {
		if s.Type == "fire" {
			out = append(out, s)
		}
	}
	return out
}

type away struct {
	id string
	m  float64
}

// nearest lists the resources of a type by distance from a point.
func nearest(c *dispatch.Catalogue, typ string, lon, lat float64) []away {
	var out []away
	for _, r := range c.Resources {
		if r.Type == typ {
			out = append(out, away{r.ID, gis.Distance(lon, lat, r.Lon, r.Lat)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].m < out[j].m })
	return out
}
