package registry_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/registry"
)

// revocations records what a registry revoked.
type revocations struct {
	mu  sync.Mutex
	ids []string
}

func watch(r *registry.Registry) *revocations {
	rv := &revocations{}
	r.OnRevoke(func(id string) {
		rv.mu.Lock()
		rv.ids = append(rv.ids, id)
		rv.mu.Unlock()
	})
	return rv
}

func (rv *revocations) get() []string {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]string(nil), rv.ids...)
}

func requireReason(t *testing.T, err error, reason string) {
	t.Helper()
	var rej *model.Rejection
	require.ErrorAs(t, err, &rej)
	require.Equal(t, reason, rej.Reason)
}

func TestDisableEnable(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	rv := watch(r.reg)
	_, secret, err := r.reg.Add(ctx, station("hy-1"))
	require.NoError(t, err)

	require.NoError(t, r.reg.Disable(ctx, "hy-1"))
	requireReason(t, r.reg.Authenticate(ctx, "hy-1", secret), model.ReasonDeviceDisabled)
	requireReason(t, r.reg.Authorize(ctx, "hy-1", "devices/hy-1/telemetry", registry.Publish), model.ReasonDeviceDisabled)
	require.Equal(t, []string{"hy-1"}, rv.get(), "disabling revokes the device's sessions")
	rec, err := r.store.GetDevice(ctx, "hy-1")
	require.NoError(t, err)
	require.True(t, rec.Disabled, "the store keeps it")
	dev, err := r.reg.Lookup(ctx, "hy-1")
	require.NoError(t, err)
	require.True(t, dev.Disabled)

	require.NoError(t, r.reg.Disable(ctx, "hy-1"), "disabling twice is no error")
	require.NoError(t, r.reg.Enable(ctx, "hy-1"))
	require.NoError(t, r.reg.Authenticate(ctx, "hy-1", secret), "enabled again with the same secret")
	require.NoError(t, r.reg.Authorize(ctx, "hy-1", "devices/hy-1/telemetry", registry.Publish))
	require.Equal(t, []string{"hy-1", "hy-1"}, rv.get(), "enabling revokes nothing")

	require.ErrorIs(t, r.reg.Disable(ctx, "ghost"), registry.ErrUnknownDevice)
	require.ErrorIs(t, r.reg.Enable(ctx, "ghost"), registry.ErrUnknownDevice)
}

func TestRotateRevokes(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	rv := watch(r.reg)
	_, _, err := r.reg.Add(ctx, station("hy-1"))
	require.NoError(t, err)
	require.Empty(t, rv.get(), "adding revokes nothing")
	_, err = r.reg.Rotate(ctx, "hy-1")
	require.NoError(t, err)
	require.Equal(t, []string{"hy-1"}, rv.get())
}

// TestReload is the hub noticing what `hub devices …` did in another process
// on the same store.
func TestReload(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	rv := watch(r.reg)
	_, secret, err := r.reg.Add(ctx, station("hy-1"))
	require.NoError(t, err)
	_, _, err = r.reg.Add(ctx, station("hy-2"))
	require.NoError(t, err)
	other := registry.New(r.store, r.loc, r.set) // the CLI's process
	require.NoError(t, other.Load(ctx))
	var changed []string
	r.reg.OnChange(func(d model.Device) { changed = append(changed, fmt.Sprintf("%s disabled=%v", d.ID, d.Disabled)) })

	require.NoError(t, r.reg.Reload(ctx))
	require.Empty(t, rv.get(), "nothing changed, nothing revoked")
	require.Empty(t, changed, "nothing changed, nothing announced")

	require.NoError(t, other.Disable(ctx, "hy-1"))
	require.NoError(t, r.reg.Authenticate(ctx, "hy-1", secret), "not seen before the reload")
	require.NoError(t, r.reg.Reload(ctx))
	requireReason(t, r.reg.Authenticate(ctx, "hy-1", secret), model.ReasonDeviceDisabled)
	require.Equal(t, []string{"hy-1"}, rv.get())
	require.Equal(t, []string{"hy-1 disabled=true"}, changed)

	require.NoError(t, other.Enable(ctx, "hy-1"))
	require.NoError(t, r.reg.Reload(ctx))
	require.NoError(t, r.reg.Authenticate(ctx, "hy-1", secret))
	require.Equal(t, []string{"hy-1"}, rv.get(), "enabling revokes nothing")
	require.Equal(t, []string{"hy-1 disabled=true", "hy-1 disabled=false"}, changed)

	fresh, err := other.Rotate(ctx, "hy-2")
	require.NoError(t, err)
	_, _, err = other.Add(ctx, station("hy-3"))
	require.NoError(t, err)
	require.NoError(t, r.reg.Reload(ctx))
	require.NoError(t, r.reg.Authenticate(ctx, "hy-2", fresh))
	require.Equal(t, []string{"hy-1", "hy-2"}, rv.get(), "a rotation elsewhere revokes; an added device does not")
	require.Equal(t, []string{"hy-1 disabled=true", "hy-1 disabled=false", "hy-3 disabled=false"}, changed,
		"an added device is announced; a new secret is no news to a screen")
	require.Len(t, r.reg.List(), 3)
}

func TestWatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := newRig(t)
	rv := watch(r.reg)
	_, _, err := r.reg.Add(ctx, station("hy-1"))
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.reg.Watch(ctx, 10*time.Millisecond, func(err error) { t.Errorf("reload: %v", err) })
	}()
	require.NoError(t, r.store.SetDeviceDisabled(ctx, "hy-1", true)) // straight into the store
	require.Eventually(t, func() bool { return len(rv.get()) == 1 }, 5*time.Second, 10*time.Millisecond)
	cancel()
	<-done
}
