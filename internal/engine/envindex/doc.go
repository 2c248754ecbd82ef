// Package envindex computes the environmental indices the engine derives for
// the `pollution` device kind: the ambient air quality index of HJ 633-2012
// (IAQI, AQI, primary pollutants, level, category, colour) and the surface
// water class of GB 3838-2002 (worst single factor, exceedance multiples).
//
// It is a pure library: no I/O, no clock, no logging, no knowledge of devices,
// profiles or alarms. Callers (the engine) map metric keys and averaging
// windows onto the inputs here. All arithmetic on concentrations is exact
// (math/big.Rat built from the shortest decimal form of each float64), so a
// value sitting exactly on a breakpoint never rounds up by a float slip.
//
// The air tables are those of HJ 633-2012. That standard was replaced by
// HJ 633—2026 on 2026-03-01 (new PM2.5 and PM10 breakpoints); switching is
// a deliberate change of tables and rules, not a silent edit (aqitable.go
// lists what is known and the sources).
package envindex
