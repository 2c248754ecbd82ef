package hub_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
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
// records every URL the page requests.
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
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			urls = append(urls, e.Request.URL)
			mu.Unlock()
		}
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
		chromedp.Navigate(h.base+"/"),
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

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
