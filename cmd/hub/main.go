// Command hub runs the 一网统管 hub. With no arguments it serves everything in
// one process (embedded MQTT broker, SQLite store, HTTP API and screen);
// `hub devices add|list` provisions devices in the same data directory.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/ywtg/hub/internal/hub"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()}))
	if err := hub.Main(ctx, os.Args[1:], os.Stdout, log); err != nil {
		fmt.Fprintln(os.Stderr, "hub:", err)
		os.Exit(1)
	}
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("HUB_LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}
