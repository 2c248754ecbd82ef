package hub_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/hub"
)

// chromium finds Debian's Chromium (or another Chrome) on the machine.
func chromium(t *testing.T) string {
	return binary(t, "apt-get install chromium fonts-noto-cjk", "chromium", "chromium-browser", "google-chrome", "headless-shell")
}

// artifacts is where browser tests leave screenshots: $HUB_TEST_ARTIFACTS or
// the repository's artifacts/ folder.
func artifacts(t *testing.T) string {
	dir := os.Getenv("HUB_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "artifacts")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// browser starts headless Chromium that can reach nothing but loopback, and
// records every URL the page requests, WebSockets included.
func browser(t *testing.T, width, height int) (context.Context, func() []string) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		// Every host but the hub is unreachable: no CDN, no tiles, no fonts.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	var mu sync.Mutex
	var urls []string
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		var u string
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			u = e.Request.URL
		case *network.EventWebSocketCreated: // WebSockets have their own events
			u = e.URL
		default:
			return
		}
		mu.Lock()
		urls = append(urls, u)
		mu.Unlock()
	}))
	return ctx, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), urls...) }
}

// The screen loads from the hub with every other host unreachable, draws the
// league map, applies a live delta caused by a device's publish, and leaves
// a screenshot.
func TestScreenInChromium(t *testing.T) {
	h := startHub(t)
	secret := h.register(t, hydrologyStation("hy-screen"))
	h.register(t, map[string]any{"id": "el-screen", "kind": "elevator", "name": "巴彦浩特电梯", "lon": bayanhotLon, "lat": bayanhotLat})
	ctx, requested := browser(t, 1920, 1080)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(h.page("/")),
		chromedp.Poll[chromedp.Void](`document.body.dataset.mapReady === "1" && window.__screen && window.__screen.connected`,
			chromedp.WithPollingTimeout(30*time.Second)),
	))
	before, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.__screen.applied`))
	require.NoError(t, err)

	c := h.connect(t, "hy-screen", secret)
	publish(t, c, "devices/hy-screen/telemetry", sample(1, map[string]any{"water_level_m": 1069.42}))
	require.NoError(t, chromedp.Do(ctx, chromedp.Poll[chromedp.Void]("window.__screen.applied > "+ftoa(before),
		chromedp.WithPollingTimeout(10*time.Second))), "the delta from the publish was not applied")

	require.NoError(t, chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond)))
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	path := filepath.Join(artifacts(t), "screen-1920x1080.png")
	require.NoError(t, os.WriteFile(path, shot, 0o644))
	t.Logf("screenshot: %s", path)

	for _, u := range requested() {
		if strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:") {
			continue
		}
		require.True(t, strings.HasPrefix(u, h.base) || strings.HasPrefix(u, "ws://"+h.HTTPAddr()),
			"the page asked for %s, which is not the hub", u)
	}
}

// screenCounters is what the reconnect test reads of window.__screen.
type screenCounters struct {
	Seq         uint64  `json:"seq"`
	Applied     uint64  `json:"applied"`
	Snapshots   int     `json:"snapshots"`
	Resumes     int     `json:"resumes"`
	Gaps        int     `json:"gaps"`
	Connects    int     `json:"connects"`
	ResumedFrom *uint64 `json:"resumedFrom"`
	Status      string  `json:"status"`
}

// The page loses its WebSocket and stays cut off from the hub (DevTools
// emulates the network offline for /ws/screen, so each reconnect fails)
// while a device publishes; once the hub is reachable again the page
// reconnects with ?since=SEQ, gets a resume frame rather than a fresh
// snapshot, applies the deltas published meanwhile and its seq continues
// without a gap.
//
// A hub restart is not covered: a page reconnects to its own origin, so the
// new hub would have to take over the old one's port, and a restarted hub
// numbers its deltas from 0 again, so a page may get a resume for a seq of
// the previous hub's.
func TestScreenReconnectInChromium(t *testing.T) {
	h := startHub(t)
	secret := h.register(t, hydrologyStation("hy-resume"))
	c := h.connect(t, "hy-resume", secret)
	level := func(seq int64, v float64) {
		publish(t, c, "devices/hy-resume/telemetry", sample(seq, map[string]any{"water_level_m": v}))
	}
	shows := func(v string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](`(document.querySelector('#hydro-body .h-level') || {}).textContent === "`+v+`"`,
			chromedp.WithPollingTimeout(20*time.Second))
	}
	ctx, requested := browser(t, 1920, 1080)
	block := func(on bool) {
		_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{URLPattern: "ws://" + h.HTTPAddr() + "/ws/screen?*", Offline: on, DownloadThroughput: -1, UploadThroughput: -1}}})
		require.NoError(t, err)
	}
	counters := func() screenCounters {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[screenCounters](`window.__screen`))
		require.NoError(t, err)
		return v
	}

	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(h.page("/")),
		chromedp.Poll[chromedp.Void](`document.body.dataset.mapReady === "1" && window.__screen && window.__screen.connected`,
			chromedp.WithPollingTimeout(30*time.Second)),
	))
	level(1, 1069.11)
	require.NoError(t, chromedp.Do(ctx, shows("1069.11")), "the first reading did not reach the page")

	// Cut the page off, then close its socket; the counters are read in the
	// same task as the close, so no frame comes between them.
	block(true)
	down, err := chromedp.Run(ctx, chromedp.Evaluate[screenCounters](
		`(() => { const s = JSON.parse(JSON.stringify(window.__screen)); window.__screen.closeSocket(); return s; })()`))
	require.NoError(t, err)
	require.Equal(t, "open", down.Status)
	require.EqualValues(t, 1, down.Snapshots)

	level(2, 1069.22)
	level(3, 1069.33)
	level(4, 1069.44)
	// The page tried to reconnect and failed: it was down while the readings
	// were stored, and has not seen them.
	require.NoError(t, chromedp.Do(ctx, chromedp.Poll[chromedp.Void](
		`window.__screen.connects > `+strconv.Itoa(down.Connects)+` && window.__screen.status === "retrying"`,
		chromedp.WithPollingTimeout(20*time.Second))), "the page did not try to reconnect: %+v", counters())
	mid := counters()
	require.Equal(t, down.Seq, mid.Seq, "the page applied deltas while cut off")
	require.NoError(t, chromedp.Do(ctx, shows("1069.11")))

	block(false)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`window.__screen.connected && (window.__screen.resumes > `+strconv.Itoa(down.Resumes)+
			` || window.__screen.snapshots > `+strconv.Itoa(down.Snapshots)+`)`, chromedp.WithPollingTimeout(30*time.Second)),
		shows("1069.44"),
	), "the page did not come back with the readings published while it was down: %+v", counters())

	up := counters()
	require.Equal(t, down.Snapshots, up.Snapshots, "the page got a fresh snapshot instead of a resume")
	require.Equal(t, down.Resumes+1, up.Resumes)
	require.NotNil(t, up.ResumedFrom)
	require.Equal(t, down.Seq, *up.ResumedFrom, "the resume did not continue from the last seq the page applied")
	require.Equal(t, down.Gaps, up.Gaps, "the page saw a gap in seq")
	require.Greater(t, up.Seq, down.Seq)
	require.Equal(t, up.Seq-down.Seq, up.Applied-down.Applied, "every seq after the resume point was applied once")

	since := "since=" + strconv.FormatUint(down.Seq, 10)
	require.True(t, slices.ContainsFunc(requested(), func(u string) bool {
		return strings.HasPrefix(u, "ws://"+h.HTTPAddr()+"/ws/screen?") && slices.Contains(strings.Split(u[strings.Index(u, "?")+1:], "&"), since)
	}), "the page did not reconnect with ?%s: %v", since, requested())
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// After a hub restart on the same address the page reconnects by itself and,
// since the new process numbers its deltas above the old one's, takes a
// fresh snapshot rather than a resume that would skip the new process's
// first deltas: a reading published to the new hub reaches the page.
func TestScreenSurvivesHubRestartInChromium(t *testing.T) {
	dir := t.TempDir()
	var token string // in the store, and in the page's local storage, across the restart
	start := func(addr string) *testHub {
		h, err := hub.Start(context.Background(), hub.Options{HTTPAddr: addr, MQTTAddr: "127.0.0.1:0", DataDir: dir, Logger: testLogger()})
		require.NoError(t, err)
		t.Cleanup(func() { h.Close() })
		th := &testHub{Hub: h, base: "http://" + h.HTTPAddr(), token: token}
		if token == "" {
			token = th.tokenFor(t, dispatch.RoleAdmin, "")
			th.token = token
		}
		return th
	}
	h := start("127.0.0.1:0")
	addr := h.HTTPAddr()
	secret := h.register(t, hydrologyStation("hy-restart-page"))
	c := h.connect(t, "hy-restart-page", secret)
	publish(t, c, "devices/hy-restart-page/telemetry", sample(1, map[string]any{"water_level_m": 1069.11}))
	shows := func(v string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](`(document.querySelector('#hydro-body .h-level') || {}).textContent === "`+v+`"`,
			chromedp.WithPollingTimeout(30*time.Second))
	}
	ctx, _ := browser(t, 1920, 1080)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(h.page("/")),
		chromedp.Poll[chromedp.Void](`document.body.dataset.mapReady === "1" && window.__screen && window.__screen.connected`,
			chromedp.WithPollingTimeout(30*time.Second)),
		shows("1069.11"),
	))
	before, err := chromedp.Run(ctx, chromedp.Evaluate[screenCounters](`window.__screen`))
	require.NoError(t, err)

	c.Disconnect(100)
	require.NoError(t, h.Close())
	h = start(addr) // same address: the page's own reconnects find it
	c = h.connect(t, "hy-restart-page", secret)
	publish(t, c, "devices/hy-restart-page/telemetry", sample(2, map[string]any{"water_level_m": 1069.77}))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`window.__screen.connected && window.__screen.snapshots > `+strconv.Itoa(before.Snapshots),
			chromedp.WithPollingTimeout(60*time.Second)),
		shows("1069.77"),
	), "the page did not come back to the restarted hub")
	after, err := chromedp.Run(ctx, chromedp.Evaluate[screenCounters](`window.__screen`))
	require.NoError(t, err)
	require.Greater(t, after.Seq, before.Seq, "the new hub numbers above the old one")
	require.Equal(t, before.Resumes, after.Resumes, "no resume across processes")
}
