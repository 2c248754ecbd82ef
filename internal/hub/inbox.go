package hub

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/ywtg/hub/internal/dispatch/webhook"
)

// inboxWindow is the replay window the demo inboxes accept.
const inboxWindow = 5 * time.Minute

// received is one webhook a demo agency inbox accepted.
type received struct {
	At       time.Time       `json:"at"`
	Event    string          `json:"event"`
	Key      string          `json:"idempotency_key"`
	Verified bool            `json:"verified"` // the SM2 signature checked out
	Body     json.RawMessage `json:"body"`
}

// inboxes stand in for the demo agencies' own systems: they verify each
// webhook's SM2 signature as an agency would, keep one copy per
// idempotency key, and show what arrived at GET /demo/agencies/{id}/inbox.
type inboxes struct {
	h  *Hub
	mu sync.Mutex
	by map[string][]received
}

func (h *Hub) demoInboxes(next http.Handler) http.Handler {
	in := &inboxes{h: h, by: map[string][]received{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /demo/agencies/{id}/inbox", in.post)
	mux.HandleFunc("GET /demo/agencies/{id}/inbox", in.get)
	mux.Handle("/", next)
	return mux
}

func (in *inboxes) post(w http.ResponseWriter, r *http.Request) {
	body, err := webhook.VerifyRequest(in.h.webhookPub, r, time.Now(), inboxWindow)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var msg struct {
		Event string `json:"event"`
	}
	_ = json.Unmarshal(body, &msg)
	agency, key := r.PathValue("id"), r.Header.Get("Idempotency-Key")
	in.mu.Lock()
	defer in.mu.Unlock()
	if !slices.ContainsFunc(in.by[agency], func(x received) bool { return x.Key == key }) {
		in.by[agency] = append(in.by[agency], received{At: time.Now().UTC(), Event: msg.Event, Key: key, Verified: true, Body: body})
		in.h.log.Info("demo agency received a webhook", "agency_id", agency, "event", msg.Event, "key", key)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (in *inboxes) get(w http.ResponseWriter, r *http.Request) {
	in.mu.Lock()
	got := slices.Clone(in.by[r.PathValue("id")])
	in.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if got == nil {
		got = []received{}
	}
	_ = json.NewEncoder(w).Encode(got)
}
