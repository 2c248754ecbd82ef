// Package mosquittotest starts a real Mosquitto 2 broker for tests: its own
// config, password file and ACL in t.TempDir(), a free port on 127.0.0.1,
// stopped on t.Cleanup. The ACL is the production one of deploy/mosquitto
// (a device publishes only under devices/{its username}/; the hub user reads
// all device topics), so tests exercise what production enforces.
//
// It owns the broker process and its files, nothing else. Without a mosquitto
// binary it skips the test, saying what is missing — unless the CI
// environment variable is set, where a missing broker is a failure.
package mosquittotest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// HubUser is the broker account the hub subscribes with; its password is
// Broker.HubPassword.
const HubUser = "hub"

// How long the broker gets to start, reload or stop before the test fails.
const (
	startTimeout = 15 * time.Second
	stopTimeout  = 10 * time.Second
)

// Broker is a running (or stopped) Mosquitto owned by one test.
type Broker struct {
	URL         string // tcp://127.0.0.1:port
	Addr        string // 127.0.0.1:port
	HubPassword string

	bin, passwdBin string
	dir            string
	conf, pwFile   string
	logPath        string
	cfg            config

	mu      sync.Mutex // guards cmd, exited and the password file
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
}

type config struct {
	persistence bool
	extraConf   []string
	extraACL    []string
}

// Option changes the broker's configuration.
type Option func(*config)

// WithPersistence turns Mosquitto's persistence on (in the test's
// directory), so sessions and queued messages survive Restart.
func WithPersistence() Option { return func(c *config) { c.persistence = true } }

// WithConfig appends lines to mosquitto.conf (e.g. "log_type debug").
func WithConfig(lines ...string) Option {
	return func(c *config) { c.extraConf = append(c.extraConf, lines...) }
}

// WithACL appends lines to the ACL file, after the hub user's and the
// device patterns (e.g. "user tester", "topic write devices/#").
func WithACL(lines ...string) Option {
	return func(c *config) { c.extraACL = append(c.extraACL, lines...) }
}

// Start writes a config and starts Mosquitto on a free port; it is stopped
// when the test ends.
func Start(t testing.TB, opts ...Option) *Broker {
	t.Helper()
	bin, passwdBin := findBinaries(t)
	b := &Broker{bin: bin, passwdBin: passwdBin, dir: t.TempDir(), HubPassword: randomSecret(t)}
	for _, o := range opts {
		o(&b.cfg)
	}
	b.pwFile = filepath.Join(b.dir, "passwd")
	b.logPath = filepath.Join(b.dir, "mosquitto.log")
	b.conf = filepath.Join(b.dir, "mosquitto.conf")
	b.runPasswd(t, "-c", "-b", b.pwFile, HubUser, b.HubPassword)
	writeFile(t, filepath.Join(b.dir, "acl"), aclText(b.cfg.extraACL))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("mosquitto log (%s), last lines:\n%s", b.logPath, b.logTail(60))
		}
		b.Stop(t)
	})
	// A port picked free can be taken before mosquitto binds it: try another.
	var err error
	for range 3 {
		if err = b.startOn(t, freePort(t)); err == nil {
			return b
		}
	}
	t.Fatalf("mosquittotest: broker did not start: %v\n%s", err, b.logTail(30))
	return nil
}

// AddUser adds (or changes) a broker account and reloads Mosquitto; it
// returns once a connection with those credentials is accepted.
func (b *Broker) AddUser(t testing.TB, username, password string) {
	t.Helper()
	b.mu.Lock()
	b.runPasswd(t, "-b", b.pwFile, username, password)
	cmd := b.cmd
	b.mu.Unlock()
	if cmd == nil {
		return // stopped: read at the next start
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatalf("mosquittotest: reload: %v", err)
	}
	if err := b.waitConnect(username, password); err != nil {
		t.Fatalf("mosquittotest: user %s not accepted after reload: %v\n%s", username, err, b.logTail(30))
	}
}

// Restart stops the broker if it runs and starts it again on the same port.
// Without WithPersistence every session and queued message is lost.
func (b *Broker) Restart(t testing.TB) {
	t.Helper()
	b.Stop(t)
	port, _ := strconv.Atoi(b.Addr[strings.LastIndexByte(b.Addr, ':')+1:])
	// The old socket may linger for a moment; Restart is not Start, so wait.
	deadline := time.Now().Add(startTimeout)
	for {
		err := b.startOn(t, port)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("mosquittotest: broker did not restart on port %d: %v\n%s", port, err, b.logTail(30))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the broker (SIGTERM, then SIGKILL if it lingers) and waits for
// it to exit. Stopping a stopped broker does nothing.
func (b *Broker) Stop(t testing.TB) {
	t.Helper()
	b.mu.Lock()
	cmd, exited := b.cmd, b.exited
	b.cmd = nil
	b.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-exited
		t.Errorf("mosquittotest: broker ignored SIGTERM for %v; killed", stopTimeout)
	}
}

// LogTail returns the last n lines of the broker's log.
func (b *Broker) LogTail(n int) string { return b.logTail(n) }

func (b *Broker) startOn(t testing.TB, port int) error {
	t.Helper()
	b.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	b.URL = "tcp://" + b.Addr
	writeFile(t, b.conf, b.confText(port))
	logf, err := os.OpenFile(b.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatalf("mosquittotest: %v", err)
	}
	defer logf.Close() // the child has its own descriptor
	cmd := exec.Command(b.bin, "-c", b.conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("mosquittotest: starting %s: %v", b.bin, err)
	}
	exited := make(chan struct{})
	go func() {
		err := cmd.Wait()
		b.mu.Lock()
		b.waitErr = err
		b.mu.Unlock()
		close(exited)
	}()
	b.mu.Lock()
	b.cmd, b.exited = cmd, exited
	b.mu.Unlock()
	if err := b.waitReady(exited); err != nil {
		b.Stop(t)
		return err
	}
	return nil
}

// waitReady polls until the hub user can connect, or the broker exits.
func (b *Broker) waitReady(exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-exited:
			b.mu.Lock()
			defer b.mu.Unlock()
			return fmt.Errorf("mosquitto exited: %v", b.waitErr)
		default:
		}
		err := tryConnect(b.URL, HubUser, b.HubPassword)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not accepting connections after %v: %w", startTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *Broker) waitConnect(username, password string) error {
	deadline := time.Now().Add(startTimeout)
	for {
		err := tryConnect(b.URL, username, password)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tryConnect makes one MQTT connection with a throwaway clean session.
func tryConnect(url, username, password string) error {
	o := paho.NewClientOptions().AddBroker(url).SetClientID("mosquittotest-probe-" + strconv.FormatInt(time.Now().UnixNano(), 36)).
		SetUsername(username).SetPassword(password).SetCleanSession(true).
		SetAutoReconnect(false).SetConnectTimeout(2 * time.Second)
	c := paho.NewClient(o)
	tok := c.Connect()
	tok.Wait()
	if err := tok.Error(); err != nil {
		return err
	}
	c.Disconnect(0)
	return nil
}

func (b *Broker) confText(port int) string {
	var s strings.Builder
	fmt.Fprintf(&s, "# written by mosquittotest\nlistener %d 127.0.0.1\n", port)
	fmt.Fprintf(&s, "allow_anonymous false\npassword_file %s\nacl_file %s\n", b.pwFile, filepath.Join(b.dir, "acl"))
	if b.cfg.persistence {
		fmt.Fprintf(&s, "persistence true\npersistence_location %s/\nautosave_interval 1\n", b.dir)
	} else {
		s.WriteString("persistence false\n")
	}
	// Raised for load: the hub keeps up to 1024 messages in flight, and a
	// hub that is down must find its backlog queued, not dropped.
	s.WriteString("max_inflight_messages 1000\nmax_queued_messages 1000000\n")
	s.WriteString("set_tcp_nodelay true\n")
	s.WriteString("log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information\nconnection_messages true\nlog_timestamp_format %H:%M:%S\n")
	if os.Geteuid() == 0 {
		// As root mosquitto switches to the mosquitto user, which cannot
		// read the test's private temporary directory.
		s.WriteString("user root\n")
	}
	for _, l := range b.cfg.extraConf {
		s.WriteString(l + "\n")
	}
	return s.String()
}

// aclText is deploy/mosquitto/acl plus extra lines.
func aclText(extra []string) string {
	return strings.Join(append([]string{
		"# written by mosquittotest; the same rules as deploy/mosquitto/acl",
		"user " + HubUser,
		"topic read devices/#",
		"topic read $share/#",
		"topic write devices/+/commands",
		"",
		"pattern write devices/%u/telemetry",
		"pattern write devices/%u/events",
		"pattern write devices/%u/status",
		"pattern write devices/%u/commands/ack",
		"pattern read devices/%u/commands/#",
	}, extra...), "\n") + "\n"
}

func (b *Broker) runPasswd(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command(b.passwdBin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("mosquittotest: %s %s: %v\n%s", b.passwdBin, strings.Join(args[:len(args)-1], " "), err, out)
	}
}

func (b *Broker) logTail(n int) string {
	f, err := os.Open(b.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// findBinaries locates mosquitto and mosquitto_passwd, skipping (or, under
// CI, failing) the test when either is missing.
func findBinaries(t testing.TB) (bin, passwd string) {
	t.Helper()
	var missing []string
	bin = lookPath("mosquitto", "/usr/sbin", "/usr/local/sbin", "/opt/homebrew/sbin")
	if bin == "" {
		missing = append(missing, "mosquitto")
	}
	passwd = lookPath("mosquitto_passwd", "/usr/bin", "/usr/local/bin", "/opt/homebrew/bin")
	if passwd == "" {
		missing = append(missing, "mosquitto_passwd")
	}
	if len(missing) == 0 {
		return bin, passwd
	}
	msg := fmt.Sprintf("mosquittotest: %s not found on PATH or in /usr/sbin, /usr/bin (Debian: apt-get install mosquitto)", strings.Join(missing, " and "))
	if os.Getenv("CI") != "" {
		t.Fatal(msg + "; CI is set, so this is a failure")
	}
	t.Skip(msg)
	return "", ""
}

func lookPath(name string, dirs ...string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mosquittotest: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func writeFile(t testing.TB, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatalf("mosquittotest: %v", err)
	}
}

func randomSecret(t testing.TB) string {
	t.Helper()
	buf := make([]byte, 12)
	if _, err := rand.Read(buf); err != nil {
		t.Fatalf("mosquittotest: %v", err)
	}
	return hex.EncodeToString(buf)
}
