package external

import (
	"bufio"
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// dial is paho's connection opener: it numbers and keeps the connection.
func (s *Subscriber) dial(u *url.URL, o paho.ClientOptions) (net.Conn, error) {
	conn, err := dialURL(u, s.opts.TLS, o.ConnectTimeout)
	if err != nil {
		return nil, err
	}
	if s.opts.wrapConn != nil {
		conn = s.opts.wrapConn(conn)
	}
	d := &droppable{Conn: conn, r: bufio.NewReaderSize(conn, readBuffer)}
	s.connMu.Lock()
	s.gen.Add(1)
	s.conn = d
	s.connMu.Unlock()
	return d, nil
}

// dropConn breaks connection gen, if it is still the current one; paho then
// reconnects with backoff and the broker redelivers what was not
// acknowledged.
func (s *Subscriber) dropConn(gen uint64) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.gen.Load() == gen && s.conn != nil {
		s.conn.drop()
	}
}

// errDropped is what a dropped connection's reads and writes return.
var errDropped = errors.New("external: connection dropped to get unacknowledged messages redelivered")

// readBuffer buffers the connection's reads: paho reads each packet's
// header a byte at a time, a system call each without it.
const readBuffer = 32 << 10

// droppable is a connection the subscriber can break so that paho notices.
// Closing it would not do: paho takes "use of closed network connection"
// for its own doing and neither reports nor reconnects. An expired deadline
// unblocks reads and writes at once, and they then report errDropped.
// Reads are buffered; paho has one reader per connection.
type droppable struct {
	net.Conn
	r       *bufio.Reader
	dropped atomic.Bool
}

func (c *droppable) drop() {
	c.dropped.Store(true)
	_ = c.Conn.SetDeadline(time.Unix(1, 0))
}

func (c *droppable) Read(b []byte) (int, error) {
	if c.dropped.Load() {
		return 0, errDropped
	}
	n, err := c.r.Read(b)
	if err != nil && c.dropped.Load() {
		err = errDropped
	}
	return n, err
}

func (c *droppable) Write(b []byte) (int, error) {
	if c.dropped.Load() {
		return 0, errDropped
	}
	n, err := c.Conn.Write(b)
	if err != nil && c.dropped.Load() {
		err = errDropped
	}
	return n, err
}

// dialURL opens the network connection for one connection attempt. The hub
// dials itself, rather than leaving it to paho, to hold the connection: when
// a message cannot be stored the connection is closed so that paho
// reconnects and the broker redelivers (paho's Disconnect would not
// reconnect).
func dialURL(u *url.URL, tlsConf *tls.Config, timeout time.Duration) (net.Conn, error) {
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), defaultPorts[u.Scheme])
	}
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if defaultPorts[u.Scheme] == "1883" {
		return d.Dial("tcp", addr)
	}
	conf := &tls.Config{}
	if tlsConf != nil {
		conf = tlsConf.Clone()
	}
	if conf.ServerName == "" {
		conf.ServerName = u.Hostname()
	}
	return tls.DialWithDialer(d, "tcp", addr, conf)
}
