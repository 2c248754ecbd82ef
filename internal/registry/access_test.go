package registry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/registry"
)

func TestTopicAllowed(t *testing.T) {
	pub, sub, read := registry.Publish, registry.Subscribe, registry.Read
	for _, tc := range []struct {
		desc, id, topic string
		access          registry.Access
		want            bool
	}{
		{"own telemetry", "hy-1", "devices/hy-1/telemetry", pub, true},
		{"own events", "hy-1", "devices/hy-1/events", pub, true},
		{"own status", "hy-1", "devices/hy-1/status", pub, true},
		{"own command acknowledgement", "hy-1", "devices/hy-1/commands/ack", pub, true},
		{"own commands are the hub's to send", "hy-1", "devices/hy-1/commands", pub, false},
		{"another device's telemetry", "hy-1", "devices/hy-2/telemetry", pub, false},
		{"a device whose id starts with ours", "hy-1", "devices/hy-10/telemetry", pub, false},
		{"the bare prefix", "hy-1", "devices/hy-1/", pub, false},
		{"no trailing slash", "hy-1", "devices/hy-1", pub, false},
		{"a wildcard in a publish", "hy-1", "devices/hy-1/+", pub, false},
		{"a multi-level wildcard in a publish", "hy-1", "devices/hy-1/#", pub, false},
		{"outside devices/", "hy-1", "sensors/hy-1/telemetry", pub, false},
		{"a system topic", "hy-1", "$SYS/broker/uptime", pub, false},
		{"empty id", "", "devices//telemetry", pub, false},
		{"empty topic", "hy-1", "", pub, false},
		{"subscribe own commands", "hy-1", "devices/hy-1/commands", sub, true},
		{"subscribe own commands subtree", "hy-1", "devices/hy-1/commands/#", sub, true},
		{"subscribe own telemetry", "hy-1", "devices/hy-1/telemetry", sub, false},
		{"subscribe another device's commands", "hy-1", "devices/hy-2/commands", sub, false},
		{"subscribe every device's commands", "hy-1", "devices/+/commands", sub, false},
		{"subscribe everything", "hy-1", "#", sub, false},
		{"subscribe own everything", "hy-1", "devices/hy-1/#", sub, false},
		{"receive own commands", "hy-1", "devices/hy-1/commands", read, true},
		{"receive another device's commands", "hy-1", "devices/hy-2/commands", read, false},
		{"receive own telemetry", "hy-1", "devices/hy-1/telemetry", read, false},
		{"an unknown access", "hy-1", "devices/hy-1/telemetry", registry.Access(0), false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			require.Equal(t, tc.want, registry.TopicAllowed(tc.id, tc.topic, tc.access))
		})
	}
}

func TestAuthorize(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	_, _, err := r.reg.Add(ctx, station("hy-1"))
	require.NoError(t, err)
	_, _, err = r.reg.Add(ctx, station("hy-off"))
	require.NoError(t, err)
	require.NoError(t, r.reg.Disable(ctx, "hy-off"))

	for _, tc := range []struct {
		desc, id, topic string
		access          registry.Access
		reason          string
	}{
		{"own topic", "hy-1", "devices/hy-1/telemetry", registry.Publish, ""},
		{"own commands", "hy-1", "devices/hy-1/commands", registry.Subscribe, ""},
		{"another device's topic", "hy-1", "devices/hy-2/telemetry", registry.Publish, model.ReasonACLDenied},
		{"unknown device", "ghost", "devices/ghost/telemetry", registry.Publish, model.ReasonUnknownDevice},
		{"disabled device, own topic", "hy-off", "devices/hy-off/telemetry", registry.Publish, model.ReasonDeviceDisabled},
		{"disabled device, own commands", "hy-off", "devices/hy-off/commands", registry.Subscribe, model.ReasonDeviceDisabled},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			err := r.reg.Authorize(ctx, tc.id, tc.topic, tc.access)
			if tc.reason == "" {
				require.NoError(t, err)
				return
			}
			var rej *model.Rejection
			require.True(t, errors.As(err, &rej), "want a *model.Rejection, got %T %v", err, err)
			require.Equal(t, tc.reason, rej.Reason)
			require.Contains(t, rej.Detail, tc.id)
		})
	}
}
