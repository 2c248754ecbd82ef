package hub_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/hub"
)

// hub devices add registers a device in the data dir and prints its secret
// once; a hub started on that dir admits it.
func TestDevicesAddCLI(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	err := hub.Main(context.Background(), []string{"devices", "add", "--data-dir", dir, "--id", "el-cli-1",
		"--kind", "elevator", "--lon", "105.68", "--lat", "38.85", "--name", "CLI 电梯"}, &out, log)
	require.NoError(t, err)
	require.Contains(t, out.String(), "152921 阿拉善左旗")
	m := regexp.MustCompile(`MQTT password: (\S+)`).FindStringSubmatch(out.String())
	require.Len(t, m, 2, out.String())

	err = hub.Main(context.Background(), []string{"devices", "add", "--data-dir", dir, "--id", "el-cli-1",
		"--kind", "elevator", "--lon", "105.68", "--lat", "38.85"}, io.Discard, log)
	require.ErrorContains(t, err, "already exists")

	out.Reset()
	require.NoError(t, hub.Main(context.Background(), []string{"devices", "list", "--data-dir", dir}, &out, log))
	require.Contains(t, out.String(), "el-cli-1")

	// An administrator's token, made the same way, reads the device back.
	out.Reset()
	require.NoError(t, hub.Main(context.Background(), []string{"tokens", "create", "--data-dir", dir,
		"--name", "值班长 李四", "--role", "admin"}, &out, log))
	token := regexp.MustCompile(`ywt_[0-9a-f]{12}_\S+`).FindString(out.String())
	require.NotEmpty(t, token, out.String())
	out.Reset()
	require.NoError(t, hub.Main(context.Background(), []string{"tokens", "list", "--data-dir", dir}, &out, log))
	require.Contains(t, out.String(), "值班长 李四")
	require.NotContains(t, out.String(), token[16:], "the list shows no secret")

	h, err := hub.Start(context.Background(), hub.Options{HTTPAddr: "127.0.0.1:0", MQTTAddr: "127.0.0.1:0", DataDir: dir, Logger: log})
	require.NoError(t, err)
	defer h.Close()
	th := &testHub{Hub: h, base: "http://" + h.HTTPAddr(), token: token}
	c := th.connect(t, "el-cli-1", m[1])
	publish(t, c, "devices/el-cli-1/telemetry", sample(1, map[string]any{"floor": 3, "door_open": false, "direction": "up"}))
	require.Eventually(t, func() bool { return th.device(t, "el-cli-1").Values["direction"] == 1 }, waitLong, tick)

	// Revoked from the command line beside the running hub: refused within
	// the hub's recheck interval.
	require.NoError(t, hub.Main(context.Background(), []string{"tokens", "revoke", "--data-dir", dir, tokenID(token)}, io.Discard, log))
	require.Eventually(t, func() bool {
		st, body := th.raw(t, http.MethodGet, "/api/v1/devices/el-cli-1", token)
		return st == http.StatusUnauthorized && strings.Contains(body, "revoked")
	}, waitLong, tick, "the running hub refuses the revoked token")
}
