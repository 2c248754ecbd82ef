package hub_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// seedScreen gives the screen's panels content: a water-level station with an
// active alarm (which also puts the 防汛 plan in effect: the red banner), an
// air station with its AQI, an elevator and a filed case.
func seedScreen(t *testing.T, h *testHub) {
	t.Helper()
	hy := h.register(t, hydrologyStation("hy-layout"))
	aq := h.register(t, map[string]any{"id": "aq-layout", "kind": "pollution", "name": "巴彦浩特空气站", "lon": 105.67, "lat": 38.84})
	h.register(t, map[string]any{"id": "el-layout", "kind": "elevator", "name": "巴彦浩特电梯", "lon": bayanhotLon, "lat": bayanhotLat})

	c := h.connect(t, "aq-layout", aq)
	publish(t, c, "devices/aq-layout/telemetry", map[string]any{"ts": time.Now().UTC().Format(time.RFC3339Nano), "seq": 1,
		"values": map[string]any{"pm25_ugm3": 80, "pm10_ugm3": 100}, "flags": map[string]any{"pm25_ugm3": "N", "pm10_ugm3": "N"}})

	// Three samples over the 1070 m warning line open an alarm.
	c = h.connect(t, "hy-layout", hy)
	for i, v := range []float64{1069.5, 1070.3, 1070.4, 1070.6} {
		publish(t, c, "devices/hy-layout/telemetry", sample(int64(i+1), map[string]any{"water_level_m": v, "rain_mm": 0.4}))
	}
	require.Eventually(t, func() bool { return len(h.alarms(t, "?status=active")) == 1 }, waitLong, tick)

	require.Equal(t, http.StatusCreated, h.call(t, http.MethodPost, "/api/v1/reports",
		map[string]any{"category": "01.01.01", "description": "井盖缺失", "lon": 105.67, "lat": 38.84}, nil))
}

// layoutJS measures the screen in the page and returns what is wrong with
// its layout, as {checked, problems}. The checks:
//
//   - every element of a group lies inside the viewport (1 px tolerance) and,
//     for tile groups, inside its panel;
//   - no two elements of a group overlap by more than 1 px (touching edges
//     are fine). The funnel's chevrons (.funnel-step) are checked as one
//     .funnel: they overlap each other by 8 px on purpose;
//   - every selector of a group matches at least one visible element, so a
//     renamed class fails here instead of silently checking nothing (the
//     fire inset is optional: it shows only while a fire is located);
//   - the layout fills the viewport: the screen scales to the display rather
//     than staying 1920×1080 in a corner;
//   - each ECharts canvas fits its element (.map, .focus-map);
//   - no element with text inside the checked ones overflows its box
//     (scrollWidth > clientWidth + 1 or scrollHeight > clientHeight + 1):
//     text cut off or spilling into a neighbour.
//
// Allowed, on purpose:
//   - horizontal overflow of an element that clips with text-overflow:
//     ellipsis (computed style): a name shortened with "…";
//   - .ticker-view: the case ticker's one-row window over its rolling track,
//     which is meant to be taller than the window;
//   - .case-states: one row of case-state chips (overflow hidden), chips
//     that would wrap to a second row are dropped;
//   - .alarms: the alarm list clips the rows that do not fit and fades them
//     out (mask-image); "另有 N 条告警未显示" below it counts them;
//   - the subtrees of .map and .focus-map: ECharts' canvas and layers
//     (checked by the canvas rule above instead);
//   - the panels' corner accents (.panel::before/::after), which stick out
//     2 px: they are hidden while measuring;
//   - in the block direction, a line's inline content area (the font's
//     ascent + descent) standing out of a line-height tighter than the font
//     (e.g. the 40 px KPI numbers at line-height 1.08): it counts as
//     overflow though no glyph is cut. The allowance is measured per font
//     with a probe and is well under a line, so a wrapped extra line still
//     fails.
//
// Inline elements are not measured themselves (they have no client box);
// their overflow shows in their block ancestor, which is.
const layoutJS = `(() => {
  const groups = [
    // The page's top-level blocks: header, plan banner, every panel of the
    // three columns and the KPI tiles above the map.
    { name: 'layout', fills: true, selectors: [
      '.header', '#plan-banner',
      '.col-left > .panel-aqi', '.col-left > .panel-hydro', '.col-left > .panel-online',
      '.col-center > .kpi-strip > .kpi', '.col-center > .panel-map', '.col-center > .panel-cases',
      '.col-right > .panel-incidents', '.col-right > .panel-grow', '.col-right > .panel-rank'] },
    // The header's clock, title and indicators must not run into each other.
    { name: 'header', selectors: ['.header > .header-left', '.header > .title', '.header > .header-right'] },
    // Tiles inside panels: each inside its panel, none over another.
    { name: 'severity tiles', within: '.panel', selectors: ['#sev-grid > .sev-tile'] },
    { name: 'online tiles', within: '.panel', selectors: ['#online-grid > .online-cell'] },
    { name: 'case tiles', within: '.panel', selectors: ['.case-top > .funnel', '.case-top > .case-tile', '.case-main > .case-states', '.case-main > .ticker'] },
    { name: 'map overlays', within: '.panel', selectors: ['.panel-map > .panel-title', '.panel-map > .legend', '.panel-map > .focus'] },
  ];
  // May match nothing: the fire inset shows only while a fire is located.
  const optional = new Set(['.panel-map > .focus']);
  const allowed = ['.ticker-view', '.case-states', '.alarms'];
  const skipSubtrees = '.map, .focus-map';
  const tol = 1;
  const vw = window.innerWidth, vh = window.innerHeight;
  const problems = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + Array.from(el.classList).join('.') : '');
  const box = (r) => '[' + [r.left, r.top, r.right, r.bottom].map((v) => Math.round(v * 10) / 10).join(', ') + ']';
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.display !== 'none' && cs.visibility !== 'hidden';
  };
  const inside = (r, o) => r.left >= o.left - tol && r.top >= o.top - tol && r.right <= o.right + tol && r.bottom <= o.bottom + tol;
  const view = { left: 0, top: 0, right: vw, bottom: vh };
  const measured = new Set();
  let checked = 0;

  for (const g of groups) {
    const els = [];
    for (const sel of g.selectors) {
      const found = Array.from(document.querySelectorAll(sel)).filter(shown);
      if (!found.length && !optional.has(sel)) problems.push(g.name + ': nothing visible matches ' + sel);
      els.push(...found);
    }
    const rects = els.map((el) => el.getBoundingClientRect());
    els.forEach((el, i) => {
      checked++;
      measured.add(el);
      if (!inside(rects[i], view)) problems.push(g.name + ': ' + name(el) + ' ' + box(rects[i]) + ' is not inside the viewport ' + vw + 'x' + vh);
      if (g.within) {
        const p = el.parentElement.closest(g.within);
        const pr = p.getBoundingClientRect();
        if (!inside(rects[i], pr)) problems.push(g.name + ': ' + name(el) + ' ' + box(rects[i]) + ' is not inside its ' + name(p) + ' ' + box(pr));
      }
      for (let j = 0; j < i; j++) {
        const a = rects[i], b = rects[j];
        const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (x > tol && y > tol) problems.push(g.name + ': ' + name(el) + ' ' + box(a) + ' overlaps ' + name(els[j]) + ' ' + box(b));
      }
    });
    if (g.fills && rects.length) {
      const u = rects.reduce((u, r) => ({ left: Math.min(u.left, r.left), top: Math.min(u.top, r.top),
        right: Math.max(u.right, r.right), bottom: Math.max(u.bottom, r.bottom) }), { left: vw, top: vh, right: 0, bottom: 0 });
      if (u.right - u.left < 0.95 * vw || u.bottom - u.top < 0.95 * vh) problems.push(g.name + ': the panels span ' + box(u) + ', not the viewport ' + vw + 'x' + vh);
    }
  }

  // ECharts sizes its canvas once; it must follow its element when the
  // panels around the map fill (else the map spills over the case strip).
  for (const el of document.querySelectorAll(skipSubtrees)) {
    const chart = el.firstElementChild;
    if (!shown(el) || !chart) continue;
    const r = el.getBoundingClientRect(), cr = chart.getBoundingClientRect();
    if (!inside(cr, r)) problems.push('chart: the canvas of ' + name(el) + ' ' + box(cr) + ' is larger than its element ' + box(r));
  }

  // The panels' corner accents (::before/::after) stick out 2 px on
  // purpose; hidden while measuring, they change no other box.
  const quiet = document.createElement('style');
  quiet.textContent = '.panel::before, .panel::after { display: none !important; }';
  document.head.appendChild(quiet);
  // A line's inline content area (the font's ascent + descent) is taller
  // than a tight line-height and counts as overflow in the block direction
  // although no glyph is cut: allow it, per font, measured with a probe.
  const areas = new Map();
  const area = (cs) => {
    const key = cs.fontFamily + '|' + cs.fontWeight + '|' + cs.fontStyle;
    if (!areas.has(key)) {
      const probe = document.createElement('span');
      probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap;font-size:100px;line-height:normal';
      probe.style.fontFamily = cs.fontFamily;
      probe.style.fontWeight = cs.fontWeight;
      probe.style.fontStyle = cs.fontStyle;
      probe.textContent = '国Ag0';
      document.body.appendChild(probe);
      areas.set(key, probe.offsetHeight / 100);
      probe.remove();
    }
    return areas.get(key) * parseFloat(cs.fontSize);
  };
  const slack = (el) => {
    let s = 0;
    for (const d of [el, ...el.querySelectorAll('*')]) {
      if (!d.textContent.trim()) continue;
      const cs = getComputedStyle(d);
      if (cs.lineHeight !== 'normal') s = Math.max(s, area(cs) - parseFloat(cs.lineHeight));
    }
    return s;
  };
  try {
    for (const root of measured) {
      for (const el of [root, ...root.querySelectorAll('*')]) {
        if (el.closest(skipSubtrees) || !shown(el)) continue;
        const cs = getComputedStyle(el);
        if (cs.display === 'inline' || cs.display === 'contents') continue;
        if (!el.textContent.trim()) continue;
        checked++;
        const vertical = cs.writingMode.startsWith('vertical');
        const over = [];
        const ellipsis = cs.textOverflow === 'ellipsis' && cs.overflowX !== 'visible';
        const xTol = tol + (vertical ? slack(el) : 0), yTol = tol + (vertical ? 0 : slack(el));
        if (el.scrollWidth > el.clientWidth + xTol && !(ellipsis && !vertical)) over.push('width ' + el.scrollWidth + ' > ' + el.clientWidth);
        if (el.scrollHeight > el.clientHeight + yTol && !(ellipsis && vertical)) over.push('height ' + el.scrollHeight + ' > ' + el.clientHeight);
        if (!over.length || allowed.some((s) => el.matches(s))) continue;
        problems.push('text overflows: ' + name(el) + ' ' + box(el.getBoundingClientRect()) + ' ' + over.join(', ') +
          ': ' + JSON.stringify(el.textContent.trim().replace(/\s+/g, ' ').slice(0, 40)));
      }
    }
  } finally {
    quiet.remove();
  }
  return { checked, problems: Array.from(new Set(problems)) };
})()`

type layoutReport struct {
	Checked  int      `json:"checked"`
	Problems []string `json:"problems"`
}

// The screen with data in every panel lays out cleanly at 1920×1080, on a
// 4K display and on a 5760×1080 LED wall: every panel and tile inside the
// viewport, none over another, no text spilling out of its box; a
// screenshot of each size goes to artifacts().
func TestScreenLayoutInChromium(t *testing.T) {
	chromium(t)
	h := startHub(t)
	seedScreen(t, h)

	for _, size := range []struct{ w, h int }{{1920, 1080}, {3840, 2160}, {5760, 1080}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			ctx, _ := browser(t, size.w, size.h)
			require.NoError(t, chromedp.Do(ctx,
				chromedp.EmulateViewport(int64(size.w), int64(size.h)),
				chromedp.Navigate(h.page("/")),
				// Wait for the data and for the panels to have drawn it.
				chromedp.Poll[chromedp.Void](`document.body.dataset.mapReady === "1" && window.__screen && window.__screen.connected &&
					window.__screen.devices >= 3 && window.__screen.alarms >= 1 && window.__screen.cases >= 1 &&
					document.querySelector('#alarm-list .alarm') && document.querySelector('#aqi-list .env-row') &&
					document.querySelector('#hydro-body tr') && document.querySelector('#plan-banner:not([hidden])') &&
					document.querySelector('#case-ticker .ticker-item:not(.is-none)') &&
					document.querySelector('#case-states .case-state:not(.is-none)')`,
					chromedp.WithPollingTimeout(30*time.Second)),
			), "the screen did not get its data")

			rep, err := chromedp.Run(ctx, chromedp.Evaluate[layoutReport](layoutJS))
			require.NoError(t, err)
			require.Empty(t, rep.Problems, "layout at %dx%d:\n%s", size.w, size.h, strings.Join(rep.Problems, "\n"))
			require.Greater(t, rep.Checked, 20, "the layout check measured too little")

			t.Logf("%d elements checked", rep.Checked)
			if size.w == 1920 && size.h == 1080 {
				return // TestScreenInChromium leaves screen-1920x1080.png
			}
			shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			require.NoError(t, err)
			path := filepath.Join(artifacts(t), fmt.Sprintf("screen-%dx%d.png", size.w, size.h))
			require.NoError(t, os.WriteFile(path, shot, 0o644))
			t.Logf("screenshot: %s", path)
		})
	}
}
