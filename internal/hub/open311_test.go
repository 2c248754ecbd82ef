package hub_test

import (
	"encoding/json"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Open311 GeoReport v2 with curl, shaped exactly like the specification's
// examples (service list, a POST of form fields, a GET of requests by date
// and status, a GET of one request), against a running hub.
func TestOpen311WithCurl(t *testing.T) {
	curl := binary(t, "apt-get install curl", "curl")
	h := startHub(t)
	run := func(args ...string) []byte {
		t.Helper()
		out, err := exec.Command(curl, append([]string{"-sS", "--fail-with-body", "-H", "Authorization: Bearer " + h.token}, args...)...).CombinedOutput()
		require.NoError(t, err, "curl %v: %s", args, out)
		return out
	}

	var services []map[string]any
	require.NoError(t, json.Unmarshal(run(h.base+"/open311/v2/services.json"), &services))
	require.NotEmpty(t, services)
	codes := map[string]bool{}
	for _, s := range services {
		codes[s["service_code"].(string)] = true
		require.Equal(t, false, s["metadata"])
		require.Equal(t, "realtime", s["type"])
	}
	require.True(t, codes["01.01.01"], "井盖缺失 is offered")

	// The specification's POST, with a service code of ours and a point in 巴彦浩特.
	var created []map[string]any
	require.NoError(t, json.Unmarshal(run("-X", "POST", h.base+"/open311/v2/requests.json", "-d",
		"api_key=xyz&service_code=01.01.01&lat=38.84&long=105.67&address_string=%E5%B7%B4%E5%BD%A6%E6%B5%A9%E7%89%B9%E9%95%87%E7%8E%8B%E5%BA%9C%E8%A1%97"+
			"&email=smit222%40sfgov.edu&device_id=tt222111&account_id=123456&first_name=john&last_name=smith&phone=111111111"+
			"&description=A+large+sinkhole+is+destroying+the+street&media_url=http%3A%2F%2Fwww.google.com%2Fimages%2Flogos%2Fps_logo2.png"), &created))
	require.Len(t, created, 1)
	id := created[0]["service_request_id"].(string)
	require.NotEmpty(t, id)
	require.Contains(t, created[0], "service_notice")
	require.Contains(t, created[0], "account_id")

	day := time.Now().UTC()
	var list []map[string]any
	require.NoError(t, json.Unmarshal(run(h.base+"/open311/v2/requests.json?start_date="+day.Add(-24*time.Hour).Format(time.RFC3339)+
		"&end_date="+day.Add(time.Hour).Format(time.RFC3339)+"&status=open"), &list))
	require.Len(t, list, 1)
	require.Equal(t, id, list[0]["service_request_id"])

	var one []map[string]any
	require.NoError(t, json.Unmarshal(run(h.base+"/open311/v2/requests/"+id+".json"), &one))
	require.Len(t, one, 1)
	r := one[0]
	require.Equal(t, "open", r["status"])
	require.Equal(t, "01.01.01", r["service_code"])
	require.Equal(t, "井盖缺失", r["service_name"])
	require.Equal(t, 38.84, r["lat"])
	require.Equal(t, 105.67, r["long"])
	require.Equal(t, "http://www.google.com/images/logos/ps_logo2.png", r["media_url"])
	require.Equal(t, "A large sinkhole is destroying the street", r["description"])

	out, err := exec.Command(curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer "+h.token,
		h.base+"/open311/v2/requests/999999.json").Output()
	require.NoError(t, err)
	require.Equal(t, "404", string(out))
}
