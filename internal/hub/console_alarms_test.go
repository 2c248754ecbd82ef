package hub_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// deskPage drives the console and the agency page of one hub in Chromium.
type deskPage struct {
	t   *testing.T
	ctx context.Context
	h   *testHub
}

func newDeskPage(t *testing.T, h *testHub) *deskPage {
	ctx, _ := browser(t, 1920, 1080)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080)))
	return &deskPage{t: t, ctx: ctx, h: h}
}

// wait polls a JavaScript condition in the page.
func (p *deskPage) wait(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(20*time.Second))
}

// open loads a page below the hub as its administrator and waits until it
// has booted.
func (p *deskPage) open(path string) chromedp.Action[chromedp.Void] {
	return p.openAs(path, p.h.token)
}

// openAs loads a page with ?token= and waits until it has booted.
func (p *deskPage) openAs(path, token string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Navigate(p.h.pageAs(path, token)), p.wait(`document.body.dataset.ready === "1"`))
}

// caseIs waits for the selected case to be id in state.
func (p *deskPage) caseIs(id, state string) chromedp.Action[chromedp.Void] {
	return p.wait(`document.body.dataset.caseId === "` + id + `" && document.body.dataset.caseState === "` + state + `"`)
}

func (p *deskPage) row(id string) chromedp.CSS {
	return chromedp.CSS(`#queue-body tr[data-id="` + id + `"]`)
}

func (p *deskPage) button(act string) chromedp.CSS {
	return chromedp.CSS(`#actions button[data-act="` + act + `"]`)
}

func (p *deskPage) submit(act string) chromedp.CSS {
	return chromedp.CSS(`#action-form button[data-submit="` + act + `"]`)
}

// timelineHas waits for an entry of action on the selected case's timeline.
func (p *deskPage) timelineHas(action string) chromedp.Action[chromedp.Void] {
	return p.wait(`document.querySelector('#timeline li[data-action="` + action + `"]') !== null`)
}

// do runs the steps; on a failure it says what the page showed.
func (p *deskPage) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	err := chromedp.Do(p.ctx, steps...)
	if err == nil {
		return
	}
	state, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`JSON.stringify({url: location.href, data: document.body.dataset,
		msg: (document.getElementById('action-msg') || {}).textContent, alarms: (document.getElementById('alarm-msg') || {}).textContent,
		actions: Array.from(document.querySelectorAll('#actions button')).map((b) => b.dataset.act),
		alarm: (document.querySelector('#alarm-list li') || {}).outerHTML,
		sev: document.querySelector('#alarm-list li') && getComputedStyle(document.querySelector('#alarm-list li')).getPropertyValue('--sev')})`))
	p.t.Fatalf("%s: %v\npage: %s", what, err, state)
}

func (p *deskPage) shoot(name string) {
	p.t.Helper()
	shot, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	require.NoError(p.t, err)
	path := filepath.Join(artifacts(p.t), name)
	require.NoError(p.t, os.WriteFile(path, shot, 0o644))
	p.t.Logf("screenshot: %s", path)
}

// deskCase is what these tests read of GET /api/v1/cases/{id}.
type deskCase struct {
	ID           int64    `json:"id"`
	State        string   `json:"state"`
	AgencyID     string   `json:"agency_id"`
	Returns      int      `json:"returns"`
	ReturnReason string   `json:"return_reason"`
	Photos       []string `json:"photos"`
	Suggestion   *struct {
		AgencyID string `json:"agency_id"`
	} `json:"suggestion"`
	Plan *struct {
		PlanID      string   `json:"plan_id"`
		ActivatedBy string   `json:"activated_by"`
		StoodDownAt string   `json:"stood_down_at"`
		Resources   []string `json:"resources"`
	} `json:"plan"`
	Tasks []struct {
		AgencyID   string `json:"agency_id"`
		Role       string `json:"role"`
		ReportedAt string `json:"reported_at"`
	} `json:"tasks"`
	Extensions []struct {
		Extra  string `json:"extra"`
		Reason string `json:"reason"`
		Status string `json:"status"`
	} `json:"extensions"`
	Timeline []struct {
		Action string `json:"action"`
		Note   string `json:"note"`
	} `json:"timeline"`
}

func (c deskCase) actions() []string {
	var out []string
	for _, e := range c.Timeline {
		out = append(out, e.Action)
	}
	return out
}

// fileCase reports a 井盖缺失 in 巴彦浩特 through the API and returns its id
// and the router's suggested agency.
func fileCase(t *testing.T, h *testHub, body map[string]any) (string, string) {
	t.Helper()
	req := map[string]any{"category": "01.01.01", "description": "井盖缺失", "lon": 105.67, "lat": 38.84}
	for k, v := range body {
		req[k] = v
	}
	var filed struct {
		ID int64 `json:"id"`
	}
	require.Equal(t, http.StatusCreated, h.call(t, http.MethodPost, "/api/v1/reports", req, &filed))
	id := strconv.FormatInt(filed.ID, 10)
	c := h.getCase(t, id)
	require.NotNil(t, c.Suggestion)
	return id, c.Suggestion.AgencyID
}

func (h *testHub) getCase(t *testing.T, id string) deskCase {
	t.Helper()
	var c deskCase
	require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/cases/"+id, nil, &c))
	return c
}

// act takes a case action through the API (test set-up, not under test).
func (h *testHub) act(t *testing.T, id, action string, body map[string]any) {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	var out map[string]any
	require.Equal(t, http.StatusOK, h.call(t, http.MethodPost, "/api/v1/cases/"+id+"/"+action, body, &out), "%s: %v", action, out)
}

// otherAgency returns an agency of the catalogue other than not.
func otherAgency(t *testing.T, h *testHub, not string) string {
	t.Helper()
	var ags []struct {
		ID string `json:"id"`
	}
	require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/agencies", nil, &ags))
	for _, a := range ags {
		if a.ID != not {
			return a.ID
		}
	}
	t.Fatal("the catalogue has one agency")
	return ""
}

// A hydrology station's level over its warning line raises an alarm; the
// console lists it in its severity's colour, and an operator acknowledges,
// comments and assigns it by clicking. The API then has it acknowledged,
// assigned and with the comment.
func TestConsoleAlarmsInChromium(t *testing.T) {
	chromium(t)
	h := startHub(t)
	secret := h.register(t, hydrologyStation("hy-console"))
	dev := h.connect(t, "hy-console", secret)
	for i, v := range []float64{1070.3, 1070.4, 1070.6} { // three samples over 1070 m trip the rule
		publish(t, dev, "devices/hy-console/telemetry", sample(int64(i+1), map[string]any{"water_level_m": v}))
	}
	require.Eventually(t, func() bool { return len(h.alarms(t, "?status=active")) == 1 }, waitLong, tick)
	a := h.alarms(t, "?status=active")[0]
	require.False(t, a.Acked)
	id := itoa(a.ID)

	p := newDeskPage(t, h)
	operator := h.tokenFor(t, "operator", "")
	item := `#alarm-list li[data-id="` + id + `"]`
	act := func(name string) chromedp.CSS { return chromedp.CSS(item + ` button[data-alarm-act="` + name + `"]`) }
	const note = "已通知阿拉善左旗水务局沿河巡查"
	const assignee = "阿拉善左旗水务局"
	p.do("a viewer's console: the alarm, no buttons",
		p.openAs("/console.html", h.tokenFor(t, "viewer", "")),
		p.wait(`document.body.dataset.alarmsLoaded === "1" && document.querySelector('`+item+`') !== null`),
		p.wait(`document.querySelectorAll('`+item+` button[data-alarm-act]').length === 1 &&
			document.querySelector('`+item+` button[data-alarm-act="details"]') !== null`),
	)
	p.do("console: 确认, 备注 and 指派 an alarm",
		p.openAs("/console.html", operator),
		p.wait(`document.getElementById('me').textContent.includes('值班员')`),
		p.wait(`document.body.dataset.alarmsLoaded === "1" && document.querySelector('`+item+`') !== null`),
		// In its severity's colour (theme.css), marked unacknowledged.
		p.wait(`(() => { const li = document.querySelector('`+item+`');
			return li.dataset.sev === "`+a.Severity+`" && getComputedStyle(li).getPropertyValue('--sev').trim() ===
				getComputedStyle(document.documentElement).getPropertyValue('--sev-`+a.Severity+`').trim() &&
				li.querySelector('.al-ack').textContent === '未确认'; })()`),
		chromedp.Click(act("ack")),
		p.wait(`document.querySelector('`+item+`').classList.contains('is-acked') &&
			document.querySelector('`+item+` button[data-alarm-act="ack"]') === null`),
		chromedp.Click(act("comment")),
		chromedp.WaitVisible(chromedp.CSS(`#af-text`)),
		p.wait(`!document.querySelector('#alarm-comments-loading')`),
		chromedp.SendKeys(chromedp.CSS(`#af-text`), note),
		chromedp.Click(chromedp.CSS(`#alarm-form button[data-alarm-submit="comment"]`)),
		p.wait(`document.querySelector('`+item+` .al-comments').textContent.includes('`+note+`')`),
		chromedp.Click(act("assign")),
		chromedp.WaitVisible(chromedp.CSS(`#af-assignee`)),
		chromedp.SendKeys(chromedp.CSS(`#af-assignee`), assignee),
		chromedp.Click(chromedp.CSS(`#alarm-form button[data-alarm-submit="assign"]`)),
		p.wait(`(document.querySelector('`+item+` .al-assignee') || {}).textContent === '处理人：`+assignee+`'`),
		p.wait(`document.getElementById('alarm-msg').textContent.startsWith('指派 已完成')`),
	)
	p.shoot("console-alarms-1920x1080.png")

	var got struct {
		Acked    bool   `json:"acked"`
		AckedBy  string `json:"acked_by"`
		Assignee string `json:"assignee"`
		Status   string `json:"status"`
	}
	require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/alarms/"+id, nil, &got))
	require.True(t, got.Acked, "acknowledged")
	require.Contains(t, got.AckedBy, "operator", "by the operator whose token the page holds")
	require.Equal(t, assignee, got.Assignee)
	require.Equal(t, "active", got.Status)
	var comments struct {
		Comments []struct {
			Text string `json:"text"`
		} `json:"comments"`
	}
	require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/alarms/"+id+"/comments", nil, &comments))
	var texts []string
	for _, c := range comments.Comments {
		texts = append(texts, c.Text)
	}
	require.Contains(t, texts, note, "the 备注 (an assignment adds its own note)")
}

// 退回 with a reason on the agency page, then on the console 启动预案 (the
// plan chosen from GET /api/v1/plans) and 预案终止, all by clicking; the API
// has the reason, the plan with its reserved resources, its stand-down and
// every step on the timeline.
func TestConsoleReturnAndPlanInChromium(t *testing.T) {
	chromium(t)
	h := startHub(t)
	id, agency := fileCase(t, h, nil)
	h.act(t, id, "register", nil)
	h.act(t, id, "dispatch", map[string]any{"agency_id": agency})
	p := newDeskPage(t, h)
	const reason = "该路段井盖属供热公司管理，非本部门职责"

	p.do("agency page: the 退回 form",
		p.open("/agency.html?agency="+agency),
		chromedp.Click(p.row(id)),
		p.caseIs(id, "dispatched"),
		chromedp.Click(p.button("return")),
		chromedp.WaitVisible(chromedp.CSS(`#f-reason`)),
		// Without a reason the form refuses and says why.
		chromedp.Click(p.submit("return")),
		p.wait(`document.getElementById('action-msg').textContent.includes('请填写退回理由')`),
		p.caseIs(id, "dispatched"),
		chromedp.SendKeys(chromedp.CSS(`#f-reason`), reason),
	)
	p.shoot("agency-return-1920x1080.png")
	p.do("agency page: 退回",
		chromedp.Click(p.submit("return")),
		p.caseIs(id, "returned"),
	)
	c := h.getCase(t, id)
	require.Equal(t, reason, c.ReturnReason)
	require.Equal(t, 1, c.Returns)

	p.do("console: 启动预案",
		p.open("/console.html"),
		chromedp.Click(chromedp.CSS(`#filters [data-filter="returned"]`)),
		chromedp.Click(p.row(id)),
		p.caseIs(id, "returned"),
		p.wait(`document.getElementById('case-detail').textContent.includes('`+reason+`')`),
		chromedp.Click(p.button("activate-plan")),
		chromedp.WaitVisible(chromedp.CSS(`#f-plan_id`)),
		p.wait(`document.querySelectorAll('#f-plan_id option').length >= 2`),
		chromedp.SetValue(chromedp.CSS(`#f-plan_id`), "flood-iv"),
		chromedp.SendKeys(chromedp.CSS(`#f-note`), "暴雨积水，预置抢险资源"),
		chromedp.Click(p.submit("activate-plan")),
		p.timelineHas("activate-plan"),
		p.wait(`document.querySelector('#actions button[data-act="stand-down"]') !== null &&
			document.querySelector('#actions button[data-act="activate-plan"]') === null &&
			document.getElementById('case-detail').textContent.includes('（生效中）')`),
	)
	p.shoot("console-plan-1920x1080.png")
	c = h.getCase(t, id)
	require.NotNil(t, c.Plan)
	require.Equal(t, "flood-iv", c.Plan.PlanID)
	require.Empty(t, c.Plan.StoodDownAt)
	require.NotEmpty(t, c.Plan.Resources, "the plan reserved resources near the case")

	p.do("console: 预案终止",
		chromedp.Click(p.button("stand-down")),
		chromedp.WaitVisible(chromedp.CSS(`#f-note`)),
		chromedp.SendKeys(chromedp.CSS(`#f-note`), "积水已排除"),
		chromedp.Click(p.submit("stand-down")),
		p.timelineHas("stand-down"),
		p.wait(`document.querySelector('#actions button[data-act="stand-down"]') === null &&
			document.querySelector('#actions button[data-act="activate-plan"]') !== null &&
			document.getElementById('case-detail').textContent.includes('（已终止）')`),
	)
	c = h.getCase(t, id)
	require.Equal(t, "returned", c.State)
	require.NotEmpty(t, c.Plan.StoodDownAt, "stood down")
	require.True(t, subsequence([]string{"register", "dispatch", "return", "activate-plan", "stand-down"}, c.actions()),
		"timeline: %v", c.actions())
}

// A joint case: the lead agency asks for more time (申请延期) and the
// assisting agency reports in (报到) on the agency page; the console
// approves the request (批准延期), and denies a second one with a reason;
// then the lead's 反馈 carries notes and photo URLs. All by clicking.
func TestConsoleExtensionAndReportInChromium(t *testing.T) {
	chromium(t)
	h := startHub(t)
	id, lead := fileCase(t, h, nil)
	helper := otherAgency(t, h, lead)
	h.act(t, id, "register", nil)
	h.act(t, id, "dispatch", map[string]any{"agency_id": lead, "assists": []map[string]any{{"agency_id": helper, "task": "协办"}}})
	h.act(t, id, "accept", nil)
	p := newDeskPage(t, h)
	// Each agency works its own page with its own token, as in production.
	leadToken, helperToken := h.tokenFor(t, "agency", lead), h.tokenFor(t, "agency", helper)

	p.do("lead agency: 申请延期",
		p.openAs("/agency.html", leadToken),
		chromedp.Click(p.row(id)),
		p.caseIs(id, "accepted"),
		chromedp.Click(p.button("request-extension")),
		chromedp.WaitVisible(chromedp.CSS(`#f-extra`)),
		chromedp.SendKeys(chromedp.CSS(`#f-extra`), "2h"),
		chromedp.SendKeys(chromedp.CSS(`#f-reason`), "等待井盖配件到货"),
		chromedp.Click(p.submit("request-extension")),
		p.timelineHas("request-extension"),
		p.wait(`document.querySelector('#actions button[data-act="request-extension"]') === null`),
	)

	p.do("assisting agency: 报到",
		p.openAs("/agency.html", helperToken),
		chromedp.Click(p.row(id)),
		p.caseIs(id, "accepted"),
		chromedp.Click(p.button("report-in")),
		chromedp.WaitVisible(chromedp.CSS(`#f-note`)),
		chromedp.SendKeys(chromedp.CSS(`#f-note`), "消防救援人员已到场"),
		chromedp.Click(p.submit("report-in")),
		p.timelineHas("report-in"),
		p.wait(`document.querySelector('#actions button[data-act="report-in"]') === null &&
			document.getElementById('case-detail').textContent.includes('（已报到）')`),
	)

	p.do("console: the pending request",
		p.openAs("/console.html", h.tokenFor(t, "chief", "")),
		p.wait(`document.getElementById('me').textContent.includes('值班长')`),
		chromedp.Click(chromedp.CSS(`#filters [data-filter="accepted"]`)),
		chromedp.Click(p.row(id)),
		p.caseIs(id, "accepted"),
		p.wait(`document.getElementById('case-detail').textContent.includes('延期申请（待审批）')`),
	)
	p.shoot("console-extension-1920x1080.png")
	p.do("console: 批准延期",
		chromedp.Click(p.button("extension-approve")),
		p.timelineHas("decide-extension"),
		p.wait(`document.querySelector('#actions button[data-act="extension-approve"]') === null &&
			!document.getElementById('case-detail').textContent.includes('延期申请（待审批）')`),
	)

	// A second request, denied with a reason.
	h.act(t, id, "request-extension", map[string]any{"extra": "1d", "reason": "再等一天"})
	p.do("console: 不批准延期",
		chromedp.Reload(),
		p.wait(`document.body.dataset.ready === "1"`),
		chromedp.Click(chromedp.CSS(`#filters [data-filter="accepted"]`)),
		chromedp.Click(p.row(id)),
		p.caseIs(id, "accepted"),
		chromedp.Click(p.button("extension-deny")),
		chromedp.WaitVisible(chromedp.CSS(`#f-note`)),
		chromedp.SendKeys(chromedp.CSS(`#f-note`), "时限内可完成，不予延期"),
		chromedp.Click(p.submit("extension-deny")),
		p.wait(`document.querySelectorAll('#timeline li[data-action="decide-extension"]').length === 2`),
	)

	const photo = "https://img.example.cn/alxa/manhole-1.jpg"
	p.do("lead agency: 反馈 with a photo",
		p.openAs("/agency.html", leadToken),
		chromedp.Click(p.row(id)),
		p.caseIs(id, "accepted"),
		chromedp.Click(p.button("resolve")),
		chromedp.WaitVisible(chromedp.CSS(`#f-note`)),
		chromedp.SendKeys(chromedp.CSS(`#f-note`), "已更换井盖并加固"),
		chromedp.SendKeys(chromedp.CSS(`#f-photos`), photo),
		chromedp.Click(p.submit("resolve")),
		p.caseIs(id, "resolved"),
	)

	c := h.getCase(t, id)
	require.Equal(t, "resolved", c.State)
	require.Len(t, c.Extensions, 2)
	require.Equal(t, "approved", c.Extensions[0].Status)
	require.Equal(t, "2h", c.Extensions[0].Extra)
	require.Equal(t, "denied", c.Extensions[1].Status)
	reported := false
	for _, task := range c.Tasks {
		if task.AgencyID == helper {
			reported = task.ReportedAt != ""
		}
	}
	require.True(t, reported, "the assisting agency reported in: %+v", c.Tasks)
	require.True(t, subsequence([]string{"accept", "request-extension", "report-in", "decide-extension", "request-extension",
		"decide-extension", "resolve"}, c.actions()), "timeline: %v", c.actions())
	require.Contains(t, c.Photos, photo, "the 反馈's photo")
	for _, e := range c.Timeline {
		if e.Action == "resolve" {
			require.Equal(t, "已更换井盖并加固", e.Note)
		}
	}
}

// settles polls a condition across page reloads (the token prompt reloads
// the page, which a chromedp.Poll inside the old page does not survive).
func (p *deskPage) settles(js, what string) {
	p.t.Helper()
	var last string
	ok := assertEventually(func() bool {
		v, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			last = err.Error()
		}
		return err == nil && v
	})
	if !ok {
		state, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`location.href + ' ' + JSON.stringify(document.body.dataset) + ' ' +
			document.body.innerText.slice(0, 400)`))
		p.t.Fatalf("%s: not within %v (%s)\npage: %s", what, waitLong, last, state)
	}
}

// The pages' side of the access tokens, against the hub's own token check:
// a page opened without a token puts up 请输入访问令牌; a wrong token saved
// there is refused and asked for again; a good one is kept and sent, and the
// console works as that role — the reporter masked, 查看 showing it in full.
// An agency user's console shows the hub's 403 reason over the alarm list
// and works its cases. The screen takes ?token= out of the address and
// passes it to its WebSocket; with a revoked token it stops after one
// attempt and asks; with an agency token (no screen for agencies) it says
// why and keeps running.
func TestConsoleAccessTokenInChromium(t *testing.T) {
	chromium(t)
	h := startHub(t)
	id, agency := fileCase(t, h, map[string]any{"reporter": map[string]any{"name": "张三", "phone": "13812341234",
		"id_no": "152921199001011234"}, "description": "井盖缺失，物业电话0483-8221234"})
	operator := h.tokenFor(t, "operator", "")
	p := newDeskPage(t, h)

	p.do("console without a token: the prompt",
		chromedp.Navigate(h.base+"/console.html"),
		p.wait(`document.body.dataset.auth === "required" && document.getElementById('auth-title').textContent === '请输入访问令牌' &&
			document.getElementById('auth-server').textContent.includes('needs a token')`),
		chromedp.WaitVisible(chromedp.CSS(`#auth-token`)),
	)
	p.shoot("console-token-1920x1080.png")
	p.do("a wrong token", chromedp.SendKeys(chromedp.CSS(`#auth-token`), "ywt_nosuch_token"), chromedp.Click(chromedp.CSS(`#auth-save`)))
	p.settles(`document.querySelector('.auth-lead') !== null && document.querySelector('.auth-lead').textContent.includes('已保存的访问令牌无效') &&
		localStorage.getItem('hub.token') === 'ywt_nosuch_token'`, "the wrong token refused and asked for again")
	p.do("the operator's token", chromedp.SendKeys(chromedp.CSS(`#auth-token`), operator), chromedp.Click(chromedp.CSS(`#auth-save`)))
	p.settles(`document.body.dataset.ready === "1" && document.body.dataset.queueLoaded === "1" && !document.getElementById('auth-prompt') &&
		document.getElementById('me').textContent.includes('值班员')`, "the console as the operator")

	p.do("the reporter, masked, then in full",
		chromedp.Click(p.row(id)),
		p.caseIs(id, "reported"),
		p.wait(`document.getElementById('reporter-name').textContent === '张*' &&
			document.getElementById('reporter-phone').textContent === '138****1234' &&
			!document.getElementById('case-detail').textContent.includes('13812341234') &&
			document.getElementById('case-detail').textContent.includes('井盖缺失，物业电话048****1234') &&
			!document.getElementById('case-detail').textContent.includes('8221234') &&
			document.getElementById('reporter-text') !== null &&
			document.getElementById('reporter').textContent.includes('查看将被记录')`),
		chromedp.Click(chromedp.CSS(`#reporter-view`)),
		p.wait(`document.querySelector('#reporter .rp-plain') !== null &&
			document.querySelector('#reporter .rp-plain').textContent.includes('13812341234') &&
			document.querySelector('#reporter .rp-plain').textContent.includes('152921199001011234') &&
			document.querySelector('#reporter .rp-plain').textContent.includes('原始描述井盖缺失，物业电话0483-8221234')`),
	)
	p.shoot("console-reporter-1920x1080.png")
	p.do("隐藏 masks it again",
		chromedp.Click(chromedp.CSS(`#reporter-hide`)),
		p.wait(`document.getElementById('reporter-name') !== null && !document.getElementById('case-detail').textContent.includes('13812341234')`),
	)

	// An agency user: no alarms for it (403, said), its cases still work.
	h.act(t, id, "register", nil)
	h.act(t, id, "dispatch", map[string]any{"agency_id": agency})
	p.do("an agency user's console",
		chromedp.Navigate(h.pageAs("/console.html", h.tokenFor(t, "agency", agency))),
		p.wait(`document.body.dataset.ready === "1" && document.body.dataset.alarmsLoaded === "1"`),
		p.wait(`document.getElementById('alarm-msg').textContent.startsWith('无权限：') &&
			document.getElementById('alarm-msg').textContent.includes('agency')`),
		chromedp.Click(chromedp.CSS(`#filters [data-filter="dispatched"]`)),
		chromedp.Click(p.row(id)),
		p.caseIs(id, "dispatched"),
		p.wait(`document.getElementById('reporter-view') !== null`), // its own case
		chromedp.Click(chromedp.CSS(`#reporter-view`)),
		p.wait(`(document.querySelector('#reporter .rp-plain') || {textContent: ''}).textContent.includes('13812341234')`),
	)

	// The hub audited both views, each under the caller's own name.
	var audit []struct {
		Actor, Role, Action, Outcome string
	}
	require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/audit?target=case:"+id, nil, &audit))
	var views []string
	for _, e := range audit {
		if e.Action == "pii.unmask" {
			views = append(views, e.Role+" "+e.Outcome)
		}
	}
	require.Equal(t, []string{"operator ok", "agency ok"}, views, "audit: %+v", audit)

	// 令牌 in the header offers another token, and can be cancelled.
	p.do("令牌: change the token, or not",
		chromedp.Click(chromedp.CSS(`#token-btn`)),
		p.wait(`document.body.dataset.auth === "change" && document.getElementById('auth-cancel') !== null`),
		chromedp.Click(chromedp.CSS(`#auth-cancel`)),
		p.wait(`!document.getElementById('auth-prompt') && document.body.dataset.auth === undefined`),
	)

	// The screen: ?token= leaves the address bar and rides the WebSocket.
	viewer := h.tokenFor(t, "viewer", "")
	sctx, requested := browser(t, 1920, 1080)
	s := &deskPage{t: t, ctx: sctx, h: h}
	s.do("the screen with ?token=",
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(h.pageAs("/", viewer)),
		s.wait(`window.__screen && window.__screen.connected && location.search === '' && localStorage.getItem('hub.token') === '`+viewer+`'`),
	)
	wsWith := 0
	for _, u := range requested() {
		if u == "ws://"+h.HTTPAddr()+"/ws/screen?access_token="+viewer {
			wsWith++
		}
	}
	require.Equal(t, 1, wsWith, "the screen's WebSocket carries the token: %v", requested())

	// A revoked token: one attempt, then the prompt; no reconnecting.
	s.do("the screen with a bad token",
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem('hub.token', 'ywt_revoked_token')`),
		chromedp.Navigate(h.base+"/"),
		s.wait(`window.__screen.status === 'unauthorized' && document.body.dataset.auth === 'required' &&
			document.getElementById('conn-text').textContent.includes('未授权')`),
	)
	s.shoot("screen-token-1920x1080.png")
	n, err := chromedp.Run(sctx, chromedp.Evaluate[int](`window.__screen.connects`))
	require.NoError(t, err)
	require.Equal(t, 1, n, "the stream gave up after its first refused handshake")

	// An agency token: the hub refuses the screen (403); the page says why
	// and keeps running under the notice, with no prompt.
	s.do("the screen with an agency's token",
		chromedp.Navigate(h.pageAs("/", h.tokenFor(t, "agency", agency))),
		s.wait(`(document.getElementById('auth-notice') || {textContent: ''}).textContent.includes('无权限') &&
			!document.getElementById('auth-prompt') && window.__screen.status === 'retrying'`),
	)
}
