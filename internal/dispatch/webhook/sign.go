package webhook

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tjfoc/gmsm/sm2"
)

// Request headers of a delivery.
const (
	HeaderTimestamp   = "X-Hub-Timestamp" // decimal Unix seconds when the request was signed
	HeaderSignature   = "X-Hub-Signature" // SignaturePrefix + base64 signature
	HeaderIdempotency = "Idempotency-Key" // the message's key, the same on every retry
	HeaderEvent       = "X-Hub-Event"     // case.dispatched, case.escalated …
	HeaderDelivery    = "X-Hub-Delivery"  // the outbox message id
	// SignaturePrefix names the algorithm in X-Hub-Signature.
	SignaturePrefix = "sm2="
	// UserAgent is the User-Agent of every delivery.
	UserAgent = "ywtg-hub-webhook/1"
	// DefaultWindow is the replay window VerifyRequest uses when given none.
	DefaultWindow = 5 * time.Minute
	// MaxBody is the largest body VerifyRequest reads.
	MaxBody = 4 << 20
)

// signed is the message a signature covers: the timestamp, ".", the body.
func signed(ts string, body []byte) []byte {
	msg := make([]byte, 0, len(ts)+1+len(body))
	msg = append(msg, ts...)
	msg = append(msg, '.')
	return append(msg, body...)
}

// Sign signs ts + "." + body with k: SM2 over the SM3 digest with the
// default user id (1234567812345678), an ASN.1 DER signature, returned as
// standard base64 (without the "sm2=" prefix).
func Sign(k *sm2.PrivateKey, ts string, body []byte) (string, error) {
	if k == nil {
		return "", errors.New("webhook: nil key")
	}
	der, err := k.Sign(rand.Reader, signed(ts, body), nil)
	if err != nil {
		return "", fmt.Errorf("webhook: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(der), nil
}

// Verify checks a base64 signature made by Sign; ErrBadSignature if it does
// not verify.
func Verify(pub *sm2.PublicKey, ts string, body []byte, sig string) error {
	if pub == nil || pub.X == nil {
		return errors.New("webhook: nil public key")
	}
	der, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || !pub.Verify(signed(ts, body), der) {
		return ErrBadSignature
	}
	return nil
}

// VerifyRequest is the receiver's check of a delivery. It reads the body (at
// most MaxBody bytes), requires X-Hub-Timestamp within ±window of now
// (DefaultWindow if window <= 0) and an X-Hub-Signature that verifies
// against pub, and returns the body. r.Body is replaced by a reader over the
// same bytes, so handlers can decode it again.
func VerifyRequest(pub *sm2.PublicKey, r *http.Request, now time.Time, window time.Duration) ([]byte, error) {
	ts := r.Header.Get(HeaderTimestamp)
	sig := r.Header.Get(HeaderSignature)
	if ts == "" || sig == "" {
		return nil, ErrMissingHeader
	}
	if window <= 0 {
		window = DefaultWindow
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: malformed %s", ErrStale, HeaderTimestamp)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > window || d < -window {
		return nil, ErrStale
	}
	b64, ok := strings.CutPrefix(sig, SignaturePrefix)
	if !ok {
		return nil, ErrBadSignature
	}
	if r.Body == nil {
		r.Body = http.NoBody
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	_ = r.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("webhook: read body: %w", err)
	}
	if len(body) > MaxBody {
		return nil, fmt.Errorf("webhook: body larger than %d bytes", MaxBody)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := Verify(pub, ts, body, b64); err != nil {
		return nil, err
	}
	return body, nil
}
