package hub

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/time/rate"

	"github.com/ywtg/hub/internal/access"
	"github.com/ywtg/hub/internal/api"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
)

// startAccess sets up API tokens: every route then needs a live token of a
// role it allows, unless OpenAccess is set (a closed lab network only).
func (h *Hub) startAccess() {
	h.tokens = access.New(access.Options{Store: h.store, Agency: func(id string) bool {
		_, ok := h.cases.Agency(id)
		return ok
	}})
	if h.opts.OpenAccess {
		h.log.Warn("open access: every caller is an administrator; use only on a closed lab network")
		h.auth = api.OpenAccess{}
		return
	}
	h.tokenAuth = &api.TokenAuth{Tokens: h.tokens, Rate: rate.Limit(h.opts.TokenRate), Burst: h.opts.TokenBurst,
		Logger: h.log, Audit: auditLog(h.store)}
	h.auth = h.tokenAuth
}

// IssueToken creates an API token and returns it in full (shown once).
// The hub itself is the issuer (the demo's tokens, an embedder's); the
// audit chain records it like a token made with `hub tokens create`.
func (h *Hub) IssueToken(ctx context.Context, name, role, agency string) (string, error) {
	tok, raw, err := h.tokens.Issue(ctx, access.Request{Name: name, Role: role, AgencyID: agency}, "hub")
	if err != nil {
		return "", err
	}
	if err := auditCLI(ctx, h.store, "hub", "token.create", "token:"+tok.ID, strings.TrimSpace(role+" "+agency)); err != nil {
		// An unaudited token must not stay usable.
		if rerr := h.tokens.Revoke(ctx, tok.ID); rerr != nil {
			err = errors.Join(err, fmt.Errorf("and not revoked: %w", rerr))
		}
		return "", fmt.Errorf("token %s not audited, so not issued: %w", tok.ID, err)
	}
	return raw, nil
}

// demoTokenRoles are the demo's tokens, one per role plus the agencies of
// the fire response.
var demoTokenRoles = []struct{ name, role, agency string }{
	{"大屏 (viewer)", dispatch.RoleViewer, ""},
	{"值班员 (operator)", dispatch.RoleOperator, ""},
	{"值班长 (chief)", dispatch.RoleChief, ""},
	{"派遣员 (dispatcher)", dispatch.RoleDispatcher, ""},
	{"监督员 (supervisor)", dispatch.RoleSupervisor, ""},
	{"网格员 (grid)", dispatch.RoleGrid, ""},
	{"管理员 (admin)", dispatch.RoleAdmin, ""},
	{"阿拉善左旗林草局", dispatch.RoleAgency, "alsz-forestry"},
	{"阿拉善左旗消防救援大队", dispatch.RoleAgency, "alsz-fire-rescue"},
}

// demoTokens gives the demo a token per role, kept in
// DataDir/demo-tokens.txt (mode 0600) so they survive restarts, and logs
// the pages to open with them.
func (h *Hub) demoTokens(ctx context.Context) error {
	path := filepath.Join(h.opts.DataDir, "demo-tokens.txt")
	have := map[string]string{} // name → token
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if name, tok, ok := strings.Cut(sc.Text(), "\t"); ok {
				if _, err := h.tokens.Check(ctx, tok); err == nil {
					have[name] = tok
				}
			}
		}
		f.Close()
	}
	var b strings.Builder
	b.WriteString("# demo API tokens: name<TAB>token (only their SM3 hashes are in the store)\n")
	for _, d := range demoTokenRoles {
		tok, ok := have[d.name]
		if !ok {
			var err error
			if tok, err = h.IssueToken(ctx, d.name, d.role, d.agency); err != nil {
				return fmt.Errorf("demo token %s: %w", d.name, err)
			}
		}
		have[d.name] = tok
		fmt.Fprintf(&b, "%s\t%s\n", d.name, tok)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return err
	}
	base := h.BaseURL()
	h.log.Info("demo pages (tokens in "+path+")",
		"screen", base+"/?token="+have[demoTokenRoles[0].name],
		"console", base+"/console.html?token="+have[demoTokenRoles[6].name],
		"agency", base+"/agency.html?agency=alsz-forestry&token="+have[demoTokenRoles[7].name])
	return nil
}

// tokensCmd is `hub tokens create|list|revoke`, straight on the store.
func tokensCmd(ctx context.Context, args []string, out io.Writer) error {
	const usage = "usage: hub tokens create --name N --role ROLE [--agency ID] [--expires 720h] | hub tokens list | hub tokens revoke ID"
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("hub tokens "+args[0], flag.ContinueOnError)
	var o Options
	common(fs, &o)
	var req access.Request
	fs.StringVar(&req.Name, "name", "", "who holds the token, e.g. \"值班员 张三\" or \"screen-wall-1\"")
	fs.StringVar(&req.Role, "role", "", "one of: "+strings.Join(access.Roles, ", "))
	fs.StringVar(&req.AgencyID, "agency", "", "the agency of an agency user's token")
	fs.DurationVar(&req.TTL, "expires", 0, "lifetime, e.g. 720h (0: never expires)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	st, err := openStore(ctx, o.DB, o.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	tokens := access.New(access.Options{Store: st})
	by := "cli"
	if u, err := user.Current(); err == nil {
		by = "cli:" + u.Username
	}
	switch args[0] {
	case "create":
		tok, raw, err := tokens.Issue(ctx, req, by)
		if err != nil {
			return err
		}
		if err := auditCLI(ctx, st, by, "token.create", "token:"+tok.ID, tok.Role+" "+tok.AgencyID); err != nil {
			return err
		}
		fmt.Fprintf(out, "token %s for %s (%s%s)\n%s\n(shown only once; only its SM3 hash is stored)\n",
			tok.ID, tok.Name, tok.Role, cmp.Or(" "+tok.AgencyID, ""), raw)
		return nil
	case "list":
		ts, err := tokens.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tROLE\tAGENCY\tNAME\tCREATED\tEXPIRES\tLAST USED\tSTATE")
		for _, t := range ts {
			state := "live"
			switch {
			case !t.RevokedAt.IsZero():
				state = "revoked " + t.RevokedAt.Format(time.DateTime)
			case !t.ExpiresAt.IsZero() && time.Now().After(t.ExpiresAt):
				state = "expired"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, cmp.Or(t.AgencyID, "-"), t.Name,
				t.CreatedAt.Format(time.DateTime), when(t.ExpiresAt), when(t.LastUsed), state)
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New(usage)
		}
		id := fs.Arg(0)
		if err := tokens.Revoke(ctx, id); err != nil {
			return err
		}
		if err := auditCLI(ctx, st, by, "token.revoke", "token:"+id, ""); err != nil {
			return err
		}
		fmt.Fprintf(out, "revoked token %s (running hubs refuse it within 5 s)\n", id)
		return nil
	}
	return errors.New(usage)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.DateTime)
}

// auditLog is the store's audit chain.
func auditLog(st Store) api.AuditLog {
	if a, ok := st.(api.AuditLog); ok {
		return a
	}
	return nil
}

// auditCLI appends an administrator's command to the audit chain.
func auditCLI(ctx context.Context, st Store, by, action, target, detail string) error {
	a := auditLog(st)
	if a == nil {
		return errors.New("this store keeps no audit chain")
	}
	e := model.AuditEntry{At: time.Now(), Actor: by, Role: dispatch.RoleAdmin, Action: action, Target: target, Outcome: "ok"}
	if detail != "" {
		e.Detail, _ = json.Marshal(map[string]string{"what": detail})
	}
	_, err := a.AppendAudit(ctx, e)
	return err
}
