package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
)

// screens are big screens on /ws/screen during a run: each reads every
// frame as a browser would, so the hub pays the full fan-out.
type screens struct {
	conns  []*websocket.Conn
	frames atomic.Int64
	closed atomic.Int64 // connections the hub dropped or that failed
	wg     sync.WaitGroup
}

// openScreens connects n screens to the hub at base (http://host:port),
// each with the API token.
func openScreens(ctx context.Context, base, token string, n int) (*screens, error) {
	s := &screens{}
	if n <= 0 {
		return s, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	ws := "ws://" + u.Host + "/ws/screen"
	d := websocket.Dialer{}
	for i := 0; i < n; i++ {
		c, _, err := d.DialContext(ctx, ws, http.Header{"Authorization": {"Bearer " + token}})
		if err != nil {
			s.close()
			return nil, fmt.Errorf("screen %d of %d: %w", i+1, n, err)
		}
		s.conns = append(s.conns, c)
		s.wg.Add(1)
		go s.read(c)
	}
	return s, nil
}

func (s *screens) read(c *websocket.Conn) {
	defer s.wg.Done()
	for {
		if _, _, err := c.NextReader(); err != nil {
			if !strings.Contains(err.Error(), "use of closed network connection") {
				s.closed.Add(1)
			}
			return
		}
		s.frames.Add(1)
	}
}

func (s *screens) close() {
	for _, c := range s.conns {
		c.Close()
	}
	s.wg.Wait()
}
