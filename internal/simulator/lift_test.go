package simulator

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// liftSample is one elevator telemetry sample, decoded.
type liftSample struct {
	at                          time.Time
	floor, speed                float64
	direction                   string
	door, running, zone, person bool
	trapped                     bool // the car model was in a trap at the sample
}

func liftSampleOf(t *testing.T, g *Generator, at time.Time, tel Telemetry) liftSample {
	t.Helper()
	v := tel.Values
	return liftSample{at: at, floor: v["floor"].(float64), speed: v["speed_ms"].(float64), direction: v["direction"].(string),
		door: v["door_open"].(bool), running: v["running"].(bool), zone: v["in_door_zone"].(bool), person: v["person_present"].(bool),
		trapped: g.lift.phase == liftTrapped}
}

// conditionTimer measures how long a condition has held over consecutive
// samples, as the engine's condition rules do.
type conditionTimer struct {
	since time.Time
	on    bool
}

func (c *conditionTimer) update(at time.Time, holds bool) time.Duration {
	switch {
	case !holds:
		c.on = false
		return 0
	case !c.on:
		c.on, c.since = true, at
	}
	return at.Sub(c.since)
}

// TestLiftCoherent runs elevators for hours at the demo's rate and at the
// profile's interval and checks that their values make one plausible car:
// the door never open while moving, running exactly when the speed is above
// zero, every stop in the door zone, and the engine's entrapment (person,
// door shut, not moving, 60 s) and stopped-outside-door-zone (45 s)
// conditions never met except in a trap.
func TestLiftCoherent(t *testing.T) {
	p := loadProfiles(t)["elevator"]
	for _, step := range []time.Duration{2 * time.Second, 10 * time.Second} {
		for seed := range uint64(4) {
			t.Run(fmt.Sprintf("every %s seed %d", step, seed), func(t *testing.T) {
				g := newTestGenerator(t, FleetDevice{ID: "el", Kind: "elevator"}, p, seed)
				g.period = step.Seconds()
				var entrapment, outside conditionTimer
				floors, opens, withPerson, up, down := map[float64]bool{}, 0, 0, 0, 0
				wasOpen := false
				for at := time.Duration(0); at < 8*time.Hour; at += step {
					now := epoch.Add(at)
					tel, events := g.Tick(now)
					s := liftSampleOf(t, g, now, tel)
					requireCoherentLift(t, s)
					if d := entrapment.update(now, s.person && !s.door && s.speed < 0.05); d >= time.Minute {
						require.True(t, s.trapped, "entrapment condition for %s at %s outside a trap", d, at)
					}
					if d := outside.update(now, !s.zone && s.speed < 0.05); d >= 45*time.Second {
						require.True(t, s.trapped, "stopped outside the door zone for %s at %s outside a trap", d, at)
					}
					for _, ev := range events {
						b, err := json.Marshal(ev)
						require.NoError(t, err)
						requireValidEvent(t, p, b)
					}
					floors[s.floor] = true
					if s.door && !wasOpen {
						opens++
					}
					wasOpen = s.door
					if s.person {
						withPerson++
					}
					switch s.direction {
					case "up":
						up++
					case "down":
						down++
					}
				}
				require.Greater(t, len(floors), 8, "the car serves many floors")
				require.Greater(t, opens, 50, "the door opens at stops")
				require.Positive(t, withPerson, "people ride")
				require.Positive(t, up)
				require.Positive(t, down)
			})
		}
	}
}

func requireCoherentLift(t *testing.T, s liftSample) {
	t.Helper()
	require.False(t, s.door && s.speed > 0.1, "door open at %v m/s (%+v)", s.speed, s)
	require.Equal(t, s.speed > 0, s.running, "running ⇔ speed > 0 (%+v)", s)
	if s.speed > 0 {
		require.NotEqual(t, "stop", s.direction, "moving without a direction (%+v)", s)
	}
	if s.speed == 0 && !s.trapped {
		require.True(t, s.zone, "stopped outside the door zone outside a trap (%+v)", s)
	}
	if s.door {
		require.True(t, s.zone, "door open outside the door zone (%+v)", s)
	}
	require.True(t, s.floor >= 1 && s.floor <= 18, "floor %v", s.floor)
}

// TestLiftTrap: a trap stops the car between landings with someone inside
// long enough for the engine's conditions, then winds it to a landing where
// the door opens and the passenger leaves; the terminal's event carries the
// floor and at_floor false.
func TestLiftTrap(t *testing.T) {
	p := loadProfiles(t)["elevator"]
	for seed := range uint64(6) {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			g := newTestGenerator(t, FleetDevice{ID: "el", Kind: "elevator"}, p, seed)
			g.period = 1
			step := time.Second
			at := epoch
			for range 300 { // settle into the day's traffic
				g.Tick(at)
				at = at.Add(step)
			}
			require.True(t, g.Trap(150*time.Second, "entrapment"))
			require.False(t, g.Trap(150*time.Second, ""), "one trap at a time")
			requested := at
			var entrapment, outside conditionTimer
			var maxEntrapment, maxOutside time.Duration
			var stopped, released, gotOut time.Time
			var trapEvents []Event
			for ; at.Before(requested.Add(6 * time.Minute)); at = at.Add(step) {
				tel, events := g.Tick(at)
				s := liftSampleOf(t, g, at, tel)
				requireCoherentLift(t, s)
				maxEntrapment = max(maxEntrapment, entrapment.update(at, s.person && !s.door && s.speed < 0.05))
				maxOutside = max(maxOutside, outside.update(at, !s.zone && s.speed < 0.05))
				for _, ev := range events {
					if ev.Type == "entrapment" {
						trapEvents = append(trapEvents, ev)
					}
				}
				switch {
				case s.trapped && stopped.IsZero():
					stopped = at
					require.True(t, s.person && !s.door && !s.zone && s.speed == 0 && !s.running, "%+v", s)
				case !stopped.IsZero() && released.IsZero() && s.door:
					released = at
					require.True(t, s.zone, "the door opens at a landing")
				case !released.IsZero() && gotOut.IsZero() && s.door && !s.person:
					gotOut = at
				}
			}
			require.False(t, stopped.IsZero(), "the car stopped between landings")
			require.Less(t, stopped.Sub(requested), 90*time.Second, "the trap begins soon after the request")
			require.False(t, released.IsZero(), "the car reached a landing and opened")
			require.False(t, gotOut.IsZero(), "the passenger got out")
			require.Less(t, gotOut.Sub(released), 15*time.Second, "the passenger got out at once")
			// Sampled once a second, the conditions are seen for the trap's
			// 150 s less at most one sample.
			require.GreaterOrEqual(t, maxEntrapment, 149*time.Second, "entrapment condition held through the trap")
			require.GreaterOrEqual(t, maxOutside, 149*time.Second, "stopped-outside-door-zone condition held through the trap")
			require.Len(t, trapEvents, 1)
			b, err := json.Marshal(trapEvents[0])
			require.NoError(t, err)
			requireValidEvent(t, p, b)
			require.Equal(t, false, trapEvents[0].Fields["at_floor"])
			require.Contains(t, trapEvents[0].Fields, "floor")
		})
	}
}
