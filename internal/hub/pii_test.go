package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/access"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/hub"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/pii"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/sqlite"
)

// piiHub is a hub on a data directory that outlives it, with a token per
// role it was asked for.
type piiHub struct {
	*hub.Hub
	base   string
	tokens map[string]string
}

func startPIIHub(t *testing.T, dir string) *piiHub {
	t.Helper()
	h, err := hub.Start(context.Background(), hub.Options{DataDir: dir, HTTPAddr: "127.0.0.1:0", MQTTAddr: "127.0.0.1:0",
		Logger: testLogger()})
	require.NoError(t, err)
	ph := &piiHub{Hub: h, base: "http://" + h.HTTPAddr(), tokens: map[string]string{}}
	for _, role := range access.Roles {
		agency := ""
		if role == dispatch.RoleAgency {
			agency = "alsz-forestry"
		}
		ph.tokens[role], err = h.IssueToken(context.Background(), "pii "+role, role, agency)
		require.NoError(t, err)
	}
	return ph
}

// GET /api/v1/me tells each role what the hub will answer when it asks for
// a reporter: "all" is shown any case's, "none" is refused, and
// "own_cases" (agency) is refused a case not yet given to its agency.
func TestMeSaysWhoMayUnmask(t *testing.T) {
	h := startPIIHub(t, t.TempDir())
	id := h.report(t, "钱多多", "13912345678")
	for role := range h.tokens {
		if role == access.RoleBroker {
			continue
		}
		t.Run(role, func(t *testing.T) {
			status, b := h.do(t, role, http.MethodGet, "/api/v1/me", "")
			require.Equal(t, http.StatusOK, status, "%s", b)
			var me struct {
				MayUnmask string `json:"may_unmask"`
			}
			require.NoError(t, json.Unmarshal(b, &me))
			status, b = h.do(t, role, http.MethodGet, "/api/v1/cases/"+id+"/reporter", "")
			switch me.MayUnmask {
			case "all":
				require.Equal(t, http.StatusOK, status, "%s", b)
				require.Contains(t, string(b), "13912345678")
			case "own_cases", "none": // own_cases: not given to the agency yet
				require.Equal(t, http.StatusForbidden, status, "%s", b)
			default:
				t.Fatalf("may_unmask %q", me.MayUnmask)
			}
		})
	}
	for _, step := range []struct{ role, action string }{{dispatch.RoleOperator, "register"}, {dispatch.RoleDispatcher, "dispatch"}} {
		status, b := h.do(t, step.role, http.MethodPost, "/api/v1/cases/"+id+"/"+step.action, `{}`)
		require.Equal(t, http.StatusOK, status, "%s: %s", step.action, b)
	}
	status, b := h.do(t, dispatch.RoleAgency, http.MethodGet, "/api/v1/cases/"+id+"/reporter", "")
	require.Equal(t, http.StatusOK, status, "own_cases: once the case is its agency's, %s", b)
}

func (h *piiHub) do(t *testing.T, role, method, path, body string) (int, []byte) {
	t.Helper()
	return send(t, method, h.base+path, h.tokens[role], []byte(body))
}

// report files a hotline report by name, phone and returns the case id.
func (h *piiHub) report(t *testing.T, name, phone string) string {
	t.Helper()
	status, b := h.do(t, dispatch.RoleOperator, http.MethodPost, "/api/v1/reports",
		`{"category":"02.03.01","description":"贺兰山西坡有烟","lon":105.856,"lat":38.719,"reporter":{"name":"`+name+`","phone":"`+phone+`"}}`)
	require.Equal(t, http.StatusCreated, status, "%s", b)
	require.NotContains(t, string(b), phone)
	var c model.Case
	require.NoError(t, json.Unmarshal(b, &c))
	return strconv.FormatInt(c.ID, 10)
}

// unmask asks for a case's reporter as an operator.
func (h *piiHub) unmask(t *testing.T, id string) model.Person {
	t.Helper()
	status, b := h.do(t, dispatch.RoleOperator, http.MethodGet, "/api/v1/cases/"+id+"/reporter", "")
	require.Equal(t, http.StatusOK, status, "%s", b)
	var p model.Person
	require.NoError(t, json.Unmarshal(b, &p))
	return p
}

func cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := hub.Main(context.Background(), args, &out, testLogger())
	return out.String(), err
}

// TestPIIAtRestAndUnmask: the hub makes its key file, keeps the reporter
// out of its database file, masks it in responses and opens it, audited,
// to an operator only.
func TestPIIAtRestAndUnmask(t *testing.T) {
	dir := t.TempDir()
	h := startPIIHub(t, dir)
	fi, err := os.Stat(filepath.Join(dir, pii.FileName))
	require.NoError(t, err, "the key file is created on first start")
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	id := h.report(t, "钱多多", "13912345678")
	status, b := h.do(t, dispatch.RoleViewer, http.MethodGet, "/api/v1/cases/"+id, "")
	require.Equal(t, http.StatusOK, status, "%s", b)
	require.Contains(t, string(b), `"reporter":{"name":"钱**","phone":"139****5678","masked":true}`)
	status, b = h.do(t, dispatch.RoleViewer, http.MethodGet, "/api/v1/cases/"+id+"/reporter", "")
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, string(b), "role viewer may not see a reporter's contact")
	require.Equal(t, model.Person{Name: "钱多多", Phone: "13912345678"}, h.unmask(t, id))

	// A number typed into the description: masked in the case and in the
	// Open311 view, the text as written only behind the audited unmasking.
	said := "群众来电15012345678，贺兰山东坡有烟"
	status, b = h.do(t, dispatch.RoleOperator, http.MethodPost, "/api/v1/reports",
		`{"category":"02.03.01","description":"`+said+`","lon":105.9,"lat":38.7}`)
	require.Equal(t, http.StatusCreated, status, "%s", b)
	require.Contains(t, string(b), `"description":"群众来电150****5678，贺兰山东坡有烟"`)
	require.Contains(t, string(b), `"text_masked":true`)
	var typed model.Case
	require.NoError(t, json.Unmarshal(b, &typed))
	status, b = h.do(t, dispatch.RoleViewer, http.MethodGet, "/open311/v2/requests.json", "")
	require.Equal(t, http.StatusOK, status, "%s", b)
	require.Contains(t, string(b), "150****5678")
	require.NotContains(t, string(b), "15012345678")
	require.Equal(t, said, h.unmask(t, strconv.FormatInt(typed.ID, 10)).Description)
	require.NoError(t, h.Close())

	for _, f := range []string{sqlite.FileName, sqlite.FileName + "-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		require.True(t, f != sqlite.FileName || bytes.Contains(b, []byte("贺兰山西坡有烟")), "the grep reaches the cases")
		for _, plain := range []string{"钱多多", "13912345678", "15012345678"} {
			require.False(t, bytes.Contains(b, []byte(plain)), "%s holds %s", f, plain)
		}
	}

	st, err := sqlite.OpenFile(context.Background(), filepath.Join(dir, sqlite.FileName))
	require.NoError(t, err)
	defer st.Close()
	es, err := st.ListAudit(context.Background(), store.AuditFilter{Target: "case:" + id})
	require.NoError(t, err)
	var unmaskings []string
	for _, e := range es {
		if e.Action == "pii.unmask" {
			unmaskings = append(unmaskings, e.Role+" "+e.Outcome)
			require.NotEmpty(t, e.Remote)
		}
	}
	require.Len(t, unmaskings, 2, "those of case %s", id)
	require.True(t, strings.HasPrefix(unmaskings[0], "viewer forbidden: "), unmaskings[0])
	require.Equal(t, "operator ok", unmaskings[1])
}

// TestPIIKeyRotationWhileRunning: rotate-key and reseal beside a running
// hub; the hub opens the resealed reporters with the key it had not read.
func TestPIIKeyRotationWhileRunning(t *testing.T) {
	dir := t.TempDir()
	h := startPIIHub(t, dir)
	defer func() { require.NoError(t, h.Close()) }()
	id := h.report(t, "钱多多", "13912345678")

	out, err := cli(t, "pii", "rotate-key", "--data-dir", dir)
	require.NoError(t, err)
	require.Contains(t, out, "running hubs that use this file seal with it from their next report")
	out, err = cli(t, "pii", "reseal", "--data-dir", dir)
	require.NoError(t, err)
	require.Contains(t, out, "resealed 1 with v2")
	require.Equal(t, model.Person{Name: "钱多多", Phone: "13912345678"}, h.unmask(t, id), "no restart needed")
}

// TestPIIKeyRotation walks the operator's rotation: rotate-key, restart,
// reseal, drop-key, restart — every reporter opens throughout.
func TestPIIKeyRotation(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, pii.FileName)
	h := startPIIHub(t, dir)
	old := h.report(t, "钱多多", "13912345678")
	require.NoError(t, h.Close())

	out, err := cli(t, "pii", "rotate-key", "--data-dir", dir)
	require.NoError(t, err)
	require.Contains(t, out, "added key version 2 to "+keyFile)

	h = startPIIHub(t, dir)
	require.Equal(t, "钱多多", h.unmask(t, old).Name, "a v1 case opens after v2 is added")
	fresh := h.report(t, "孙新", "13700001111")
	require.NoError(t, h.Close())

	out, err = cli(t, "pii", "status", "--data-dir", dir)
	require.NoError(t, err)
	require.Contains(t, out, "versions 1, 2; v2 seals")
	require.Contains(t, out, "sealed with v1: 1, v2: 1; in plain text: 0")
	_, err = cli(t, "pii", "drop-key", "--data-dir", dir, "--version", "1")
	require.ErrorContains(t, err, "1 reporters are still sealed with v1: run hub pii reseal first")

	out, err = cli(t, "pii", "reseal", "--data-dir", dir)
	require.NoError(t, err)
	require.Contains(t, out, "2 cases read; reporters found sealed with v1: 1, v2: 1, in plain text: 0; resealed 1 with v2")
	out, err = cli(t, "pii", "drop-key", "--data-dir", dir, "--version", "1")
	require.NoError(t, err, out)
	k, err := pii.Load(keyFile)
	require.NoError(t, err)
	require.Equal(t, []int{2}, k.Versions())

	h = startPIIHub(t, dir)
	require.Equal(t, "钱多多", h.unmask(t, old).Name, "resealed: opens without v1")
	require.Equal(t, "孙新", h.unmask(t, fresh).Name)
	require.NoError(t, h.Close())

	st, err := sqlite.OpenFile(context.Background(), filepath.Join(dir, sqlite.FileName))
	require.NoError(t, err)
	es, err := st.ListAudit(context.Background(), store.AuditFilter{})
	require.NoError(t, err)
	require.NoError(t, st.Close())
	var admin []string
	for _, e := range es {
		if strings.HasPrefix(e.Action, "pii.") && e.Action != "pii.unmask" {
			admin = append(admin, e.Action+" "+e.Target)
		}
	}
	require.Equal(t, []string{"pii.reseal case:" + old, "pii.reseal cases", "pii.drop-key pii-key:v1"}, admin,
		"the reseal of each case, the run, and the dropped key are audited")

	// The keys may come from HUB_PII_KEYS instead; a file is then neither
	// read nor written.
	b, err := os.ReadFile(keyFile)
	require.NoError(t, err)
	var v2 string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "2:") {
			v2 = line
		}
	}
	t.Setenv("HUB_PII_KEYS", v2)
	require.NoError(t, os.Remove(keyFile))
	out, err = cli(t, "pii", "status", "--data-dir", dir)
	require.NoError(t, err)
	require.Contains(t, out, "keys: HUB_PII_KEYS — versions 2; v2 seals")
	require.Contains(t, out, "0 to reseal")
	_, err = cli(t, "pii", "rotate-key", "--data-dir", dir)
	require.ErrorContains(t, err, "HUB_PII_KEYS is set")
	_, err = os.Stat(keyFile)
	require.ErrorIs(t, err, os.ErrNotExist)
}
