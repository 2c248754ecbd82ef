// Command simulator drives a fleet of simulated devices against the hub's
// MQTT device contract and registers fleets with the hub (SPEC §8). It only
// parses flags; internal/simulator does the work.
//
//	simulator [run] --broker tcp://127.0.0.1:1883 --fleet deploy/demo/fleet.yaml \
//	    --credentials creds.json --rate 1 --duration 60s --seed 1
//	simulator provision --hub http://127.0.0.1:8080 --fleet deploy/demo/fleet.yaml --out creds.json
//	simulator bench --hub-bin bin/hub --targets sqlite,postgis --pg-dsn postgres://… --devices 100 --duration 15s
//
// Every flag may also come from the environment as SIM_<FLAG> (--devices-dir
// is SIM_DEVICES_DIR); a flag on the command line wins. run prints progress
// to stderr and the summary to stdout, and exits 1 when no device could
// connect.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ywtg/hub/devices"
	"github.com/ywtg/hub/internal/profile"
	"github.com/ywtg/hub/internal/simulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "run":
		err = runCmd(ctx, args, stdout, stderr)
	case "provision":
		err = provisionCmd(ctx, args, stderr)
	case "bench":
		err = benchCmd(ctx, args, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "simulator: unknown command %q (want run, provision or bench)\n", cmd)
		return 2
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "simulator:", err)
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

// common are the flags both commands take.
type common struct{ fleet, devicesDir string }

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.fleet, "fleet", "deploy/demo/fleet.yaml", "fleet file (YAML)")
	fs.StringVar(&c.devicesDir, "devices-dir", "", "load device profiles from this folder instead of the built-in ones")
}

func (c *common) load() (*simulator.Fleet, profile.Set, error) {
	var fsys fs.FS = devices.FS
	if c.devicesDir != "" {
		fsys = os.DirFS(c.devicesDir)
	}
	set, err := profile.Load(fsys)
	if err != nil {
		return nil, nil, err
	}
	b, err := os.ReadFile(c.fleet)
	if err != nil {
		return nil, nil, err
	}
	fleet, err := simulator.LoadFleet(b, set)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", c.fleet, err)
	}
	return fleet, set, nil
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulator run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	var opts simulator.Options
	var credsPath, logLevel string
	fs.StringVar(&opts.BrokerURL, "broker", "tcp://127.0.0.1:1883", "MQTT broker URL")
	fs.StringVar(&credsPath, "credentials", "creds.json", "JSON object of device id → secret, as written by provision")
	fs.Float64Var(&opts.Rate, "rate", 0, "samples per second per device (0: each profile's 1/interval_s)")
	fs.DurationVar(&opts.Duration, "duration", 0, "how long to run (0: until interrupted)")
	fs.Int64Var(&opts.Seed, "seed", 1, "seed for the simulated signals")
	fs.DurationVar(&opts.ProgressEvery, "progress-every", 5*time.Second, "progress line interval on stderr (0: none)")
	fs.DurationVar(&opts.AckTimeout, "ack-timeout", 10*time.Second, "wait at most this long for each PUBACK")
	fs.DurationVar(&opts.ConnectStagger, "connect-stagger", 10*time.Millisecond, "delay between two devices' first connects")
	fs.StringVar(&logLevel, "log-level", "warn", "debug, info, warn or error (logs go to stderr)")
	if err := parse(fs, args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if opts.ProgressEvery > 0 {
		opts.Progress = stderr
	}
	var err error
	if opts.Fleet, opts.Profiles, err = c.load(); err != nil {
		return err
	}
	if opts.Credentials, err = readCredentials(credsPath); err != nil {
		return err
	}
	summary, err := simulator.Run(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, summary)
	if summary.Connected == 0 {
		return errors.New("no device could connect")
	}
	return nil
}

func provisionCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulator provision", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	var hubURL, out, token string
	var timeout time.Duration
	fs.StringVar(&hubURL, "hub", "http://127.0.0.1:8080", "hub base URL")
	fs.StringVar(&out, "out", "creds.json", "write device id → secret here (merged into the file if it exists)")
	fs.StringVar(&token, "token", "", "bearer token for the hub API")
	fs.DurationVar(&timeout, "timeout", 10*time.Second, "per-request timeout")
	if err := parse(fs, args); err != nil {
		return err
	}
	fleet, _, err := c.load()
	if err != nil {
		return err
	}
	creds, err := readCredentials(out)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if creds == nil {
		creds = map[string]string{}
	}
	client := &http.Client{Timeout: timeout}
	if token != "" {
		client.Transport = bearer{token: token, next: http.DefaultTransport}
	}
	secrets, perr := simulator.Provision(ctx, hubURL, fleet, client)
	for id, s := range secrets {
		creds[id] = s
	}
	// Secrets are shown once: keep what was received even when some failed.
	if err := writeCredentials(out, creds); err != nil {
		return errors.Join(perr, err)
	}
	fmt.Fprintf(stderr, "provisioned %d of %d devices; credentials in %s\n", len(secrets), len(fleet.Devices), out)
	return perr
}

// parse applies SIM_* environment variables, then the command line.
func parse(fs *flag.FlagSet, args []string) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "SIM_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s: %w", name, err)
			}
		}
	})
	if envErr != nil {
		return envErr
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected arguments %q\n", fs.Name(), fs.Args())
		return errUsage
	}
	return nil
}

func readCredentials(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var creds map[string]string
	if err := json.Unmarshal(b, &creds); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return creds, nil
}

func writeCredentials(path string, creds map[string]string) error {
	b, err := json.MarshalIndent(creds, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// bearer adds an Authorization header to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}
