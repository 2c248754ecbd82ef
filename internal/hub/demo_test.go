package hub_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/hub"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/sqlite"
)

// TestDemo is the README's first command, `hub --demo`, in-process: the
// demo fleet publishes over the embedded broker, each role gets a token in
// data/demo-tokens.txt (its making audited), a page without a token is
// refused, and a restart keeps the same tokens rather than making more.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	start := func() *hub.Hub {
		h, err := hub.Start(context.Background(), hub.Options{DataDir: dir, HTTPAddr: "127.0.0.1:0", MQTTAddr: "127.0.0.1:0",
			Demo: true, DemoRate: 2, Logger: testLogger()})
		require.NoError(t, err)
		return h
	}
	h := start()
	base := "http://" + h.HTTPAddr()
	path := filepath.Join(dir, "demo-tokens.txt")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the tokens are for the machine's owner")
	tokens := demoTokenFile(t, path)
	require.Len(t, tokens, 9, "a token per role, and two agencies'")

	get := func(path, token string, out any) int {
		t.Helper()
		status, b := send(t, http.MethodGet, base+path, token, nil)
		if out != nil && status == http.StatusOK {
			require.NoError(t, json.Unmarshal(b, out))
		}
		return status
	}
	roles := map[string]int{}
	for name, tok := range tokens {
		var me struct{ Role, Agency string }
		require.Equal(t, http.StatusOK, get("/api/v1/me", tok, &me), name)
		if me.Role == "agency" {
			require.NotEmpty(t, me.Agency, name)
		} else {
			require.Contains(t, name, "("+me.Role+")")
		}
		roles[me.Role]++
	}
	require.Equal(t, 2, roles["agency"])
	require.Equal(t, http.StatusUnauthorized, get("/api/v1/devices", "", nil), "no token, no data")

	viewer := tokens["大屏 (viewer)"]
	require.NotEmpty(t, viewer)
	require.Eventually(t, func() bool { // the in-process fleet publishes over real MQTT
		var out struct{ Devices []engine.DeviceView }
		if get("/api/v1/devices", tokens["管理员 (admin)"], &out) != http.StatusOK {
			return false
		}
		sending := 0
		for _, d := range out.Devices {
			if len(d.Values) > 0 {
				sending++
			}
		}
		return len(out.Devices) >= 20 && sending >= 10
	}, waitLong, tick, "the demo fleet's readings reach the hub")
	require.NoError(t, h.Close())

	h = start()
	defer func() { require.NoError(t, h.Close()) }()
	require.Equal(t, tokens, demoTokenFile(t, path), "a restart keeps the demo's tokens")

	st, err := sqlite.OpenFile(context.Background(), filepath.Join(dir, sqlite.FileName))
	require.NoError(t, err)
	defer st.Close()
	all, err := st.ListAudit(context.Background(), store.AuditFilter{})
	require.NoError(t, err)
	made := 0
	for _, e := range all {
		if e.Action == "token.create" {
			made++
			require.Equal(t, "hub", e.Actor)
		}
	}
	require.Equal(t, 9, made, "each demo token's making is audited, once")
}

// demoTokenFile reads demo-tokens.txt: name → token.
func demoTokenFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, tok, ok := strings.Cut(sc.Text(), "\t"); ok && !strings.HasPrefix(name, "#") {
			out[name] = tok
		}
	}
	require.NoError(t, sc.Err())
	return out
}
