package hub_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/dispatch"
)

// consoleCase is what the test reads of GET /api/v1/cases/{id}.
type consoleCase struct {
	ID         int64  `json:"id"`
	State      string `json:"state"`
	AgencyID   string `json:"agency_id"`
	Version    int64  `json:"version"`
	Suggestion *struct {
		AgencyID string `json:"agency_id"`
		Reason   string `json:"reason"`
	} `json:"suggestion"`
	Timeline []struct {
		Action string `json:"action"`
	} `json:"timeline"`
}

// A case goes round the loop in Chromium, by the buttons of the operator
// console and the agency page: filed through the API, 立案 and 派遣 (to the
// router's suggestion, the dispatch form's default) on /console.html, 签收
// and 反馈 on /agency.html?agency=…, 核查通过 on the console; the API then has
// it closed with every step on its timeline. Both pages load from the hub
// alone and leave a screenshot.
func TestConsoleAndAgencyPagesInChromium(t *testing.T) {
	chromium(t)
	h := startHub(t)

	var filed struct {
		ID int64  `json:"id"`
		No string `json:"no"`
	}
	require.Equal(t, http.StatusCreated, h.call(t, http.MethodPost, "/api/v1/reports",
		map[string]any{"category": "01.01.01", "description": "井盖缺失", "lon": 105.67, "lat": 38.84}, &filed))
	id := strconv.FormatInt(filed.ID, 10)
	var c consoleCase
	require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/cases/"+id, nil, &c))
	require.NotNil(t, c.Suggestion, "a reported case carries the router's suggestion")
	agency := c.Suggestion.AgencyID
	require.NotEmpty(t, agency)

	ctx, requested := browser(t, 1920, 1080)
	wait := func(js string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(20*time.Second))
	}
	caseIs := func(state string) chromedp.Action[chromedp.Void] {
		return wait(`document.body.dataset.caseId === "` + id + `" && document.body.dataset.caseState === "` + state + `"`)
	}
	row := chromedp.CSS(`#queue-body tr[data-id="` + id + `"]`)
	button := func(act string) chromedp.CSS { return chromedp.CSS(`#actions button[data-act="` + act + `"]`) }
	shoot := func(name string) {
		t.Helper()
		shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		path := filepath.Join(artifacts(t), name)
		require.NoError(t, os.WriteFile(path, shot, 0o644))
		t.Logf("screenshot: %s", path)
	}

	// Console: 立案, then 派遣 with the suggested agency preselected.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(h.page("/console.html")),
		wait(`document.body.dataset.ready === "1"`),
		wait(`document.getElementById('me').textContent.includes('管理员')`),
		chromedp.Click(row),
		caseIs("reported"),
		wait(`document.getElementById('suggestion') !== null`),
		// Someone else changed the case since the page loaded it: the page's
		// version is stale, the hub answers 409 conflict, the page reloads
		// the case and says so.
		chromedp.Evaluate[chromedp.Void](`window.__console.detail.version += 1000`),
		chromedp.Click(button("register")),
		wait(`document.getElementById('action-msg').textContent.includes('已被他人更新') &&
			document.body.dataset.caseVersion === String(window.__console.detail.version) &&
			window.__console.detail.version < 1000`),
		caseIs("reported"),
		chromedp.Click(button("register")),
		caseIs("registered"),
		chromedp.Click(button("dispatch")),
		chromedp.WaitVisible(chromedp.CSS(`#f-agency_id`)),
		wait(`document.getElementById('f-agency_id').value === "`+agency+`"`),
		chromedp.Click(chromedp.CSS(`#action-form button[data-submit="dispatch"]`)),
		caseIs("dispatched"),
	), "console: 立案 and 派遣")

	// A viewer sees the case on both pages and is offered nothing; the hub
	// refuses the viewer's token even when the page is bypassed.
	viewer := h.tokenFor(t, dispatch.RoleViewer, "")
	noButtons := wait(`document.querySelectorAll('#actions button').length === 0 && document.getElementById('detail').textContent.length > 0`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(h.pageAs("/console.html", viewer)),
		wait(`document.body.dataset.ready === "1"`),
		chromedp.Click(chromedp.CSS(`#filters [data-filter="all"]`)),
		chromedp.Click(row),
		caseIs("dispatched"),
		noButtons,
		chromedp.Navigate(h.pageAs("/agency.html?agency="+agency, viewer)),
		wait(`document.body.dataset.ready === "1" && document.body.dataset.queueLoaded === "1"`),
		chromedp.Click(row),
		caseIs("dispatched"),
		noButtons,
		chromedp.Evaluate[chromedp.Void](`window.__tries = {};
			for (const act of ['accept', 'resolve', 'register', 'verify']) {
				fetch('/api/v1/cases/`+id+`/' + act, {method: 'POST', body: '{}',
					headers: {'Authorization': 'Bearer ' + localStorage.getItem('hub.token'), 'Content-Type': 'application/json'}})
					.then((r) => { window.__tries[act] = r.status; });
			}`),
		wait(`['accept', 'resolve', 'register', 'verify'].every((a) => window.__tries[a] === 403)`),
	), "a viewer can neither sign, resolve, register nor close")
	shoot("agency-viewer-1920x1080.png")

	// Agency page: 签收, then 反馈 with notes.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(h.page("/agency.html?agency="+agency)),
		wait(`document.body.dataset.ready === "1" && document.body.dataset.queueLoaded === "1"`),
		chromedp.Click(row),
		caseIs("dispatched"),
		chromedp.Click(button("accept")),
		caseIs("accepted"),
		chromedp.Click(button("resolve")),
		chromedp.WaitVisible(chromedp.CSS(`#f-note`)),
		chromedp.SendKeys(chromedp.CSS(`#f-note`), "已补装井盖并设置警示"),
	), "agency page: 签收 and the 反馈 form")
	shoot("agency-1920x1080.png")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#action-form button[data-submit="resolve"]`)),
		caseIs("resolved"),
	), "agency page: 反馈")

	// Console: 核查通过 from the 已反馈 queue.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(h.page("/console.html")),
		wait(`document.body.dataset.ready === "1"`),
		chromedp.Click(chromedp.CSS(`#filters [data-filter="resolved"]`)),
		chromedp.Click(row),
		caseIs("resolved"),
		chromedp.Click(button("verify-pass")),
		caseIs("closed"),
		wait(`document.querySelector('#timeline li[data-action="verify"]') !== null`),
		chromedp.Click(chromedp.CSS(`#filters [data-filter="all"]`)),
		chromedp.WaitVisible(row),
	), "console: 核查通过")
	shoot("console-1920x1080.png")

	require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/cases/"+id, nil, &c))
	require.Equal(t, "closed", c.State)
	require.Equal(t, agency, c.AgencyID, "dispatched to the suggestion")
	var actions []string
	for _, e := range c.Timeline {
		actions = append(actions, e.Action)
	}
	require.True(t, subsequence([]string{"register", "dispatch", "accept", "resolve", "verify"}, actions),
		"timeline: %v", actions)

	// The console's 上报 form files a case and selects it.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#r-category`), "01.01.01"),
		chromedp.SendKeys(chromedp.CSS(`#r-description`), "人行道井盖破损"),
		chromedp.SendKeys(chromedp.CSS(`#r-lon`), "105.68"),
		chromedp.SendKeys(chromedp.CSS(`#r-lat`), "38.85"),
		chromedp.Click(chromedp.CSS(`#report-form button[type="submit"]`)),
		wait(`document.body.dataset.caseState === "reported" && document.body.dataset.caseId !== "`+id+`" &&
			document.getElementById('report-msg').textContent.startsWith('已上报')`),
	), "console: 上报")
	var reported []consoleCase
	require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/cases?state=reported", nil, &reported))
	require.Len(t, reported, 1, "the form filed one case")

	for _, u := range requested() {
		if strings.HasPrefix(u, "data:") {
			continue
		}
		require.True(t, strings.HasPrefix(u, h.base), "the page asked for %s, which is not the hub", u)
	}
}
