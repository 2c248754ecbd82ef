package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/api"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
)

const formType = "application/x-www-form-urlencoded"

// array decodes a GeoReport answer: always a JSON array of objects.
func (r result) array(t testing.TB) []map[string]any {
	t.Helper()
	require.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"), "body: %s", r.body)
	var a []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &a), "body: %s", r.body)
	return a
}

// open311Error checks a GeoReport error: the status, and the body
// [{"code":status,"description":"…mention…"}].
func (r result) open311Error(t testing.TB, status int, mention string) {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	a := r.array(t)
	require.Len(t, a, 1)
	require.Equal(t, []string{"code", "description"}, keys(a[0]))
	require.EqualValues(t, status, a[0]["code"])
	require.Contains(t, a[0]["description"], mention)
}

func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

var requestKeys = []string{"address", "address_id", "agency_responsible", "description", "expected_datetime", "lat", "long",
	"media_url", "requested_datetime", "service_code", "service_name", "service_notice", "service_request_id",
	"status", "status_notes", "updated_datetime", "zipcode"}

func TestOpen311Services(t *testing.T) {
	h := dispatchServer(newFakeDispatch())

	r := call(t, h, http.MethodGet, "/open311/v2/services.json?jurisdiction_id=city.gov", "", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	services := r.array(t)
	require.Len(t, services, 2)
	for _, s := range services {
		require.Equal(t, []string{"description", "group", "keywords", "metadata", "service_code", "service_name", "type"}, keys(s))
	}
	require.Equal(t, map[string]any{
		"service_code": "001",
		"service_name": "道路塌陷",
		"description":  "路面塌陷、坑洞面积超过0.5平方米",
		"metadata":     false,
		"type":         "realtime",
		"keywords":     "市政设施, 道路塌陷",
		"group":        "市政设施",
	}, services[0])
	require.Equal(t, "02.03.01", services[1]["service_code"])
	require.Equal(t, "突发事件", services[1]["group"])

	r = call(t, h, http.MethodGet, "/open311/v2/services/02.03.01.json?jurisdiction_id=city.gov", "", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.JSONEq(t, `{"service_code":"02.03.01","attributes":[]}`, string(r.body))
	require.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))

	call(t, h, http.MethodGet, "/open311/v2/services/033.json", "", "").open311Error(t, 404, "033")
	call(t, h, http.MethodGet, "/open311/v2/services/001.xml", "", "").open311Error(t, 404, "JSON")
	call(t, h, http.MethodGet, "/open311/v2/services/001", "", "").open311Error(t, 404, "no such endpoint")
	call(t, h, http.MethodGet, "/open311/v2/services.xml", "", "").open311Error(t, 404, "JSON")
}

// specPost is the GeoReport v2 documentation's POST example, with a
// service_code the fake knows.
const specPost = "api_key=xyz&jurisdiction_id=city.gov&service_code=001&lat=37.76524078&long=-122.4212043" +
	"&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456" +
	"&first_name=john&last_name=smith&phone=111111111&description=A+large+sinkhole+is+destroying+the+street" +
	"&media_url=http%3A%2F%2Fexample.com%2Fimage.jpg"

func TestOpen311PostSpecExample(t *testing.T) {
	f := newFakeDispatch()
	h := dispatchServer(f)

	r := call(t, h, http.MethodPost, "/open311/v2/requests.json", formType, specPost)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
	require.JSONEq(t, `[{"service_request_id":"1","service_notice":"","account_id":null}]`, string(r.body))
	require.Equal(t, "/open311/v2/requests/1.json", r.header.Get("Location"))

	rep := f.lastReport
	require.Equal(t, "open311", rep.Source)
	require.Equal(t, "001", rep.Category)
	require.Equal(t, "A large sinkhole is destroying the street", rep.Description)
	require.Equal(t, "1234 5th street", rep.Address)
	require.Equal(t, 37.76524078, *rep.Lat)
	require.Equal(t, -122.4212043, *rep.Lon)
	require.Equal(t, []string{"http://example.com/image.jpg"}, rep.Photos)
	require.Equal(t, &model.Person{Name: "john smith", Phone: "111111111", Email: "smit333@sfgov.edu"}, rep.Reporter)
	require.Equal(t, "anonymous", f.lastWho.Name)

	// The request is then readable as the spec's GET requests/{id}.
	r = call(t, h, http.MethodGet, "/open311/v2/requests/1.json?jurisdiction_id=city.gov", "", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	a := r.array(t)
	require.Len(t, a, 1)
	require.Equal(t, requestKeys, keys(a[0]))
	require.Equal(t, "1", a[0]["service_request_id"])
	require.Equal(t, "open", a[0]["status"])
	require.Equal(t, "待受理", a[0]["status_notes"])
	require.Equal(t, "道路塌陷", a[0]["service_name"])
	require.Equal(t, 37.76524078, a[0]["lat"])
	require.Equal(t, -122.4212043, a[0]["long"])
	require.Equal(t, "http://example.com/image.jpg", a[0]["media_url"])
}

func TestOpen311PostMultipart(t *testing.T) {
	f := newFakeDispatch()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, kv := range [][2]string{{"api_key", "xyz"}, {"service_code", "02.03.01"}, {"address_string", "贺兰山南寺景区"},
		{"description", "山脊有烟"}, {"first_name", "三"}, {"last_name", "张"}} {
		require.NoError(t, mw.WriteField(kv[0], kv[1]))
	}
	require.NoError(t, mw.Close())
	r := call(t, dispatchServer(f), http.MethodPost, "/open311/v2/requests.json", mw.FormDataContentType(), body.String())
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.Equal(t, "1", r.array(t)[0]["service_request_id"])
	require.Equal(t, "贺兰山南寺景区", f.lastReport.Address)
	require.Nil(t, f.lastReport.Lat)
	require.Equal(t, "三 张", f.lastReport.Reporter.Name)
	require.Nil(t, f.lastReport.Photos)
}

func TestOpen311Roles(t *testing.T) {
	for role, post := range map[string]int{
		dispatch.RoleViewer: http.StatusForbidden, dispatch.RoleAgency: http.StatusForbidden, dispatch.RoleSupervisor: http.StatusForbidden,
		dispatch.RoleOperator: http.StatusCreated, dispatch.RoleGrid: http.StatusCreated,
	} {
		t.Run(role, func(t *testing.T) {
			f := newFakeDispatch()
			h := api.New(api.Options{Dispatch: f, Auth: fixedRole(role), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			read := http.StatusOK
			if role == dispatch.RoleAgency {
				read = http.StatusForbidden // an agency works its own queue
			}
			for _, path := range []string{"/open311/v2/services.json", "/open311/v2/services/001.json", "/open311/v2/requests.json"} {
				require.Equal(t, read, call(t, h, http.MethodGet, path, "", "").status, "%s reads %s", role, path)
			}
			r := call(t, h, http.MethodPost, "/open311/v2/requests.json", formType, specPost)
			require.Equal(t, post, r.status, "%s", r.body)
			if post == http.StatusCreated {
				require.Equal(t, "open311", f.lastReport.Source, "the source is open311 whoever posts")
			}
		})
	}
}

func TestOpen311PostErrors(t *testing.T) {
	for _, tc := range []struct {
		desc, contentType, body string
		serviceErr              error
		status                  int
		mention                 string
		reaches                 bool
	}{
		{desc: "no service_code", body: "api_key=xyz&lat=37.7&long=-122.4", status: 400, mention: "service_code"},
		{desc: "unknown service_code", body: "api_key=xyz&service_code=033&lat=37.7&long=-122.4", status: 404, mention: "033", reaches: true},
		{desc: "no location", body: "api_key=xyz&service_code=001&description=hole", status: 400, mention: "location"},
		{desc: "address_id only", body: "service_code=001&address_id=A-1234", status: 400, mention: "address_id"},
		{desc: "lat without long", body: "service_code=001&lat=37.7", status: 400, mention: "together"},
		{desc: "lat not a number", body: "service_code=001&lat=north&long=1", status: 400, mention: "numbers"},
		{desc: "lat out of range", body: "service_code=001&lat=91&long=105", status: 400, mention: "lat"},
		{desc: "long out of range", body: "service_code=001&lat=38&long=181", status: 400, mention: "long"},
		{desc: "media_url not http", body: "service_code=001&address_string=x&description=d&media_url=file%3A%2F%2F%2Fetc%2Fpasswd", status: 400, mention: "media_url"},
		{desc: "JSON body", contentType: "application/json", body: `{"service_code":"001"}`, status: 415, mention: "form"},
		{desc: "bad form", body: "service_code=%zz", status: 400, mention: "malformed"},
		{desc: "no description", body: "service_code=001&address_string=x", status: 400, mention: "description", reaches: true},
		{desc: "service says invalid", body: "service_code=001&address_string=x&description=d", serviceErr: fmt.Errorf("%w: description over 4000 characters", dispatch.ErrInvalid),
			status: 400, mention: "4000", reaches: true},
		{desc: "service refuses", body: "service_code=001&address_string=x&description=d", serviceErr: fmt.Errorf("%w: no", dispatch.ErrForbidden),
			status: 403, mention: "forbidden", reaches: true},
		{desc: "service breaks", body: "service_code=001&address_string=x&description=d", serviceErr: fmt.Errorf("disk full"),
			status: 500, mention: "internal error", reaches: true},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			f := newFakeDispatch()
			f.reportErr = tc.serviceErr
			ct := tc.contentType
			if ct == "" {
				ct = formType
			}
			r := call(t, dispatchServer(f), http.MethodPost, "/open311/v2/requests.json", ct, tc.body)
			r.open311Error(t, tc.status, tc.mention)
			require.Equal(t, tc.reaches, f.reports > 0)
		})
	}
}

// cst is China Standard Time.
var cst = time.FixedZone("CST", 8*60*60)

func TestOpen311Request(t *testing.T) {
	f := newFakeDispatch()
	created := time.Date(2026, 11, 21, 1, 2, 3, 0, time.UTC)
	c := f.add(model.Case{Source: "hotline", Category: "001", Title: "市政设施 › 道路塌陷", Description: "路面塌陷",
		Address: "巴彦浩特镇新华街", Lon: 105.67, Lat: 38.84, State: "dispatched", AgencyID: "roads-1",
		Photos:    []string{"https://img.example.cn/a.jpg", "https://img.example.cn/b.jpg"},
		CreatedAt: created, UpdatedAt: created.Add(time.Hour), ResolveDue: created.Add(48 * time.Hour)})
	h := dispatchServer(f)

	r := call(t, h, http.MethodGet, fmt.Sprintf("/open311/v2/requests/%d.json?jurisdiction_id=city.gov", c.ID), "", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.JSONEq(t, `[{
		"service_request_id": "1",
		"status": "open",
		"status_notes": "已派遣",
		"service_name": "道路塌陷",
		"service_code": "001",
		"description": "路面塌陷",
		"agency_responsible": "阿拉善左旗住建局",
		"service_notice": "",
		"requested_datetime": "2026-11-21T09:02:03+08:00",
		"updated_datetime": "2026-11-21T10:02:03+08:00",
		"expected_datetime": "2026-11-23T09:02:03+08:00",
		"address": "巴彦浩特镇新华街",
		"address_id": "",
		"zipcode": "",
		"lat": 38.84,
		"long": 105.67,
		"media_url": "https://img.example.cn/a.jpg"
	}]`, string(r.body))
	require.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))

	// No deadline, no point, no agency, no photo: null, null, "" and "".
	f.add(model.Case{Source: "open311", Category: "001", Address: "巴彦浩特镇", State: "reported", CreatedAt: created})
	r = call(t, h, http.MethodGet, "/open311/v2/requests/2.json", "", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	a := r.array(t)
	require.Equal(t, requestKeys, keys(a[0]))
	require.Nil(t, a[0]["expected_datetime"])
	require.Nil(t, a[0]["lat"])
	require.Nil(t, a[0]["long"])
	require.Equal(t, "", a[0]["agency_responsible"])
	require.Equal(t, "", a[0]["media_url"])

	// The spec's example id, which does not exist here.
	call(t, h, http.MethodGet, "/open311/v2/requests/638344.json?jurisdiction_id=city.gov", "", "").open311Error(t, 404, "638344")
	call(t, h, http.MethodGet, "/open311/v2/requests/abc.json", "", "").open311Error(t, 404, "abc")
	call(t, h, http.MethodGet, "/open311/v2/requests/1.xml", "", "").open311Error(t, 404, "JSON")
	call(t, h, http.MethodGet, "/open311/v2/requests/1", "", "").open311Error(t, 404, "no such endpoint")
}

func TestOpen311StatusMapping(t *testing.T) {
	f := newFakeDispatch()
	at := time.Now().Add(-time.Hour)
	for _, tc := range []struct {
		c             model.Case
		status, notes string
	}{
		{model.Case{State: "reported"}, "open", "待受理"},
		{model.Case{State: "registered"}, "open", "已立案"},
		{model.Case{State: "rejected", RejectReason: "不属于城市管理范围"}, "closed", "不属于城市管理范围"},
		{model.Case{State: "rejected"}, "closed", "不予立案"},
		{model.Case{State: "dispatched"}, "open", "已派遣"},
		{model.Case{State: "accepted"}, "open", "处置中"},
		{model.Case{State: "returned", ReturnReason: "非本部门职责"}, "open", "退回"},
		{model.Case{State: "resolved", Resolution: "已回填修复"}, "open", "已回填修复"},
		{model.Case{State: "resolved"}, "open", "已反馈"},
		{model.Case{State: "closed", Resolution: "已回填修复"}, "closed", "已回填修复"},
		{model.Case{State: "closed"}, "closed", "已结案"},
		{model.Case{State: "suspended", SuspendReason: "待汛期后施工"}, "open", "挂账"},
	} {
		tc.c.Category, tc.c.Address, tc.c.CreatedAt = "001", "x", at
		c := f.add(tc.c)
		r := call(t, dispatchServer(f), http.MethodGet, fmt.Sprintf("/open311/v2/requests/%d.json", c.ID), "", "")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		a := r.array(t)
		require.Equal(t, tc.status, a[0]["status"], "state %s", tc.c.State)
		require.Equal(t, tc.notes, a[0]["status_notes"], "state %s", tc.c.State)
	}
}

// ids returns the service_request_ids of a GET requests.json answer.
func ids(t testing.TB, r result) []string {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var out []string
	for _, q := range r.array(t) {
		require.Equal(t, requestKeys, keys(q))
		out = append(out, q["service_request_id"].(string))
	}
	return out
}

func TestOpen311Requests(t *testing.T) {
	f := newFakeDispatch()
	day := func(d int) time.Time { return time.Date(2010, 6, d, 12, 0, 0, 0, time.UTC) }
	f.add(model.Case{Category: "001", Address: "a", State: "dispatched", CreatedAt: day(1)})                    // 1: open
	f.add(model.Case{Category: "001", Address: "b", State: "closed", CreatedAt: day(2)})                        // 2: closed
	f.add(model.Case{Category: "02.03.01", Address: "c", State: "rejected", CreatedAt: day(3)})                 // 3: closed
	f.add(model.Case{Category: "02.03.01", Address: "d", State: "accepted", CreatedAt: day(4)})                 // 4: open
	f.add(model.Case{Category: "001", Address: "e", State: "reported", CreatedAt: day(30)})                     // 5: after the window
	f.add(model.Case{Category: "001", Address: "f", State: "reported", CreatedAt: time.Now().Add(-time.Hour)})  // 6: recent
	f.add(model.Case{Category: "001", Address: "g", State: "closed", CreatedAt: time.Now().AddDate(0, 0, -91)}) // 7: older than 90 days
	h := dispatchServer(f)
	get := func(query string) result {
		return call(t, h, http.MethodGet, "/open311/v2/requests.json"+query, "", "")
	}

	// The spec's example: open requests between two dates, newest first.
	require.Equal(t, []string{"4", "1"}, ids(t, get("?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=open")))
	require.Equal(t, []string{"3", "2"}, ids(t, get("?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=closed")))
	require.Equal(t, []string{"4", "3", "2", "1"}, ids(t, get("?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=open,closed")))
	require.Equal(t, []string{"4", "3", "2", "1"}, ids(t, get("?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z")))
	require.Equal(t, []string{"2", "1"}, ids(t, get("?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&service_code=001")))
	require.Equal(t, []string{"4", "3", "2", "1"}, ids(t, get("?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&service_code=001,02.03.01")))
	// Offsets are honoured and end_date is included.
	require.Equal(t, []string{"2", "1"}, ids(t, get("?start_date=2010-06-01T20:00:00%2B08:00&end_date=2010-06-02T20:00:00%2B08:00")))
	// Only a start: the 90 days from it.
	require.Equal(t, []string{"5", "4", "3"}, ids(t, get("?start_date=2010-06-03T00:00:00Z")))
	// No dates: the last 90 days.
	require.Equal(t, []string{"6"}, ids(t, get("")))
	require.Equal(t, []string{"6"}, ids(t, get("?status=open&jurisdiction_id=city.gov")))
	require.Empty(t, ids(t, get("?status=closed")))
	require.Equal(t, "[]\n", string(get("?status=closed").body), "an empty answer is an empty array")
	// service_request_id overrides the rest; unknown ids are left out.
	require.Equal(t, []string{"7", "3", "1"}, ids(t, get("?service_request_id=7,3,99,1&status=open&service_code=001")))

	for query, mention := range map[string]string{
		"?start_date=2010-01-01T00:00:00Z&end_date=2010-06-24T00:00:00Z": "90 days",
		"?start_date=2010-06-24T00:00:00Z&end_date=2010-06-01T00:00:00Z": "before",
		"?start_date=2010-06-24":  "start_date",
		"?end_date=yesterday":     "end_date",
		"?status=pending":         "pending",
		"?service_request_id=1,x": "service_request_id",
	} {
		get(query).open311Error(t, http.StatusBadRequest, mention)
	}
}

func TestOpen311RequestsLimit(t *testing.T) {
	f := newFakeDispatch()
	at := time.Now().Add(-time.Hour)
	for i := range 1001 {
		f.add(model.Case{Category: "001", Address: "x", State: "reported", CreatedAt: at.Add(time.Duration(i) * time.Second)})
	}
	got := ids(t, call(t, dispatchServer(f), http.MethodGet, "/open311/v2/requests.json", "", ""))
	require.Len(t, got, 1000)
	require.Equal(t, "1001", got[0], "newest first")
	require.Equal(t, "2", got[999])
}

func TestOpen311Fallback(t *testing.T) {
	h := dispatchServer(newFakeDispatch())

	r := call(t, h, http.MethodPost, "/open311/v2/services.json", formType, "")
	r.open311Error(t, http.StatusMethodNotAllowed, "GET")
	require.Equal(t, "GET", r.header.Get("Allow"))

	r = call(t, h, http.MethodDelete, "/open311/v2/requests.json", "", "")
	r.open311Error(t, http.StatusMethodNotAllowed, "DELETE")
	require.Equal(t, "GET, POST", r.header.Get("Allow"))

	call(t, h, http.MethodGet, "/open311/v2/requests.xml", "", "").open311Error(t, 404, "JSON")
	call(t, h, http.MethodPost, "/open311/v2/requests.xml", formType, specPost).open311Error(t, 404, "JSON")
	call(t, h, http.MethodGet, "/open311/v2/discovery.json", "", "").open311Error(t, 404, "no such endpoint")
}
