package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/registry"
)

// The broker endpoints let an external production broker ask the hub the
// questions the embedded broker's hook answers: may this client connect, may
// it use this topic. EMQX 5 asks with its HTTP authenticator and authorizer,
// Mosquitto with the mosquitto-go-auth plugin's HTTP backend (docs/brokers.md).
// The device decisions are the registry's (Authenticate, Authorize), the same
// the embedded broker makes; only the wire formats differ here.

// brokerRoles may call the broker endpoints: the token the external broker
// holds, or an administrator checking by hand.
var brokerRoles = []string{RoleBroker, RoleAdmin}

// maxBrokerBody bounds a broker's request: a few short fields.
const maxBrokerBody = 64 << 10

// DeviceAuth answers for devices: their credentials and their topics (the
// registry). A refusal is a *model.Rejection; any other error is the hub's.
type DeviceAuth interface {
	Authenticate(ctx context.Context, id, secret string) error
	Authorize(ctx context.Context, id, topic string, a registry.Access) error
}

// Refusals records what the broker endpoints refused, as the embedded
// broker's hook does: counted by reason and kept as a dead letter (the ingest
// pipeline).
type Refusals interface {
	Refuse(ctx context.Context, deviceID, topic, reason, detail string, payload []byte) error
}

// BrokerOptions wires the broker endpoints.
type BrokerOptions struct {
	Devices  DeviceAuth // nil: no broker endpoints
	Refusals Refusals   // nil: refusals are only logged
	// Username and Password are the hub's own account on the external broker
	// (hub --mqtt-username, --mqtt-password), admitted as a superuser: it
	// subscribes to every device and sends commands. An empty Username means
	// no such account; an empty Password matches nothing.
	Username, Password string
}

func (s *server) brokerRoutes(mux *http.ServeMux) {
	if s.opts.Broker.Devices == nil {
		return
	}
	s.handle(mux, "POST /api/v1/broker/emqx/authn", brokerRoles, s.emqxAuthn)
	s.handle(mux, "POST /api/v1/broker/emqx/authz", brokerRoles, s.emqxAuthz)
	s.handle(mux, "POST /api/v1/broker/mosquitto/user", brokerRoles, s.mosquittoUser)
	s.handle(mux, "POST /api/v1/broker/mosquitto/superuser", brokerRoles, s.mosquittoSuperuser)
	s.handle(mux, "POST /api/v1/broker/mosquitto/acl", brokerRoles, s.mosquittoACL)
}

// verdict is the hub's answer to a broker, whatever the wire format.
type verdict struct {
	allow     bool
	superuser bool
	why       string // why not, for the formats that carry it
}

// brokerCall is who asks, as the broker tells it.
type brokerCall struct {
	broker   string // emqx | mosquitto
	username string
	clientID string
	peer     string // the client's address, if the broker sends it
}

func (s *server) isHubAccount(username string) bool {
	return s.opts.Broker.Username != "" && username == s.opts.Broker.Username
}

// brokerConnect decides a connection: the hub's own account with its
// password as a superuser, else a registered, enabled device with its own
// secret.
func (s *server) brokerConnect(ctx context.Context, c brokerCall, password string) (verdict, error) {
	if s.isHubAccount(c.username) {
		want := s.opts.Broker.Password
		if want != "" && subtle.ConstantTimeCompare([]byte(password), []byte(want)) == 1 {
			return verdict{allow: true, superuser: true}, nil
		}
		return s.brokerRefuse(ctx, c, "", model.Reject(model.ReasonAuthFailed, "wrong password for the hub's account %s", c.username))
	}
	err := s.opts.Broker.Devices.Authenticate(ctx, c.username, password)
	if err == nil {
		err = registry.ClientIDAllowed(c.username, c.clientID)
	}
	if err == nil {
		return verdict{allow: true}, nil
	}
	return s.brokerRefuse(ctx, c, "", err)
}

// brokerTopic decides a topic: the hub's account may use any, a device what
// registry.Authorize allows. Refusals of publishes and subscriptions are
// recorded; a refused delivery (record false) is not, as the embedded broker
// does not record it either.
func (s *server) brokerTopic(ctx context.Context, c brokerCall, topic string, a registry.Access, record bool) (verdict, error) {
	if s.isHubAccount(c.username) {
		return verdict{allow: true, superuser: true}, nil
	}
	err := s.opts.Broker.Devices.Authorize(ctx, c.username, topic, a)
	if err == nil {
		return verdict{allow: true}, nil
	}
	if !record {
		var rej *model.Rejection
		if errors.As(err, &rej) {
			return verdict{why: rej.Error()}, nil
		}
		return verdict{}, err
	}
	return s.brokerRefuse(ctx, c, topic, err)
}

// brokerRefuse logs, counts and dead-letters a refusal and returns the
// denying verdict; an error that is no refusal is returned as it is.
func (s *server) brokerRefuse(ctx context.Context, c brokerCall, topic string, err error) (verdict, error) {
	var rej *model.Rejection
	if !errors.As(err, &rej) {
		return verdict{}, err
	}
	s.log.Warn("device refused by the broker", "broker", c.broker, "device_id", c.username, "client_id", c.clientID,
		"topic", topic, "reason", rej.Reason)
	detail := fmt.Sprintf("%s (refused by %s, client id %q", rej.Detail, c.broker, c.clientID)
	if c.peer != "" {
		detail += " from " + c.peer
	}
	detail += ")"
	if s.opts.Broker.Refusals != nil {
		if rerr := s.opts.Broker.Refusals.Refuse(ctx, c.username, topic, rej.Reason, detail, nil); rerr != nil {
			s.log.Error("dead letter not stored", "err", rerr)
		}
	}
	return verdict{why: rej.Error()}, nil
}

// brokerFail answers an error that is the hub's, not the caller's: the
// broker treats it as "no answer" and falls back on its own configuration.
func (s *server) brokerFail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("broker check failed", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusServiceUnavailable, "unavailable", "the hub cannot decide now; retry")
}

// brokerFields reads a broker's request: a form when its Content-Type says
// so (mosquitto-go-auth's params mode form), else a JSON object (EMQX, and
// mosquitto-go-auth's params mode json). required fields must be there,
// optional ones may be; each is a string, except that acc may be a number.
// Other fields are ignored: EMQX's body is the operator's to shape. A bad
// request is answered here (400, 413) and ok is false.
func brokerFields(w http.ResponseWriter, r *http.Request, required, optional []string) (map[string]string, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBrokerBody))
	if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body over %d bytes", tooBig.Limit))
		return nil, false
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed", "request body: "+err.Error())
		return nil, false
	}
	var vals map[string]field
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		vals, err = formFields(raw)
	} else {
		vals, err = jsonFields(raw)
	}
	var out map[string]string
	if err == nil {
		out, err = pickFields(vals, required, optional)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed", "request body: "+err.Error())
		return nil, false
	}
	return out, true
}

// field is one value of a broker's request.
type field struct {
	text   string
	number bool // a JSON number: allowed for acc only
	other  bool // a JSON value neither string nor number: never allowed
}

func formFields(raw []byte) (map[string]field, error) {
	q, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, fmt.Errorf("not a form: %v", err)
	}
	out := make(map[string]field, len(q))
	for k, v := range q {
		out[k] = field{text: v[0]}
	}
	return out, nil
}

func jsonFields(raw []byte) (map[string]field, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, errors.New("want a JSON object of strings, or a form (Content-Type: application/x-www-form-urlencoded)")
	}
	out := make(map[string]field, len(obj))
	for k, v := range obj {
		var f field
		var num json.Number
		switch {
		case v[0] == '"':
			err := json.Unmarshal(v, &f.text)
			f.other = err != nil
		case json.Unmarshal(v, &num) == nil:
			f.text, f.number = num.String(), true
		default:
			f.other = true
		}
		out[k] = f
	}
	return out, nil
}

// pickFields returns the required fields, which must be there, and the
// optional ones that are, as text.
func pickFields(vals map[string]field, required, optional []string) (map[string]string, error) {
	out := map[string]string{}
	for i, k := range slices.Concat(required, optional) {
		f, ok := vals[k]
		switch {
		case !ok && i < len(required):
			return nil, fmt.Errorf("field %q is missing", k)
		case !ok:
			continue
		case f.other || (f.number && k != "acc"):
			return nil, fmt.Errorf("field %q must be a string", k)
		}
		out[k] = f.text
	}
	return out, nil
}

// EMQX 5: the HTTP authenticator's body is configurable; the recommended
// one is {"username":"${username}","password":"${password}",
// "clientid":"${clientid}","peerhost":"${peerhost}"}. EMQX reads only a 200
// (or 204) answer's result and is_superuser; any other status is "ignore".

func (s *server) emqxAuthn(w http.ResponseWriter, r *http.Request) {
	f, ok := brokerFields(w, r, []string{"username", "password"}, []string{"clientid", "peerhost"})
	if !ok {
		return
	}
	c := brokerCall{broker: "emqx", username: f["username"], clientID: f["clientid"], peer: f["peerhost"]}
	v, err := s.brokerConnect(r.Context(), c, f["password"])
	if err != nil {
		s.brokerFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": emqxResult(v), "is_superuser": v.superuser})
}

// emqxAuthz answers EMQX's HTTP authorizer; its body is
// {"username":"${username}","clientid":"${clientid}","topic":"${topic}",
// "action":"${action}"}, action publish or subscribe.
func (s *server) emqxAuthz(w http.ResponseWriter, r *http.Request) {
	f, ok := brokerFields(w, r, []string{"username", "topic", "action"}, []string{"clientid", "peerhost"})
	if !ok {
		return
	}
	var a registry.Access
	switch f["action"] {
	case "publish":
		a = registry.Publish
	case "subscribe":
		a = registry.Subscribe
	default:
		writeError(w, http.StatusBadRequest, "malformed", fmt.Sprintf("request body: action %q is neither publish nor subscribe", f["action"]))
		return
	}
	c := brokerCall{broker: "emqx", username: f["username"], clientID: f["clientid"], peer: f["peerhost"]}
	v, err := s.brokerTopic(r.Context(), c, f["topic"], a, true)
	if err != nil {
		s.brokerFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"result": emqxResult(v)})
}

func emqxResult(v verdict) string {
	if v.allow {
		return "allow"
	}
	return "deny"
}

// mosquitto-go-auth's HTTP backend posts username, password, clientid (user),
// username (superuser), or username, clientid, topic, acc (acl) as JSON or
// as a form. How it reads the answer is its response mode, which the hub
// learns from ?mode= on the configured URI: status (the default: 2xx allow,
// else deny), json ({"ok","error"}) or text ("ok", else the reason).

func (s *server) mosquittoUser(w http.ResponseWriter, r *http.Request) {
	mode, ok := mosquittoMode(w, r)
	if !ok {
		return
	}
	f, ok := brokerFields(w, r, []string{"username", "password"}, []string{"clientid"})
	if !ok {
		return
	}
	v, err := s.brokerConnect(r.Context(), brokerCall{broker: "mosquitto", username: f["username"], clientID: f["clientid"]}, f["password"])
	if err != nil {
		s.brokerFail(w, r, err)
		return
	}
	mosquittoAnswer(w, mode, v)
}

func (s *server) mosquittoSuperuser(w http.ResponseWriter, r *http.Request) {
	mode, ok := mosquittoMode(w, r)
	if !ok {
		return
	}
	f, ok := brokerFields(w, r, []string{"username"}, nil)
	if !ok {
		return
	}
	v := verdict{allow: s.isHubAccount(f["username"])}
	if !v.allow {
		v.why = fmt.Sprintf("%s is not a superuser", f["username"])
	}
	mosquittoAnswer(w, mode, v)
}

// mosquittoACL answers an ACL check; acc is 1 read (a delivery), 2 write (a
// publish), 3 read and write, 4 subscribe.
func (s *server) mosquittoACL(w http.ResponseWriter, r *http.Request) {
	mode, ok := mosquittoMode(w, r)
	if !ok {
		return
	}
	f, ok := brokerFields(w, r, []string{"username", "topic", "acc"}, []string{"clientid"})
	if !ok {
		return
	}
	acc, err := strconv.Atoi(f["acc"])
	if err != nil || acc < 1 || acc > 4 {
		writeError(w, http.StatusBadRequest, "malformed", fmt.Sprintf("request body: acc %q is not 1 (read), 2 (write), 3 (readwrite) or 4 (subscribe)", f["acc"]))
		return
	}
	c := brokerCall{broker: "mosquitto", username: f["username"], clientID: f["clientid"]}
	var v verdict
	switch acc {
	case 1:
		v, err = s.brokerTopic(r.Context(), c, f["topic"], registry.Read, false)
	case 2:
		v, err = s.brokerTopic(r.Context(), c, f["topic"], registry.Publish, true)
	case 3:
		if v, err = s.brokerTopic(r.Context(), c, f["topic"], registry.Publish, true); err == nil && v.allow {
			v, err = s.brokerTopic(r.Context(), c, f["topic"], registry.Read, true)
		}
	case 4:
		v, err = s.brokerTopic(r.Context(), c, f["topic"], registry.Subscribe, true)
	}
	if err != nil {
		s.brokerFail(w, r, err)
		return
	}
	mosquittoAnswer(w, mode, v)
}

func mosquittoMode(w http.ResponseWriter, r *http.Request) (string, bool) {
	switch mode := r.URL.Query().Get("mode"); mode {
	case "", "status":
		return "status", true
	case "json", "text":
		return mode, true
	default:
		writeError(w, http.StatusBadRequest, "malformed", fmt.Sprintf("mode %q is not status, json or text (mosquitto-go-auth's auth_opt_http_response_mode)", mode))
		return "", false
	}
}

func mosquittoAnswer(w http.ResponseWriter, mode string, v verdict) {
	switch mode {
	case "text":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		if v.allow {
			io.WriteString(w, "ok") // exactly: the backend compares the whole body
		} else {
			io.WriteString(w, v.why)
		}
	case "json":
		writeJSON(w, http.StatusOK, map[string]any{"ok": v.allow, "error": v.why})
	default:
		status := http.StatusOK
		if !v.allow {
			status = http.StatusForbidden
		}
		writeJSON(w, status, map[string]any{"ok": v.allow, "error": v.why})
	}
}
