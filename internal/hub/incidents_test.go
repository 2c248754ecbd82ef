package hub_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
)

// The event engine end to end, on every shape: two tower cameras publish
// smoke over MQTT with raw pan angles; the hub calibrates them, triangulates
// one incident and serves it; an operator assigns and comments on an alarm;
// an air station's AQI appears with its latest values.
func TestIncidentsAndDerivedValuesEndToEnd(t *testing.T) {
	eachShape(t, func(t *testing.T, sh shape) {
		h := startShape(t, sh)
		towers := []struct {
			id       string
			lon, lat float64
			offset   float64
		}{{"fc-e2e-a", 105.80, 38.60, 2.5}, {"fc-e2e-b", 105.85, 38.68, -1.8}}
		fire := [2]float64{105.90, 38.62}
		for i, tw := range towers {
			secret := h.register(t, map[string]any{"id": tw.id, "kind": "firecam", "name": "测试瞭望塔", "lon": tw.lon, "lat": tw.lat,
				"params": map[string]any{"north_offset_deg": tw.offset}})
			c := h.connect(t, tw.id, secret)
			raw := gis.InitialBearing(tw.lon, tw.lat, fire[0], fire[1]) - tw.offset
			publish(t, c, "devices/"+tw.id+"/events", map[string]any{"ts": time.Now().UTC().Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano),
				"type": "smoke", "confidence": 0.87, "bearing_deg": raw})
		}
		var list struct {
			Incidents []model.Incident `json:"incidents"`
		}
		require.Eventually(t, func() bool {
			require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/incidents?status=open&category=forest_fire", nil, &list))
			return len(list.Incidents) == 1 && list.Incidents[0].Location.Method == model.LocateTriangulated
		}, waitLong, tick)
		in := list.Incidents[0]
		require.Less(t, gis.Distance(in.Lon, in.Lat, fire[0], fire[1]), 10.0)
		require.Equal(t, "152921", in.RegionCode)
		var one struct {
			Incident model.Incident `json:"incident"`
			Alarms   []model.Alarm  `json:"alarms"`
		}
		require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/incidents/"+itoa(in.ID), nil, &one))
		require.Len(t, one.Alarms, 2)
		for _, a := range one.Alarms {
			require.Equal(t, in.ID, a.IncidentID)
			require.Equal(t, model.LocateBearingLine, a.Location.Method)
		}
		require.Equal(t, http.StatusNotFound, h.call(t, http.MethodGet, "/api/v1/incidents/999999", nil, nil))
		require.Equal(t, http.StatusBadRequest, h.call(t, http.MethodGet, "/api/v1/incidents?status=burning", nil, nil))

		// Assign and comment.
		id := itoa(one.Alarms[0].ID)
		var a model.Alarm
		require.Equal(t, http.StatusOK, h.call(t, http.MethodPost, "/api/v1/alarms/"+id+"/assign", map[string]any{"assignee": "阿左旗林草局", "by": "值班员王"}, &a))
		require.Equal(t, "阿左旗林草局", a.Assignee)
		require.Equal(t, http.StatusBadRequest, h.call(t, http.MethodPost, "/api/v1/alarms/"+id+"/assign", map[string]any{}, nil))
		require.Equal(t, http.StatusCreated, h.call(t, http.MethodPost, "/api/v1/alarms/"+id+"/comments", map[string]any{"text": "已派巡护员核实"}, nil))
		require.Equal(t, http.StatusBadRequest, h.call(t, http.MethodPost, "/api/v1/alarms/"+id+"/comments", map[string]any{"text": "  "}, nil))
		require.Equal(t, http.StatusNotFound, h.call(t, http.MethodPost, "/api/v1/alarms/999999/comments", map[string]any{"text": "x"}, nil))
		var cs struct {
			Comments []model.AlarmComment `json:"comments"`
		}
		require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/alarms/"+id+"/comments", nil, &cs))
		require.Len(t, cs.Comments, 2)
		require.Equal(t, "已派巡护员核实", cs.Comments[1].Text)

		// An air station's AQI beside its values.
		secret := h.register(t, map[string]any{"id": "aq-e2e", "kind": "pollution", "name": "巴彦浩特空气站", "lon": 105.67, "lat": 38.84})
		c := h.connect(t, "aq-e2e", secret)
		publish(t, c, "devices/aq-e2e/telemetry", map[string]any{"ts": time.Now().UTC().Format(time.RFC3339Nano), "seq": 1,
			"values": map[string]any{"pm25_ugm3": 80, "pm10_ugm3": 100}, "flags": map[string]any{"pm25_ugm3": "N", "pm10_ugm3": "N"}})
		var v engine.DeviceView
		require.Eventually(t, func() bool {
			require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/devices/aq-e2e", nil, &v))
			return v.AQI != nil
		}, waitLong, tick)
		require.Equal(t, 107, v.AQI.AQI, "PM2.5 80 → 106.25 → 107")
		require.Equal(t, []string{"PM2.5"}, v.AQI.Primary)
		require.Equal(t, 107.0, v.Derived["aqi"])

		var online engine.OnlineSummary
		require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/online", nil, &online))
		require.Equal(t, 3, online.All.Total)
		require.Equal(t, 2, online.ByKind["firecam"].Total)
	})
}
