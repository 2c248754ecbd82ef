package live

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

const (
	writeWait  = 5 * time.Second
	pongWait   = 60 * time.Second
	pingPeriod = 25 * time.Second
)

var upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 64 << 10}

// ServeHTTP upgrades to a WebSocket and streams the snapshot and deltas
// (docs/screen-protocol.md). ?since=SEQ resumes.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var since uint64
	hasSince := false
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			http.Error(w, "since must be a sequence number", http.StatusBadRequest)
			return
		}
		since, hasSince = n, true
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	sub := h.Subscribe(since, hasSince)
	go h.readLoop(conn, sub)
	h.writeLoop(conn, sub)
}

// readLoop discards what the screen sends and notices when it goes away.
func (h *Hub) readLoop(conn *websocket.Conn, sub *Subscriber) {
	defer h.Unsubscribe(sub)
	conn.SetReadLimit(4096)
	_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
	}
}

func (h *Hub) writeLoop(conn *websocket.Conn, sub *Subscriber) {
	ping := time.NewTicker(pingPeriod)
	defer func() {
		ping.Stop()
		h.Unsubscribe(sub)
		conn.Close()
	}()
	for {
		select {
		case frame := <-sub.Frames():
			if !write(conn, websocket.TextMessage, frame) {
				return
			}
		case <-sub.Gone():
			closeWith(conn, sub)
			return
		case <-ping.C:
			if !write(conn, websocket.PingMessage, nil) {
				return
			}
		}
	}
}

func write(conn *websocket.Conn, typ int, b []byte) bool {
	_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
	return conn.WriteMessage(typ, b) == nil
}

// closeWith tells the screen why it is being disconnected.
func closeWith(conn *websocket.Conn, sub *Subscriber) {
	var msg []byte
	switch {
	case sub.failed.Load():
		msg = websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "slow consumer")
	case sub.closing.Load():
		msg = websocket.FormatCloseMessage(websocket.CloseGoingAway, "hub shutting down")
	default:
		return
	}
	_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
	_ = conn.WriteMessage(websocket.CloseMessage, msg)
}
