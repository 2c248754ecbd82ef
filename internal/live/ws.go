package live

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

const (
	writeWait  = 5 * time.Second
	pongWait   = 60 * time.Second
	pingPeriod = 25 * time.Second
)

// The write buffer only frames messages: batchConn gathers them for the
// network, so a small one serves (a big snapshot goes out in fragments).
var upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 8 << 10}

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
	hj := &batching{ResponseWriter: w}
	conn, err := upgrader.Upgrade(hj, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	if hj.conn == nil || hj.conn.Flush() != nil { // the handshake response
		conn.Close()
		return
	}
	sub := h.Subscribe(since, hasSince)
	go h.readLoop(conn, sub, hj.conn)
	h.writeLoop(conn, sub, hj.conn)
}

// batching hands the upgrader a connection whose writes are buffered
// until the write loop flushes: frames queued for a screen go out in one
// write system call rather than one each (with a thousand screens the
// per-frame calls were a fifth of the hub's CPU). The protocol is
// unchanged: still one WebSocket message per frame.
type batching struct {
	http.ResponseWriter
	conn *batchConn
}

func (b *batching) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := b.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("live: the connection cannot be taken over")
	}
	c, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	b.conn = &batchConn{Conn: c, w: bufio.NewWriterSize(c, 32<<10)}
	return b.conn, rw, nil
}

// batchConn buffers writes until Flush. The write loop writes frames and
// flushes; the read side may write a pong or a close reply (and flushes
// it at once), hence the lock.
type batchConn struct {
	net.Conn
	mu sync.Mutex
	w  *bufio.Writer
}

func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(p) > c.w.Available() { // bufio writes through to the connection now
		_ = c.Conn.SetWriteDeadline(time.Now().Add(writeWait))
	}
	return c.w.Write(p)
}

// SetWriteDeadline is a no-op: gorilla sets a deadline before every frame,
// which costs a poller update each time, while nothing reaches the network
// but through Flush or a full buffer, which set their own.
func (c *batchConn) SetWriteDeadline(time.Time) error { return nil }

// Flush sends what is buffered, within writeWait.
func (c *batchConn) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.w.Buffered() == 0 {
		return nil
	}
	_ = c.Conn.SetWriteDeadline(time.Now().Add(writeWait))
	return c.w.Flush()
}

// maxBatch bounds the frames written before a flush.
const maxBatch = 256

// readLoop discards what the screen sends and notices when it goes away.
func (h *Hub) readLoop(conn *websocket.Conn, sub *Subscriber, out *batchConn) {
	defer h.Unsubscribe(sub)
	conn.SetReadLimit(4096)
	// The replies gorilla writes from here (pong, close) go out at once.
	onPing := conn.PingHandler()
	conn.SetPingHandler(func(data string) error { err := onPing(data); _ = out.Flush(); return err })
	onClose := conn.CloseHandler()
	conn.SetCloseHandler(func(code int, text string) error { err := onClose(code, text); _ = out.Flush(); return err })
	_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
	}
}

func (h *Hub) writeLoop(conn *websocket.Conn, sub *Subscriber, out *batchConn) {
	ping := time.NewTicker(pingPeriod)
	defer func() {
		ping.Stop()
		h.Unsubscribe(sub)
		conn.Close()
	}()
	for {
		select {
		case frame := <-sub.Frames():
			if !write(conn, websocket.TextMessage, frame) || !drain(conn, sub) || !flush(out) {
				return
			}
		case <-sub.Gone():
			closeWith(conn, sub)
			_ = out.Flush()
			return
		case <-ping.C:
			if !write(conn, websocket.PingMessage, nil) || !flush(out) {
				return
			}
		}
	}
}

// drain writes the frames already queued, up to maxBatch, without waiting.
func drain(conn *websocket.Conn, sub *Subscriber) bool {
	for range maxBatch {
		select {
		case frame := <-sub.Frames():
			if !write(conn, websocket.TextMessage, frame) {
				return false
			}
		default:
			return true
		}
	}
	return true
}

func flush(out *batchConn) bool { return out.Flush() == nil }

// write queues a frame in the connection's buffer; the deadline is set when
// it is flushed.
func write(conn *websocket.Conn, typ int, b []byte) bool {
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
