package hub_test

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/stretchr/testify/require"
)

type statusView struct {
	Online bool   `json:"online"`
	FW     string `json:"fw"`
}

// A retained online status marks the device online; when its connection
// dies without a DISCONNECT the broker publishes its last will, which the hub
// ingests: the device is offline with what the will said.
func TestStatusAndLastWill(t *testing.T) {
	eachShape(t, func(t *testing.T, sh shape) {
		h := startShape(t, sh)
		secret := h.register(t, hydrologyStation("hy-will"))
		status := func() statusView {
			var v statusView
			h.call(t, "GET", "/api/v1/devices/hy-will", nil, &v)
			return v
		}

		conn, err := net.Dial("tcp", h.MQTTAddr())
		require.NoError(t, err)
		defer conn.Close()
		connect := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connect}, ProtocolVersion: 4,
			Connect: packets.ConnectParams{ProtocolName: []byte("MQTT"), Clean: true, Keepalive: 60, ClientIdentifier: "hy-will",
				UsernameFlag: true, Username: []byte("hy-will"), PasswordFlag: true, Password: []byte(secret),
				WillFlag: true, WillTopic: "devices/hy-will/status", WillQos: 1, WillRetain: true,
				WillPayload: []byte(`{"state":"offline","fw":"will-fw"}`)}}
		var buf bytes.Buffer
		require.NoError(t, connect.ConnectEncode(&buf))
		_, err = conn.Write(buf.Bytes())
		require.NoError(t, err)
		connack := make([]byte, 4)
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err = conn.Read(connack)
		require.NoError(t, err)
		require.Equal(t, []byte{0x20, 0x02, 0x00, 0x00}, connack, "CONNACK accepted")

		online := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Retain: true}, ProtocolVersion: 4,
			TopicName: "devices/hy-will/status", Payload: []byte(`{"state":"online","ts":"` + now() + `","fw":"2.1.0"}`)}
		buf.Reset()
		require.NoError(t, online.PublishEncode(&buf))
		_, err = conn.Write(buf.Bytes())
		require.NoError(t, err)
		require.Eventually(t, func() bool { return status() == statusView{Online: true, FW: "2.1.0"} }, waitLong, tick)

		require.NoError(t, conn.Close()) // no DISCONNECT: the will fires
		require.Eventually(t, func() bool { return status() == statusView{Online: false, FW: "will-fw"} }, waitLong, tick)
	})
}
