package hub_test

import (
	"fmt"
	"net"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// Interop with a client no one here wrote: Debian's mosquitto_pub publishes
// to the embedded broker with a device's credentials and the reading shows up.
func TestMosquittoPubInterop(t *testing.T) {
	eachShape(t, func(t *testing.T, sh shape) {
		bin := binary(t, "apt-get install mosquitto-clients", "mosquitto_pub")
		h := startShape(t, sh)
		secret := h.register(t, hydrologyStation("hy-mosq"))
		host, port, err := net.SplitHostPort(h.MQTTAddr())
		require.NoError(t, err)
		payload := fmt.Sprintf(`{"ts":%q,"seq":1,"values":{"water_level_m":1068.25,"rain_mm":1.5}}`, now())
		out, err := exec.Command(bin, "-h", host, "-p", port, "-i", "hy-mosq", "-u", "hy-mosq", "-P", secret,
			"-q", "1", "-t", "devices/hy-mosq/telemetry", "-m", payload).CombinedOutput()
		require.NoError(t, err, "mosquitto_pub: %s", out)
		require.Eventually(t, func() bool { return h.device(t, "hy-mosq").Values["water_level_m"] == 1068.25 }, waitLong, tick)

		out, err = exec.Command(bin, "-h", host, "-p", port, "-u", "hy-mosq", "-P", "wrong", "-q", "1",
			"-t", "devices/hy-mosq/telemetry", "-m", payload).CombinedOutput()
		require.Error(t, err, "a wrong password must be refused: %s", out)
	})
}
