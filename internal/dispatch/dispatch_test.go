package dispatch_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/dispatch"
)

func TestTransitions(t *testing.T) {
	for _, tc := range []struct {
		desc     string
		from, to dispatch.State
		ok       bool
	}{
		{"register a report", dispatch.Reported, dispatch.Registered, true},
		{"reject a report", dispatch.Reported, dispatch.Rejected, true},
		{"dispatch without registering", dispatch.Reported, dispatch.Dispatched, false},
		{"agency signs", dispatch.Dispatched, dispatch.Accepted, true},
		{"agency returns", dispatch.Dispatched, dispatch.Returned, true},
		{"re-dispatch a returned case", dispatch.Returned, dispatch.Dispatched, true},
		{"rework after failed verification", dispatch.Resolved, dispatch.Dispatched, true},
		{"close after verification", dispatch.Resolved, dispatch.Closed, true},
		{"close before feedback", dispatch.Accepted, dispatch.Closed, false},
		{"a closed case stays closed", dispatch.Closed, dispatch.Dispatched, false},
		{"unknown state", "lost", dispatch.Closed, false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			err := dispatch.Check(tc.from, tc.to)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, dispatch.ErrIllegalTransition)
			require.Contains(t, err.Error(), string(tc.from))
		})
	}
	require.Equal(t, []dispatch.State{dispatch.Registered, dispatch.Rejected}, dispatch.Next(dispatch.Reported))
	require.Empty(t, dispatch.Next(dispatch.Closed))
}
