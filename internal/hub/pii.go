package hub

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/pii"
)

// piiFlags declares where the SM4 keys sealing reporters' contacts come
// from: --pii-keys (HUB_PII_KEYS_FILE), or the key list itself in
// HUB_PII_KEYS — an environment variable only, since flags show in ps.
func piiFlags(fs *flag.FlagSet, o *Options) {
	fs.StringVar(&o.PIIKeys, "pii-keys", env("HUB_PII_KEYS_FILE", ""),
		"SM4 key file sealing reporters' personal data, lines <version>:<hex key> (empty: <data-dir>/"+pii.FileName+
			", created if absent); HUB_PII_KEYS=\"1:<hex>;2:<hex>\" gives the keys instead")
	o.PIIKeyList = os.Getenv("HUB_PII_KEYS")
}

// piiKeyFile is the key file Options name.
func piiKeyFile(o Options) string {
	return cmp.Or(o.PIIKeys, filepath.Join(cmp.Or(o.DataDir, "./data"), pii.FileName))
}

// loadPIIKeys returns the keyring and where it came from: PIIKeyList if
// set, else the key file — created with one key if absent and create is
// set (the hub's start; a command on a wrong --data-dir must not make a
// key that opens nothing).
func loadPIIKeys(o Options, create bool) (*pii.Keyring, string, error) {
	if o.PIIKeyList != "" {
		k, err := pii.Parse(o.PIIKeyList)
		if err != nil {
			return nil, "", fmt.Errorf("HUB_PII_KEYS: %w", err)
		}
		return k, "HUB_PII_KEYS", nil
	}
	file := piiKeyFile(o)
	load := pii.Load
	if create {
		load = pii.LoadOrCreate
	}
	k, err := load(file)
	if err != nil {
		return nil, "", fmt.Errorf("pii keys %s: %w", file, err)
	}
	return k, file, nil
}

// piiKeyCheck is how often a running hub looks at its key file, between
// reports, for a key that `hub pii drop-key` removed.
const piiKeyCheck = 10 * time.Second

// piiKeys loads the hub's keys, saying which versions it holds. Keys from
// a file are followed: a rotation takes effect without a restart.
func (h *Hub) piiKeys() (dispatch.Keys, error) {
	if h.opts.PIIKeyList != "" {
		k, from, err := loadPIIKeys(h.opts, true)
		if err != nil {
			return nil, err
		}
		h.log.Info("pii keys loaded", "from", from, "versions", versionList(k.Versions()), "sealing", k.Newest())
		return k, nil
	}
	file := piiKeyFile(h.opts)
	f, err := pii.OpenFileKeys(file, true, piiKeyCheck)
	if err != nil {
		return nil, fmt.Errorf("pii keys %s: %w", file, err)
	}
	k := f.Keyring()
	h.log.Info("pii keys loaded", "from", file, "versions", versionList(k.Versions()), "sealing", k.Newest())
	f.OnReload = func(k *pii.Keyring) {
		h.log.Info("pii keys reloaded", "from", file, "versions", versionList(k.Versions()), "sealing", k.Newest())
	}
	f.OnError = func(err error) {
		h.log.Warn("pii key file unusable: the keys already loaded stay in use", "from", file, "err", err)
	}
	return f, nil
}

const piiUsage = "usage: hub pii status | hub pii rotate-key | hub pii reseal [--dry-run] | hub pii drop-key --version N\n" +
	"  (each with --data-dir, --db and --pii-keys as the hub is run)"

// piiCmd manages the keys of reporters' personal data: status (the keys,
// and the versions the store's reporters are sealed with), rotate-key (a
// new key, sealing in running hubs from their next report), reseal (every reporter to the newest
// key) and drop-key (a key no reporter needs any more).
func piiCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(piiUsage)
	}
	fs := flag.NewFlagSet("hub pii "+args[0], flag.ContinueOnError)
	var o Options
	common(fs, &o)
	piiFlags(fs, &o)
	dryRun := fs.Bool("dry-run", false, "reseal: count what would be resealed, write nothing")
	version := fs.Int("version", 0, "drop-key: the key version to remove")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New(piiUsage)
	}
	switch args[0] {
	case "rotate-key":
		return rotateKeyCmd(o, out)
	case "status":
		return piiStatusCmd(ctx, o, out)
	case "reseal":
		return resealCmd(ctx, o, *dryRun, out)
	case "drop-key":
		return dropKeyCmd(ctx, o, *version, out)
	}
	return errors.New(piiUsage)
}

func rotateKeyCmd(o Options, out io.Writer) error {
	if o.PIIKeyList != "" {
		return errors.New("HUB_PII_KEYS is set: the keys come from the environment, not a file; " +
			"add an entry <version>:<32 hex digits> there (hub pii reseal reads it too)")
	}
	file := piiKeyFile(o)
	k, v, err := pii.Rotate(file)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "added key version %d to %s (versions %s); running hubs that use this file seal with it from their next report\n",
		v, file, versionList(k.Versions()))
	fmt.Fprintf(out, "next: hub pii reseal; then the older versions can go (hub pii drop-key --version N). "+
		"Hubs given their keys in HUB_PII_KEYS instead need the new list and a restart\n")
	return nil
}

func piiStatusCmd(ctx context.Context, o Options, out io.Writer) error {
	k, from, err := loadPIIKeys(o, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "keys: %s — versions %s; v%d seals\n", from, versionList(k.Versions()), k.Newest())
	st, err := openStore(ctx, o.DB, o.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := dispatch.Reseal(ctx, st, k, dispatch.ResealOptions{DryRun: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "reporters in %d cases: sealed with %s; in plain text: %d\n", res.Cases, res.VersionList(), res.Plain)
	fmt.Fprintf(out, "%d to reseal with v%d (hub pii reseal)\n", res.Resealed, k.Newest())
	if len(res.Failed) > 0 {
		fmt.Fprintf(out, "%d cannot be opened with these keys (a version is missing): cases %s\n", len(res.Failed), idList(res.Failed))
	}
	return nil
}

func resealCmd(ctx context.Context, o Options, dryRun bool, out io.Writer) error {
	k, from, err := loadPIIKeys(o, false)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, o.DB, o.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	verb := "resealed"
	if dryRun {
		verb = "would reseal"
	}
	fmt.Fprintf(out, "resealing reporters with v%d (keys: %s)\n", k.Newest(), from)
	by := dispatch.Actor{Name: cliUser(), Role: dispatch.RoleAdmin}
	res, err := dispatch.Reseal(ctx, st, k, dispatch.ResealOptions{DryRun: dryRun, Actor: by, Progress: func(r dispatch.ResealResult) {
		fmt.Fprintf(out, "  %d cases read, %d %s, %d failed\n", r.Cases, r.Resealed, verb, len(r.Failed))
	}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d cases read; reporters found sealed with %s, in plain text: %d; %s %d with v%d\n",
		res.Cases, res.VersionList(), res.Plain, verb, res.Resealed, k.Newest())
	if !dryRun {
		summary := fmt.Sprintf("v%d: %d resealed of %d cases, %d failed", k.Newest(), res.Resealed, res.Cases, len(res.Failed))
		if err := auditCLI(ctx, st, by.Name, "pii.reseal", "cases", summary); err != nil {
			return fmt.Errorf("resealed, but not audited: %w", err)
		}
	}
	if len(res.Failed) > 0 {
		return fmt.Errorf("%d reporters could not be opened or stored, left as they were: cases %s", len(res.Failed), idList(res.Failed))
	}
	return nil
}

// dropKeyCmd removes a key version from the key file once no reporter in
// the store is sealed with it.
func dropKeyCmd(ctx context.Context, o Options, version int, out io.Writer) error {
	if version <= 0 {
		return errors.New("usage: hub pii drop-key --version N")
	}
	if o.PIIKeyList != "" {
		return errors.New("HUB_PII_KEYS is set: remove the entry there, after hub pii status shows no reporter sealed with it")
	}
	file := piiKeyFile(o)
	k, err := pii.Load(file)
	if err != nil {
		return err
	}
	rest, err := k.Without(version)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, o.DB, o.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := dispatch.Reseal(ctx, st, k, dispatch.ResealOptions{DryRun: true})
	if err != nil {
		return err
	}
	if n := res.Versions[version]; n > 0 {
		return fmt.Errorf("%d reporters are still sealed with v%d: run hub pii reseal first", n, version)
	}
	if err := pii.Save(file, rest); err != nil {
		return err
	}
	if err := auditCLI(ctx, st, cliUser(), "pii.drop-key", "pii-key:v"+strconv.Itoa(version), file); err != nil {
		return fmt.Errorf("dropped, but not audited: %w", err)
	}
	fmt.Fprintf(out, "removed key version %d from %s (versions %s); running hubs that use this file let it go within %s\n",
		version, file, versionList(rest.Versions()), piiKeyCheck)
	return nil
}

// cliUser names who runs a command, for the audit chain.
func cliUser() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

func versionList(vs []int) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ", ")
}

func idList(ids []int64) string {
	parts := make([]string, 0, min(len(ids), 20))
	for _, id := range ids[:min(len(ids), 20)] {
		parts = append(parts, strconv.FormatInt(id, 10))
	}
	if len(ids) > 20 {
		parts = append(parts, "…")
	}
	return strings.Join(parts, ", ")
}
