package webhook_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/dispatch/webhook"
)

func TestVerifyRequest(t *testing.T) {
	key, err := webhook.GenerateKey()
	require.NoError(t, err)
	other, err := webhook.GenerateKey()
	require.NoError(t, err)
	now := time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)
	body := []byte(`{"event":"case.dispatched","sent_for":"water"}`)
	const window = 5 * time.Minute

	type req struct {
		ts, sig string
		body    []byte
	}
	signed := func(at time.Time, b []byte) req {
		ts := strconv.FormatInt(at.Unix(), 10)
		sig, err := webhook.Sign(key, ts, b)
		require.NoError(t, err)
		return req{ts: ts, sig: webhook.SignaturePrefix + sig, body: b}
	}
	good := signed(now, body)

	for _, tc := range []struct {
		desc     string
		req      req
		wrongKey bool // verify with another key than the signer's
		want     error
	}{
		{desc: "valid", req: good},
		{desc: "valid at the window's edge", req: signed(now.Add(-window), body)},
		{desc: "clock skew ahead within the window", req: signed(now.Add(window), body)},
		{desc: "tampered body", req: req{ts: good.ts, sig: good.sig, body: []byte(`{"event":"case.dispatched","sent_for":"fire"}`)}, want: webhook.ErrBadSignature},
		{desc: "timestamp changed", req: req{ts: strconv.FormatInt(now.Unix()+1, 10), sig: good.sig, body: body}, want: webhook.ErrBadSignature},
		{desc: "wrong key", req: good, wrongKey: true, want: webhook.ErrBadSignature},
		{desc: "stale", req: signed(now.Add(-window-time.Second), body), want: webhook.ErrStale},
		{desc: "from the future", req: signed(now.Add(window+time.Second), body), want: webhook.ErrStale},
		{desc: "malformed timestamp", req: req{ts: "yesterday", sig: good.sig, body: body}, want: webhook.ErrStale},
		{desc: "no timestamp", req: req{sig: good.sig, body: body}, want: webhook.ErrMissingHeader},
		{desc: "no signature", req: req{ts: good.ts, body: body}, want: webhook.ErrMissingHeader},
		{desc: "no sm2= prefix", req: req{ts: good.ts, sig: good.sig[len(webhook.SignaturePrefix):], body: body}, want: webhook.ErrBadSignature},
		{desc: "not base64", req: req{ts: good.ts, sig: "sm2=!!!", body: body}, want: webhook.ErrBadSignature},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(tc.req.body))
			if tc.req.ts != "" {
				r.Header.Set(webhook.HeaderTimestamp, tc.req.ts)
			}
			if tc.req.sig != "" {
				r.Header.Set(webhook.HeaderSignature, tc.req.sig)
			}
			pub := &key.PublicKey
			if tc.wrongKey {
				pub = &other.PublicKey
			}
			got, err := webhook.VerifyRequest(pub, r, now, window)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.req.body, got)
			again, err := io.ReadAll(r.Body)
			require.NoError(t, err)
			require.Equal(t, tc.req.body, again, "the body can be read again")
		})
	}
}
