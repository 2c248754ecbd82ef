package simulator

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/internal/model"
)

// fakeHub answers POST /api/v1/devices like the hub: 201 with a secret for
// a new id, 409 for a known one, and status for ids in fail.
type fakeHub struct {
	mu    sync.Mutex
	known map[string]bool
	fail  map[string]int
	got   []registration
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/devices" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var reg registration
	if err := json.NewDecoder(r.Body).Decode(&reg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, reg)
	switch {
	case h.fail[reg.ID] != 0:
		http.Error(w, `{"error":"nope"}`, h.fail[reg.ID])
	case h.known[reg.ID]:
		http.Error(w, `{"error":"device exists"}`, http.StatusConflict)
	default:
		h.known[reg.ID] = true
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"device": reg, "secret": "secret-" + reg.ID})
	}
}

func TestProvision(t *testing.T) {
	fleet := &Fleet{Devices: []FleetDevice{
		{ID: "hy-01", Kind: "hydrology", Name: "黄河乌斯太水文站", Operator: "阿拉善盟水务局", Lon: 106.73, Lat: 39.4,
			RuleOverrides: map[string]model.RuleOverride{"water_level_warning": {Value: 1086.7, Clear: 1086.5}}},
		{ID: "fc-01", Kind: "firecam", Lon: 105.9, Lat: 38.8},
		{ID: "fc-02", Kind: "firecam", Lon: 105.9, Lat: 38.9},
	}}
	for _, tc := range []struct {
		desc    string
		known   []string
		fail    map[string]int
		wantErr error
		want    map[string]string
	}{
		{desc: "all new", want: map[string]string{"hy-01": "secret-hy-01", "fc-01": "secret-fc-01", "fc-02": "secret-fc-02"}},
		{desc: "some exist", known: []string{"fc-01"}, wantErr: ErrDeviceExists,
			want: map[string]string{"hy-01": "secret-hy-01", "fc-02": "secret-fc-02"}},
		{desc: "hub refuses", fail: map[string]int{"fc-01": http.StatusUnprocessableEntity}, wantErr: ErrProvision,
			want: map[string]string{"hy-01": "secret-hy-01"}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			hub := &fakeHub{known: map[string]bool{}, fail: tc.fail}
			for _, id := range tc.known {
				hub.known[id] = true
			}
			srv := httptest.NewServer(hub)
			defer srv.Close()
			got, err := Provision(t.Context(), srv.URL+"/", fleet, srv.Client())
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tc.want, got)
			require.Equal(t, registration{ID: "hy-01", Kind: "hydrology", Name: "黄河乌斯太水文站", Operator: "阿拉善盟水务局",
				Lon: 106.73, Lat: 39.4, RuleOverrides: fleet.Devices[0].RuleOverrides}, hub.got[0])
		})
	}
}

func TestProvisionNamesConflicts(t *testing.T) {
	hub := &fakeHub{known: map[string]bool{"a-1": true, "b-2": true}}
	srv := httptest.NewServer(hub)
	defer srv.Close()
	fleet := &Fleet{Devices: []FleetDevice{{ID: "a-1", Kind: "firecam"}, {ID: "b-2", Kind: "firecam"}, {ID: "c-3", Kind: "firecam"}}}
	_, err := Provision(t.Context(), srv.URL, fleet, nil)
	require.ErrorIs(t, err, ErrDeviceExists)
	require.ErrorContains(t, err, "a-1, b-2")
}
