package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/model"
)

// registration is the body of POST /api/v1/devices.
type registration struct {
	ID            string                        `json:"id"`
	Kind          string                        `json:"kind"`
	Name          string                        `json:"name,omitempty"`
	Operator      string                        `json:"operator,omitempty"`
	Lon           float64                       `json:"lon"`
	Lat           float64                       `json:"lat"`
	RuleOverrides map[string]model.RuleOverride `json:"rule_overrides,omitempty"`
	Params        map[string]float64            `json:"params,omitempty"`
}

// Provision registers every fleet device with the hub (POST
// {hubURL}/api/v1/devices) and returns id → secret for the devices it
// created. Ids the hub already has (409) do not stop it: it registers the
// rest and then returns ErrDeviceExists naming them. Any other refusal stops
// it with ErrProvision. On error the map still holds the secrets received so
// far — the hub shows each secret only once, so callers should keep them.
// A nil client means http.DefaultClient; put authentication in its
// Transport.
func Provision(ctx context.Context, hubURL string, fleet *Fleet, client *http.Client) (map[string]string, error) {
	if client == nil {
		client = http.DefaultClient
	}
	url := strings.TrimRight(hubURL, "/") + "/api/v1/devices"
	secrets := map[string]string{}
	var conflicts []string
	for _, d := range fleet.Devices {
		secret, exists, err := register(ctx, client, url, d)
		for errors.Is(err, errRateLimited) { // the hub limits requests per token: wait and go on
			select {
			case <-ctx.Done():
				return secrets, ctx.Err()
			case <-time.After(time.Second):
			}
			secret, exists, err = register(ctx, client, url, d)
		}
		switch {
		case err != nil:
			return secrets, fmt.Errorf("device %s: %w", d.ID, err)
		case exists:
			conflicts = append(conflicts, d.ID)
		default:
			secrets[d.ID] = secret
		}
	}
	if len(conflicts) > 0 {
		return secrets, fmt.Errorf("%w: %d of %d: %s", ErrDeviceExists, len(conflicts), len(fleet.Devices), strings.Join(conflicts, ", "))
	}
	return secrets, nil
}

func register(ctx context.Context, client *http.Client, url string, d FleetDevice) (secret string, exists bool, err error) {
	body, err := json.Marshal(registration{ID: d.ID, Kind: d.Kind, Name: d.Name, Operator: d.Operator, Lon: d.Lon, Lat: d.Lat, RuleOverrides: d.RuleOverrides, Params: d.Params})
	if err != nil {
		return "", false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", false, err
	}
	switch resp.StatusCode {
	case http.StatusCreated, http.StatusOK:
	case http.StatusConflict:
		return "", true, nil
	case http.StatusTooManyRequests:
		return "", false, errRateLimited
	default:
		return "", false, fmt.Errorf("%w: %s: %s", ErrProvision, resp.Status, snippet(b))
	}
	var out struct {
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Secret == "" {
		return "", false, fmt.Errorf("%w: %s without a secret: %s", ErrProvision, resp.Status, snippet(b))
	}
	return out.Secret, false, nil
}

// errRateLimited is the hub's 429: over the token's request rate.
var errRateLimited = errors.New("rate limited")

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
