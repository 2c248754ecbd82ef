// Package devices holds one profile per device kind as data (YAML): metrics
// with units and physical ranges, event types, default rules, simulator
// signal models and sample payloads. internal/profile parses them; no Go code
// keeps per-kind constants that a profile could hold.
package devices

import "embed"

// FS holds the built-in profiles, *.yaml.
//
//go:embed *.yaml
var FS embed.FS
