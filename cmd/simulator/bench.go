package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ywtg/hub/internal/bench"
)

// benchCmd measures the hub (SPEC §12, v1): see internal/bench.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulator bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o bench.Options
	var targets, pgDSN, mqttURL string
	fs.StringVar(&o.HubBin, "hub-bin", "bin/hub", "the hub binary to measure (make build)")
	fs.StringVar(&targets, "targets", "sqlite,postgis,postgis+mosquitto", "comma-separated: sqlite, postgis, postgis+mosquitto")
	fs.StringVar(&pgDSN, "pg-dsn", "", "PostgreSQL/PostGIS DSN whose role may CREATE DATABASE; each run gets a fresh database (also SIM_PG_DSN)")
	fs.StringVar(&mqttURL, "mqtt-url", "", "external broker for the postgis+mosquitto target (it must accept the bench devices, e.g. anonymous on loopback)")
	fs.IntVar(&o.Devices, "devices", 100, "device connections")
	fs.IntVar(&o.Window, "window", 32, "unacknowledged QoS1 publishes per device")
	fs.IntVar(&o.Batch, "batch", 1, "samples per message (1 = single sample, >1 = a replayed array)")
	fs.DurationVar(&o.Warmup, "warmup", 0, "load before measuring (default 3s)")
	fs.DurationVar(&o.Duration, "duration", 0, "measured load (default 15s)")
	fs.StringVar(&o.HubCPUs, "hub-cpus", "", "pin the hub to these CPUs (taskset -c, e.g. 0) and run the bench itself elsewhere (taskset -c 1 simulator bench …)")
	fs.IntVar(&o.Screens, "screens", 0, "big screens on /ws/screen during the run, each reading every frame (fan-out cost)")
	if err := parse(fs, args); err != nil {
		return err
	}
	o.Progress = stderr
	for _, name := range strings.Split(targets, ",") {
		name = strings.TrimSpace(name)
		switch name {
		case "sqlite":
			o.Targets = append(o.Targets, bench.Target{Name: "sqlite"})
		case "postgis", "postgis+mosquitto":
			broker := ""
			if name == "postgis+mosquitto" {
				if broker = mqttURL; broker == "" {
					fmt.Fprintln(stderr, "bench: skipping postgis+mosquitto: give --mqtt-url")
					continue
				}
			}
			if pgDSN == "" {
				fmt.Fprintf(stderr, "bench: skipping %s: give --pg-dsn (or SIM_PG_DSN)\n", name)
				continue
			}
			dsn, drop, err := bench.FreshDatabase(ctx, pgDSN)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			defer drop()
			o.Targets = append(o.Targets, bench.Target{Name: name, DB: dsn, BrokerURL: broker})
		default:
			return fmt.Errorf("%w: unknown target %q", errUsage, name)
		}
	}
	results := bench.Run(ctx, o)
	bench.Report(stdout, o, results)
	for _, r := range results {
		if r.Err != nil {
			return fmt.Errorf("%s: %w", r.Target, r.Err)
		}
	}
	return nil
}
