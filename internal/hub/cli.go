package hub

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/registry"
)

// Main parses the command line (flags, with HUB_* environment variables as
// defaults) and runs the hub or one of its subcommands.
func Main(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	if len(args) > 0 {
		switch args[0] {
		case "devices":
			return devicesCmd(ctx, args[1:], out)
		case "pii":
			return piiCmd(ctx, args[1:], out)
		case "tokens":
			return tokensCmd(ctx, args[1:], out)
		case "audit":
			return auditCmd(ctx, args[1:], out)
		case "migrate":
			return migrateCmd(ctx, args[1:], out)
		case "probe":
			return probeCmd(ctx, args[1:], out)
		}
	}
	fs := flag.NewFlagSet("hub", flag.ContinueOnError)
	var o Options
	common(fs, &o)
	fs.StringVar(&o.HTTPAddr, "http-addr", env("HUB_HTTP_ADDR", ":8080"), "HTTP listen address (API, /ws/screen, screen)")
	fs.StringVar(&o.MQTTAddr, "mqtt-addr", env("HUB_MQTT_ADDR", ":1883"), "embedded MQTT broker listen address")
	fs.StringVar(&o.MQTTURL, "mqtt-url", env("HUB_MQTT_URL", ""), "external broker, e.g. tcp://127.0.0.1:1883 (empty: the embedded broker on --mqtt-addr)")
	fs.StringVar(&o.MQTTUsername, "mqtt-username", env("HUB_MQTT_USERNAME", ""), "the hub's account on the external broker")
	fs.StringVar(&o.MQTTPassword, "mqtt-password", env("HUB_MQTT_PASSWORD", ""), "its password (prefer HUB_MQTT_PASSWORD: flags show in ps)")
	fs.StringVar(&o.MQTTClientID, "mqtt-client-id", env("HUB_MQTT_CLIENT_ID", ""), "stable client id of this hub's persistent session (default hub-<hostname>)")
	fs.StringVar(&o.MQTTShare, "mqtt-share", env("HUB_MQTT_SHARE", ""), "shared-subscription group, so several hubs split device traffic")
	fs.BoolVar(&o.Demo, "demo", envBool("HUB_DEMO"), "load the Alxa demo league and run its fleet in-process")
	fs.StringVar(&o.PprofAddr, "pprof-addr", env("HUB_PPROF_ADDR", ""), "serve Go pprof on this admin address, e.g. 127.0.0.1:6060 (off if empty)")
	fs.IntVar(&o.RetentionDays, "retention-days", envInt("HUB_RETENTION_DAYS", 400), "drop readings older than this many days, nightly (0 keeps all)")
	fs.Float64Var(&o.DemoRate, "demo-rate", envFloat("HUB_DEMO_RATE", 0.5), "demo samples per second per device (0 = each profile's interval)")
	fs.StringVar(&o.Catalogue, "catalogue", env("HUB_CATALOGUE", ""), "dispatch catalogue YAML: categories, agencies, plans, resources (empty: the demo league's)")
	fs.StringVar(&o.WebhookKey, "webhook-key", env("HUB_WEBHOOK_KEY", ""), "SM2 private key (PEM) that signs agency webhooks (empty: <data-dir>/webhook-sm2.pem, created if absent)")
	piiFlags(fs, &o)
	fs.StringVar(&o.AuditKey, "audit-key", env("HUB_AUDIT_KEY", ""), "SM2 private key (PEM) that signs the audit chain's checkpoints (empty: <data-dir>/audit-sm2.pem, created if absent)")
	fs.StringVar(&o.AuditCheckpoint, "audit-checkpoint", env("HUB_AUDIT_CHECKPOINT", checkpointSpec), "cron spec on which the audit chain's head is signed, and at shutdown (empty: never)")
	fs.BoolVar(&o.OpenAccess, "open-access", envBool("HUB_OPEN_ACCESS"), "no API tokens: every caller is an administrator (a closed lab network only)")
	fs.Float64Var(&o.TokenRate, "token-rate", envFloat("HUB_TOKEN_RATE", 50), "API requests per second per token (0: unlimited)")
	fs.IntVar(&o.TokenBurst, "token-burst", envInt("HUB_TOKEN_BURST", 100), "burst of API requests a token may make above --token-rate")
	fs.Float64Var(&o.DeviceRate, "device-rate", envFloat("HUB_DEVICE_RATE", 10), "MQTT messages per second per device; more are dead-lettered as rate_limited (0: unlimited)")
	fs.IntVar(&o.DeviceBurst, "device-burst", envInt("HUB_DEVICE_BURST", 50), "burst of messages a device may send above --device-rate")
	fs.IntVar(&o.MaxValues, "max-values", envInt("HUB_MAX_VALUES", 1000), "metric values per MQTT message, all samples together")
	fs.StringVar(&o.TLSCert, "tls-cert", env("HUB_TLS_CERT", ""), "PEM certificate (chain): serve HTTPS instead of HTTP, and MQTT over TLS with --mqtt-tls-addr")
	fs.StringVar(&o.TLSKey, "tls-key", env("HUB_TLS_KEY", ""), "PEM private key of --tls-cert")
	fs.StringVar(&o.MQTTTLSAddr, "mqtt-tls-addr", env("HUB_MQTT_TLS_ADDR", ""), "embedded broker's MQTT-over-TLS listen address, e.g. :8883 (needs --tls-cert)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unknown command %q (commands: audit, devices, tokens, pii, migrate, probe; run with -h for flags)", fs.Arg(0))
	}
	o.Logger = log
	return Run(ctx, o)
}

func common(fs *flag.FlagSet, o *Options) {
	fs.StringVar(&o.DataDir, "data-dir", env("HUB_DATA_DIR", "./data"), "directory of the embedded SQLite store")
	fs.StringVar(&o.DB, "db", env("HUB_DB", ""), "store: a postgres:// DSN (PostGIS), a SQLite file path, or empty for <data-dir>/hub.db")
	fs.StringVar(&o.DevicesDir, "devices-dir", env("HUB_DEVICES_DIR", ""), "device profiles folder (default: built-in devices/)")
	fs.StringVar(&o.RegionsDir, "regions-dir", env("HUB_REGIONS_DIR", ""), "region GeoJSON folder (default: the demo league's)")
}

// devicesCmd provisions devices and revokes or restores their credentials
// in the store. A running hub on the same store picks each change up within
// seconds (registry.Watch) and ends the sessions of a device rotated or
// disabled here.
func devicesCmd(ctx context.Context, args []string, out io.Writer) error {
	const usage = "usage: hub devices add --id ID --kind KIND --lon LON --lat LAT [--name N] [--operator O]" +
		" | hub devices list | hub devices rotate|disable|enable ID"
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "add", "list", "rotate", "disable", "enable":
	default:
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("hub devices "+args[0], flag.ContinueOnError)
	var o Options
	common(fs, &o)
	var d model.Device
	fs.StringVar(&d.ID, "id", "", "device id (also its MQTT username)")
	fs.StringVar(&d.Kind, "kind", "", "device kind: a profile in devices/")
	fs.StringVar(&d.Name, "name", "", "display name")
	fs.StringVar(&d.Operator, "operator", "", "operating agency or company")
	fs.Float64Var(&d.Lon, "lon", 0, "longitude, WGS-84")
	fs.Float64Var(&d.Lat, "lat", 0, "latitude, WGS-84")
	err := fs.Parse(args[1:])
	if err == nil && fs.NArg() > 0 && d.ID == "" { // rotate ID [flags]: the id may come first
		d.ID = fs.Arg(0)
		err = fs.Parse(fs.Args()[1:])
	}
	if err != nil {
		return err
	}
	if fs.NArg() > 0 || (args[0] != "add" && args[0] != "list" && d.ID == "") {
		return errors.New(usage)
	}
	reg, closeFn, err := openRegistry(ctx, o)
	if err != nil {
		return err
	}
	defer closeFn()
	switch args[0] {
	case "list":
		return listDevices(out, reg)
	case "rotate":
		secret, err := reg.Rotate(ctx, d.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "MQTT username: %s\nMQTT password: %s\n(the new password is shown only once; the old one no longer works)\n", d.ID, secret)
		return nil
	case "disable":
		if err := reg.Disable(ctx, d.ID); err != nil {
			return err
		}
		fmt.Fprintf(out, "disabled %s: it can neither connect nor publish until enabled\n", d.ID)
		return nil
	case "enable":
		if err := reg.Enable(ctx, d.ID); err != nil {
			return err
		}
		fmt.Fprintf(out, "enabled %s: it may connect again with its current password\n", d.ID)
		return nil
	}
	dev, secret, err := reg.Add(ctx, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "registered %s (%s) in %s %s\n", dev.ID, dev.Kind, dev.RegionCode, dev.RegionName)
	fmt.Fprintf(out, "MQTT username: %s\nMQTT password: %s\n(the password is shown only once; only its SM3 hash is stored)\n", dev.ID, secret)
	return nil
}

func openRegistry(ctx context.Context, o Options) (*registry.Registry, func(), error) {
	profiles, err := loadProfiles(o.DevicesDir)
	if err != nil {
		return nil, nil, err
	}
	regions, err := loadRegions(o.RegionsDir)
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, o.DB, o.DataDir)
	if err != nil {
		return nil, nil, err
	}
	reg := registry.New(st, locator{regions}, profiles)
	if err := reg.Load(ctx); err != nil {
		st.Close()
		return nil, nil, err
	}
	return reg, func() { st.Close() }, nil
}

func listDevices(out io.Writer, reg *registry.Registry) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tREGION\tLON\tLAT\tNAME")
	for _, d := range reg.List() {
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%.5f\t%.5f\t%s\n", d.ID, d.Kind, d.RegionCode, d.RegionName, d.Lon, d.Lat, d.Name)
	}
	return tw.Flush()
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

func envBool(key string) bool {
	b, _ := strconv.ParseBool(os.Getenv(key))
	return b
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}

func envFloat(key string, def float64) float64 {
	if f, err := strconv.ParseFloat(os.Getenv(key), 64); err == nil {
		return f
	}
	return def
}

// migrateCmd brings the store's schema up to this binary's version and
// exits; the hub also migrates on start, this lets operators do it first.
func migrateCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("hub migrate", flag.ContinueOnError)
	var o Options
	common(fs, &o)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, o.DB, o.DataDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "schema of %s is up to date\n", cmp.Or(redact(o.DB), o.DataDir))
	return st.Close()
}

// probeCmd GETs a URL and fails unless it answers 200: a health check for
// images that have no curl.
func probeCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: hub probe URL")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, args[0], nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", args[0], resp.Status)
	}
	fmt.Fprintln(out, resp.Status)
	return nil
}
