// Package kpi computes the 综合评价 figures of the 一网统管 loop from cases:
// rates, mean times and a weighted 综合指标值 with rankings. It is pure: it
// reads model.Case values and nothing else.
package kpi

import (
	"time"

	"github.com/ywtg/hub/internal/model"
)

// Rate ids, the keys of Row.Rates and of the weights.
const (
	RegisterRate      = "register_rate"        // 立案率 = registered / cases
	ResolveRate       = "resolve_rate"         // 处置率 = resolved / dispatched
	OnTimeResolveRate = "on_time_resolve_rate" // 按期处置率 = resolved on time / (resolved + unresolved past their deadline at AsOf)
	CloseRate         = "close_rate"           // 结案率 = closed / registered
	OnTimeCloseRate   = "on_time_close_rate"   // 按期结案率 = closed on time / closed
	ReworkRate        = "rework_rate"          // 返工率 = resolved cases with a rework / resolved
	ExtensionRate     = "extension_rate"       // 延期率 = dispatched cases with an approved extension / dispatched
)

// Row is one agency's or region's figures.
type Row struct {
	Key  string `json:"key"` // agency id or region code
	Name string `json:"name"`
	// Counts.
	Cases          int `json:"cases"`
	Registered     int `json:"registered"`
	Dispatched     int `json:"dispatched"`
	Resolved       int `json:"resolved"`
	ResolvedOnTime int `json:"resolved_on_time"`
	Overdue        int `json:"overdue"` // dispatched, unresolved, past ResolveDue at AsOf
	Closed         int `json:"closed"`
	ClosedOnTime   int `json:"closed_on_time"`
	Reworked       int `json:"reworked"`
	Extended       int `json:"extended"`
	// Rates by rate id, 0–1; a rate whose denominator is zero is absent.
	Rates map[string]float64 `json:"rates"`
	// Mean time from dispatch to 签收 and to 反馈, over the cases that got there.
	MeanSign    time.Duration `json:"mean_sign_ns"`
	MeanResolve time.Duration `json:"mean_resolve_ns"`
	// Score is the 综合指标值, 0–100; Rank is 1 for the best.
	Score float64 `json:"score"`
	Rank  int     `json:"rank"`
}

// DefaultWeights weigh the 综合指标值 when the catalogue sets none.
var DefaultWeights = map[string]float64{
	ResolveRate:       0.15,
	OnTimeResolveRate: 0.30,
	CloseRate:         0.15,
	OnTimeCloseRate:   0.20,
	ReworkRate:        0.10,
	ExtensionRate:     0.10,
}

// Group names the row a case counts in ("" leaves it out).
type Group func(c model.Case) (key, name string)
