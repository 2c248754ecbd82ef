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

// signed is the message a checkpoint's signature covers:
// "<seq>.<hash>.<at, Unix milliseconds>", so neither the head nor the time
// it was signed can be changed.
func signed(seq int64, hash string, at time.Time) []byte {
	return []byte(strconv.FormatInt(seq, 10) + "." + hash + "." + strconv.FormatInt(at.UnixMilli(), 10))
}

// signedBefore is what checkpoints made before their time was signed
// cover: "<seq>.<hash>". Such a signature still proves the head; only
// those checkpoints' times are unproven.
func signedBefore(seq int64, hash string) []byte {
	return []byte(strconv.FormatInt(seq, 10) + "." + hash)
}

// Checkpoint signs the chain's head (seq, hash) and the time at (to the
// millisecond) with k: SM2 over the SM3 digest with the default user id,
// an ASN.1 DER signature in standard base64, as the webhooks are signed.
func Checkpoint(k *sm2.PrivateKey, seq int64, hash string, at time.Time) (model.AuditCheckpoint, error) {
	if k == nil {
		return model.AuditCheckpoint{}, errors.New("audit: nil key")
	}
	at = at.Truncate(time.Millisecond).UTC()
	der, err := k.Sign(rand.Reader, signed(seq, hash, at), nil)
	if err != nil {
		return model.AuditCheckpoint{}, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	return model.AuditCheckpoint{Seq: seq, Hash: hash, At: at, Signature: base64.StdEncoding.EncodeToString(der)}, nil
}

// VerifyCheckpoint checks cp's signature over its seq, hash and time
// against pub (or, for a checkpoint from before times were signed, over
// its seq and hash); ErrBadSignature if it does not verify, ErrNoKey
// without a key.
func VerifyCheckpoint(pub *sm2.PublicKey, cp model.AuditCheckpoint) error {
	if pub == nil || pub.X == nil {
		return ErrNoKey
	}
	der, err := base64.StdEncoding.DecodeString(cp.Signature)
	if err != nil || !(pub.Verify(signed(cp.Seq, cp.Hash, cp.At), der) || pub.Verify(signedBefore(cp.Seq, cp.Hash), der)) {
		return ErrBadSignature
	}
	return nil
}
