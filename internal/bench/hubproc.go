package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// hubProc is the hub under test, a process of its own so that its CPU and
// memory are its own.
type hubProc struct {
	cmd      *exec.Cmd
	dir      string
	httpAddr string
	mqttAddr string // embedded broker, or the external one
	logPath  string
	external bool   // devices talk to an external broker, not the hub
	token    string // an administrator's API token, made with hub tokens create
}

func startHub(ctx context.Context, o Options, t Target) (*hubProc, error) {
	dir, err := os.MkdirTemp("", "hub-bench-")
	if err != nil {
		return nil, err
	}
	h := &hubProc{dir: dir, httpAddr: freeAddr(), mqttAddr: freeAddr(), logPath: filepath.Join(dir, "hub.log")}
	store := []string{"--data-dir", dir}
	if t.DB != "" {
		store = append(store, "--db", t.DB)
	}
	out, err := exec.CommandContext(ctx, o.HubBin, append(append([]string{"tokens", "create"}, store...),
		"--name", "bench", "--role", "admin")...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("hub tokens create: %w: %s", err, out)
	}
	for _, line := range strings.Fields(string(out)) {
		if strings.HasPrefix(line, "ywt_") {
			h.token = line
		}
	}
	if h.token == "" {
		return nil, fmt.Errorf("hub tokens create printed no token: %s", out)
	}
	// The bench drives devices and the API as hard as the hub will go: no
	// per-device or per-token rate limits.
	args := append([]string{"--http-addr", h.httpAddr, "--mqtt-addr", h.mqttAddr, "--device-rate", "0", "--token-rate", "0"}, store...)
	if t.BrokerURL != "" {
		h.external = true
		h.mqttAddr = strings.TrimPrefix(t.BrokerURL, "tcp://")
		args = append(args, "--mqtt-url", t.BrokerURL, "--mqtt-client-id", "hub-bench")
		if t.BrokerUser != "" {
			args = append(args, "--mqtt-username", t.BrokerUser, "--mqtt-password", t.BrokerPassword)
		}
	}
	logf, err := os.Create(h.logPath)
	if err != nil {
		return nil, err
	}
	h.cmd = exec.CommandContext(ctx, o.HubBin, args...)
	if o.HubCPUs != "" {
		taskset, err := exec.LookPath("taskset")
		if err != nil {
			return nil, fmt.Errorf("--hub-cpus needs taskset (util-linux): %w", err)
		}
		h.cmd = exec.CommandContext(ctx, taskset, append([]string{"-c", o.HubCPUs, o.HubBin}, args...)...)
	}
	h.cmd.Stdout, h.cmd.Stderr = logf, logf
	h.cmd.Env = append(os.Environ(), "HUB_LOG_LEVEL=WARN") // HUB_PPROF_ADDR passes through for profiling
	if err := h.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.HubBin, err)
	}
	if err := h.waitReady(ctx, 60*time.Second); err != nil {
		h.stop()
		return nil, fmt.Errorf("%w (log: %s)", err, tail(h.logPath))
	}
	return h, nil
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0"
	}
	defer l.Close()
	return l.Addr().String()
}

func (h *hubProc) url(path string) string { return "http://" + h.httpAddr + path }

func (h *hubProc) brokerURL() string { return "tcp://" + h.mqttAddr }

func (h *hubProc) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(h.url("/readyz")); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if h.cmd.ProcessState != nil || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("hub did not become ready")
}

// provision registers n hydrology stations at random points in Alxa and
// returns id → secret.
func (h *hubProc) provision(ctx context.Context, n int) (map[string]string, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	creds := make(map[string]string, n)
	for i := range n {
		id := fmt.Sprintf("bench-%05d", i)
		body, _ := json.Marshal(map[string]any{"id": id, "kind": "hydrology", "name": "压测水位站 " + strconv.Itoa(i),
			"lon": 105.5 + rng.Float64()*0.4, "lat": 38.6 + rng.Float64()*0.4})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.url("/api/v1/devices"), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+h.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		var out struct {
			Secret string `json:"secret"`
			Error  string `json:"error"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("register %s: %s %s %v", id, resp.Status, out.Error, err)
		}
		creds[id] = out.Secret
	}
	return creds, nil
}

// stored is the hub's count of readings stored (0 if it cannot be read).
func (h *hubProc) stored() int64 {
	req, _ := http.NewRequest(http.MethodGet, h.url("/api/v1/stats"), nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var c map[string]int64
	_ = json.NewDecoder(resp.Body).Decode(&c)
	return c["readings_stored"]
}

// storedAtLeast polls the hub's counters until it has stored n readings.
func (h *hubProc) storedAtLeast(ctx context.Context, n int64, limit time.Duration) (int64, error) {
	deadline := time.Now().Add(limit)
	var stored int64
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if stored = h.stored(); stored >= n {
			return stored, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return stored, fmt.Errorf("hub stored %d readings, %d were acknowledged", stored, n)
}

// cpu is the hub's user+system CPU time so far (Linux /proc).
func (h *hubProc) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", h.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the ")" that ends the command name; utime and stime are
	// fields 14 and 15 of the whole line, in clock ticks (100 per second).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// peakRSSMiB is the hub's peak resident memory (VmHWM).
func (h *hubProc) peakRSSMiB() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", h.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// stop ends the hub with SIGTERM (its graceful path) and removes its files.
func (h *hubProc) stop() {
	if h.cmd.Process != nil && h.cmd.ProcessState == nil {
		_ = h.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = h.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = h.cmd.Process.Kill()
		}
	}
	os.RemoveAll(h.dir)
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
