package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/api"
	"github.com/ywtg/hub/internal/model"
)

type adminAnswer struct {
	Device model.Device      `json:"device"`
	Secret string            `json:"secret"`
	MQTT   map[string]string `json:"mqtt"`
	Reason string            `json:"reason"`
}

func (rig *brokerRig) admin(t *testing.T, h http.Handler, path string) (int, adminAnswer, http.Header) {
	t.Helper()
	r := call(t, h, http.MethodPost, path, "", "")
	var out adminAnswer
	require.NoError(t, json.Unmarshal(r.body, &out), "%s", r.body)
	return r.status, out, r.header
}

func TestRotateDisableEnable(t *testing.T) {
	ctx := context.Background()
	rig := newBrokerRig(t)
	var mu sync.Mutex
	var revoked []string
	rig.reg.OnRevoke(func(id string) { mu.Lock(); revoked = append(revoked, id); mu.Unlock() })
	old := rig.secrets["hy-1"]

	status, out, header := rig.admin(t, rig.h, "/api/v1/devices/hy-1/rotate")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "no-store", header.Get("Cache-Control"), "the secret is shown once, never cached")
	require.NotEmpty(t, out.Secret)
	require.NotEqual(t, old, out.Secret)
	require.Equal(t, "hy-1", out.Device.ID)
	require.Equal(t, "hy-1", out.MQTT["username"])
	require.NoError(t, rig.reg.Authenticate(ctx, "hy-1", out.Secret))
	var rej *model.Rejection
	require.ErrorAs(t, rig.reg.Authenticate(ctx, "hy-1", old), &rej, "the old secret stops working")
	require.Equal(t, []string{"hy-1"}, revoked, "its sessions are ended")

	status, out, _ = rig.admin(t, rig.h, "/api/v1/devices/hy-1/disable")
	require.Equal(t, http.StatusOK, status)
	require.True(t, out.Device.Disabled)
	require.Empty(t, out.Secret)
	require.ErrorAs(t, rig.reg.Authenticate(ctx, "hy-1", rig.secrets["hy-1"]), &rej)
	require.Equal(t, model.ReasonDeviceDisabled, rej.Reason)
	require.Equal(t, []string{"hy-1", "hy-1"}, revoked)
	view := call(t, rig.h, http.MethodGet, "/api/v1/devices/hy-1", "", "")
	require.Equal(t, http.StatusOK, view.status)
	require.Contains(t, string(view.body), `"disabled":true`)

	status, out, _ = rig.admin(t, rig.h, "/api/v1/devices/hy-1/enable")
	require.Equal(t, http.StatusOK, status)
	require.False(t, out.Device.Disabled)
	require.Len(t, revoked, 2, "enabling ends nothing")

	for _, action := range []string{"rotate", "disable", "enable"} {
		status, out, _ = rig.admin(t, rig.h, "/api/v1/devices/ghost/"+action)
		require.Equal(t, http.StatusNotFound, status, action)
		require.Equal(t, "not_found", out.Reason)
	}
}

func TestDeviceAdminRoles(t *testing.T) {
	rig := newBrokerRig(t)
	for _, role := range []string{api.RoleViewer, api.RoleOperator, api.RoleChief, api.RoleDispatcher, api.RoleAgency,
		api.RoleSupervisor, api.RoleGrid, "broker"} {
		h := rig.as(fixedRole(role))
		for _, action := range []string{"rotate", "disable", "enable"} {
			r := call(t, h, http.MethodPost, "/api/v1/devices/hy-1/"+action, "", "")
			require.Equal(t, http.StatusForbidden, r.status, "%s may not %s", role, action)
		}
	}
	require.NoError(t, rig.reg.Authenticate(context.Background(), "hy-1", rig.secrets["hy-1"]), "nothing changed")
	h := rig.as(fixedRole(api.RoleAdmin))
	r := call(t, h, http.MethodPost, "/api/v1/devices/hy-1/disable", "", "")
	require.Equal(t, http.StatusOK, r.status)

	t.Run("the broker endpoints are the broker's and the administrator's", func(t *testing.T) {
		for role, want := range map[string]int{"broker": http.StatusOK, api.RoleAdmin: http.StatusOK,
			api.RoleViewer: http.StatusForbidden, api.RoleOperator: http.StatusForbidden} {
			r := call(t, rig.as(fixedRole(role)), http.MethodPost, "/api/v1/broker/emqx/authn", "application/json",
				`{"username":"hy-2","password":"x"}`)
			require.Equal(t, want, r.status, role)
		}
	})
}
