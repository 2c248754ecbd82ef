package audit

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tjfoc/gmsm/sm2"

	"github.com/ywtg/hub/internal/model"
)

// signed is the message a checkpoint's signature covers: "<seq>.<hash>".
func signed(seq int64, hash string) []byte {
	return []byte(strconv.FormatInt(seq, 10) + "." + hash)
}

// Checkpoint signs the chain's head (seq, hash) with k: SM2 over the SM3
// digest with the default user id, an ASN.1 DER signature in standard
// base64, as the webhooks are signed. at is when, for people; it is not
// signed.
func Checkpoint(k *sm2.PrivateKey, seq int64, hash string, at time.Time) (model.AuditCheckpoint, error) {
	if k == nil {
		return model.AuditCheckpoint{}, errors.New("audit: nil key")
	}
	der, err := k.Sign(rand.Reader, signed(seq, hash), nil)
	if err != nil {
		return model.AuditCheckpoint{}, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	return model.AuditCheckpoint{Seq: seq, Hash: hash, At: at.Truncate(time.Millisecond).UTC(),
		Signature: base64.StdEncoding.EncodeToString(der)}, nil
}

// VerifyCheckpoint checks cp's signature over its seq and hash against pub;
// ErrBadSignature if it does not verify, ErrNoKey without a key.
func VerifyCheckpoint(pub *sm2.PublicKey, cp model.AuditCheckpoint) error {
	if pub == nil || pub.X == nil {
		return ErrNoKey
	}
	der, err := base64.StdEncoding.DecodeString(cp.Signature)
	if err != nil || !pub.Verify(signed(cp.Seq, cp.Hash), der) {
		return ErrBadSignature
	}
	return nil
}
