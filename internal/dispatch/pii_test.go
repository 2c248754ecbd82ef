package dispatch_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/pii"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/postgis"
	"github.com/ywtg/hub/internal/store/postgis/pgtest"
	"github.com/ywtg/hub/internal/store/sqlite"
)

// testKeys seal the rig's reporters.
var testKeys = keyring(map[int]string{1: "00112233445566778899aabbccddeeff"})

func keyring(hexKeys map[int]string) *pii.Keyring {
	var lines []string
	for v, k := range hexKeys {
		lines = append(lines, strconv.Itoa(v)+":"+k)
	}
	k, err := pii.Parse(strings.Join(lines, "\n"))
	if err != nil {
		panic(err)
	}
	return k
}

// A reporter no test data shares, so that finding it anywhere is a leak.
var (
	qian      = model.Person{Name: "钱多多", Phone: "13912345678", Email: "qianduoduo@example.cn", IDNo: "152921199003071234"}
	qianPlain = [][]byte{[]byte("钱多多"), []byte("13912345678"), []byte("qianduoduo"), []byte("152921199003071234"),
		[]byte("8221234")}
	// fireSaid is the fire report as the operator typed it, a number in it.
	fireSaid = "贺兰山西坡有烟，回电0483-8221234"
	// qianWithText is what unmasking the fire report shows.
	qianWithText = func() model.Person { p := qian; p.Description = fireSaid; return p }()
)

// fileFire files a fire report by 钱多多 and dispatches it to the forestry
// bureau, whose webhook gets an outbox message.
func (r *rig) fileFire() model.Case {
	r.t.Helper()
	lon, lat := fireLon, fireLat
	p := qian
	c, err := r.svc.Report(r.ctx, operator, dispatch.Report{Source: model.CaseSourceHotline, Category: catFire,
		Description: fireSaid, Lon: &lon, Lat: &lat, Reporter: &p})
	require.NoError(r.t, err)
	r.act(operator, c.ID, dispatch.Action{Name: dispatch.ActRegister})
	return r.act(dispatcher, c.ID, dispatch.Action{Name: dispatch.ActDispatch})
}

func requireMasked(t *testing.T, p *model.Person) {
	t.Helper()
	require.Equal(t, &model.Person{Name: "钱**", Phone: "139****5678", Email: "q***@example.cn",
		IDNo: "152921********1234", Masked: true, TextMasked: true}, p)
}

// TestReporterSealed: the store gets only the sealed reporter; everything
// the service hands out (cases, timeline, webhook bodies) has it masked;
// Reporter opens it.
func TestReporterSealed(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		c := r.fileFire()
		requireMasked(t, c.Reporter)

		stored, err := r.store.GetCase(r.ctx, c.ID)
		require.NoError(t, err)
		require.NotNil(t, stored.Reporter)
		require.Equal(t, model.Person{Sealed: stored.Reporter.Sealed}, *stored.Reporter, "only the sealed form is stored")
		require.True(t, strings.HasPrefix(stored.Reporter.Sealed, "sm4gcm:v1:"))

		got, err := r.svc.Case(r.ctx, c.ID)
		require.NoError(t, err)
		requireMasked(t, got.Reporter)
		list, err := r.svc.Cases(r.ctx, store.CaseFilter{})
		require.NoError(t, err)
		require.Len(t, list, 1)
		requireMasked(t, list[0].Reporter)

		tl, err := r.svc.Timeline(r.ctx, c.ID)
		require.NoError(t, err)
		b, err := json.Marshal(tl)
		require.NoError(t, err)
		requireAbsent(t, "the timeline", b)

		msgs, err := r.store.ListOutbox(r.ctx, store.OutboxFilter{CaseID: c.ID})
		require.NoError(t, err)
		require.NotEmpty(t, msgs, "the forestry bureau has a webhook")
		for _, m := range msgs {
			requireAbsent(t, "a webhook body", m.Body)
			var body struct{ Case model.Case }
			require.NoError(t, json.Unmarshal(m.Body, &body))
			requireMasked(t, body.Case.Reporter)
		}

		p, err := r.svc.Reporter(r.ctx, dispatcher, c.ID)
		require.NoError(t, err)
		require.Equal(t, qianWithText, p)
	})
}

func requireAbsent(t *testing.T, where string, b []byte) {
	t.Helper()
	for _, plain := range qianPlain {
		require.False(t, bytes.Contains(b, plain), "%s holds %q", where, plain)
	}
}

// TestReporterUnreadableInSQLiteFile greps the database file and its WAL
// for the reporter's contact, before and after a checkpoint.
func TestReporterUnreadableInSQLiteFile(t *testing.T) {
	dir := t.TempDir()
	s, err := sqlite.Open(context.Background(), dir)
	require.NoError(t, err)
	defer s.Close()
	r := newRig(t, s)
	c := r.fileFire()
	r.act(agencyUser("alsz-forestry"), c.ID, dispatch.Action{Name: dispatch.ActAccept})

	db, wal := s.Path(), s.Path()+"-wal"
	read := func(f string) []byte {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		return b
	}
	// The positive control: what is kept in plain text (the description)
	// is found where the grep looks.
	require.True(t, bytes.Contains(read(wal), []byte("贺兰山西坡有烟")), "the WAL holds the cases")
	requireAbsent(t, "the WAL", read(wal))
	requireAbsent(t, "the database file", read(db))

	conn, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	defer conn.Close()
	var busy, logged, moved int
	require.NoError(t, conn.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &moved))
	require.Positive(t, moved, "the checkpoint copied pages into the database file")
	require.True(t, bytes.Contains(read(db), []byte("贺兰山西坡有烟")), "the database file holds the cases")
	requireAbsent(t, "the database file after a checkpoint", read(db))
	requireAbsent(t, "the WAL after a checkpoint", read(wal))
}

// TestReporterUnreadableInPgDump dumps the PostGIS database and greps the
// dump.
func TestReporterUnreadableInPgDump(t *testing.T) {
	pgDump := findPgDump(t)
	dsn := pgtest.DSN(t)
	s, err := postgis.Open(context.Background(), dsn)
	require.NoError(t, err)
	defer s.Close()
	r := newRig(t, s)
	c := r.fileFire()
	r.act(agencyUser("alsz-forestry"), c.ID, dispatch.Action{Name: dispatch.ActAccept})

	out, err := exec.Command(pgDump, "--no-owner", "--dbname", dsn).Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("pg_dump: %v: %s", err, ee.Stderr)
	}
	require.NoError(t, err)
	require.True(t, bytes.Contains(out, []byte("贺兰山西坡有烟")), "the dump holds the cases (the description, in plain text)")
	require.True(t, bytes.Contains(out, []byte("sm4gcm:v1:")), "and the sealed reporter")
	requireAbsent(t, "pg_dump", out)
}

// findPgDump prefers the newest /usr/lib/postgresql/*/bin/pg_dump (a dump
// needs a pg_dump at least as new as the server), then PATH.
func findPgDump(t *testing.T) string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
	sort.Slice(dirs, func(i, j int) bool {
		return len(dirs[i]) > len(dirs[j]) || len(dirs[i]) == len(dirs[j]) && dirs[i] > dirs[j]
	})
	if p, err := exec.LookPath("pg_dump"); err == nil {
		dirs = append(dirs, p)
	}
	if len(dirs) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("no pg_dump in /usr/lib/postgresql/*/bin or PATH")
		}
		t.Skip("no pg_dump in /usr/lib/postgresql/*/bin or PATH")
	}
	return dirs[0]
}

func TestUnmaskRoles(t *testing.T) {
	r := newRig(t, openSQLite(t))
	c := r.fileFire() // dispatched to alsz-forestry
	bare := r.report(catManhole, townLon, townLat)
	noReporter, err := r.svc.Report(r.ctx, operator, dispatch.Report{Source: model.CaseSourceHotline, Category: catManhole,
		Description: "无名来电", Address: "巴彦浩特"})
	require.NoError(t, err)
	require.Nil(t, noReporter.Reporter)

	for _, tc := range []struct {
		desc string
		who  dispatch.Actor
		want string // "" or the error's text
	}{
		{"operator", operator, ""},
		{"chief", chief, ""},
		{"dispatcher", dispatcher, ""},
		{"admin", dispatch.Actor{Name: "admin", Role: dispatch.RoleAdmin}, ""},
		{"the case's agency", agencyUser("alsz-forestry"), ""},
		{"another agency", agencyUser("alsz-urban"), `agency "alsz-urban" sees the reporters of its own cases only`},
		{"an agency user without an agency", dispatch.Actor{Name: "x", Role: dispatch.RoleAgency}, "its own cases only"},
		{"viewer", viewer, `role viewer may not see a reporter's contact`},
		{"supervisor", supervisor, `role supervisor may not`},
		{"grid", dispatch.Actor{Name: "网格员", Role: dispatch.RoleGrid}, `role grid may not`},
		{"system", dispatch.System, `role system may not`},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			p, err := r.svc.Reporter(r.ctx, tc.who, c.ID)
			if tc.want == "" {
				require.NoError(t, err)
				require.Equal(t, qianWithText, p)
				return
			}
			require.ErrorIs(t, err, dispatch.ErrForbidden)
			require.ErrorContains(t, err, tc.want)
			require.Zero(t, p)
		})
	}
	_, err = r.svc.Reporter(r.ctx, agencyUser("alsz-forestry"), bare.ID)
	require.ErrorIs(t, err, dispatch.ErrForbidden, "not dispatched to the agency yet")
	_, err = r.svc.Reporter(r.ctx, operator, noReporter.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = r.svc.Reporter(r.ctx, operator, 9999)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = r.svc.Reporter(r.ctx, viewer, 9999)
	require.ErrorIs(t, err, dispatch.ErrForbidden, "a role that may never unmask learns nothing of the case")
	require.Equal(t, []string{"operator", "chief", "dispatcher", "admin", "agency"}, dispatch.UnmaskRoles())
}

func TestReportedContact(t *testing.T) {
	r := newRig(t, openSQLite(t))
	lon, lat := townLon, townLat
	report := func(p *model.Person) (model.Case, error) {
		return r.svc.Report(r.ctx, operator, dispatch.Report{Source: model.CaseSourceHotline, Category: catManhole,
			Description: "井盖缺失", Lon: &lon, Lat: &lat, Reporter: p})
	}
	for _, tc := range []struct {
		desc string
		p    model.Person
		want string
	}{
		{"a sealed value from elsewhere", model.Person{Sealed: "sm4gcm:v1:AAAA"}, "reporter.sealed, masked, text_masked, title, description and address are set by the hub"},
		{"a description in the reporter", model.Person{Name: "钱多多", Description: "原文"}, "set by the hub"},
		{"masked", model.Person{Name: "钱**", Masked: true}, "set by the hub"},
		{"a long name", model.Person{Name: strings.Repeat("钱", 65)}, "reporter.name is longer than 64"},
		{"a long phone", model.Person{Phone: strings.Repeat("1", 33)}, "reporter.phone is longer than 32"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := report(&tc.p)
			require.ErrorIs(t, err, dispatch.ErrInvalid)
			require.ErrorContains(t, err, tc.want)
		})
	}
	c, err := report(&model.Person{Name: "  ", Phone: " "})
	require.NoError(t, err)
	require.Nil(t, c.Reporter, "a reporter with no field is none")
	c, err = report(&model.Person{Name: " 张三 ", Phone: " 13812341234 "})
	require.NoError(t, err)
	p, err := r.svc.Reporter(r.ctx, operator, c.ID)
	require.NoError(t, err)
	require.Equal(t, model.Person{Name: "张三", Phone: "13812341234"}, p, "trimmed")

	// A number typed into the text is masked in the case, its timeline and
	// its webhooks alike; the text as written is sealed with the reporter.
	said := "群众来电13912345678，身份证152921199001011234，井盖缺失"
	c, err = r.svc.Report(r.ctx, operator, dispatch.Report{Source: model.CaseSourceHotline, Category: catManhole,
		Title: "回电0483-8221234", Description: said, Address: "巴彦浩特 zhang@example.com", Lon: &lon, Lat: &lat})
	require.NoError(t, err)
	require.Equal(t, "群众来电139****5678，身份证152921********1234，井盖缺失", c.Description)
	require.Equal(t, "回电048****1234", c.Title)
	require.Equal(t, "巴彦浩特 z***@example.com", c.Address)
	require.Equal(t, &model.Person{Masked: true, TextMasked: true}, c.Reporter, "no contact given: only the text is sealed")
	stored, err := r.store.GetCase(r.ctx, c.ID)
	require.NoError(t, err)
	require.NotContains(t, stored.Description+stored.Title+stored.Address+stored.Reporter.Sealed, "13912345678")
	tl, err := r.svc.Timeline(r.ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, c.Description, tl[0].Note, "the timeline has the masked text")
	p, err = r.svc.Reporter(r.ctx, operator, c.ID)
	require.NoError(t, err)
	require.Equal(t, model.Person{Title: "回电0483-8221234", Description: said, Address: "巴彦浩特 zhang@example.com"}, p)

	c, err = r.svc.Report(r.ctx, operator, dispatch.Report{Source: model.CaseSourceHotline, Category: catManhole,
		Description: "井盖缺失", Address: "巴彦浩特 联系13912345678"})
	require.NoError(t, err)
	require.Equal(t, "井盖缺失 · 巴彦浩特 联系139****5678", c.Title, "a title made from the address uses it masked")

	c, err = report(&model.Person{Name: "孙新"})
	require.NoError(t, err)
	require.Equal(t, "井盖缺失", c.Description)
	require.Equal(t, &model.Person{Name: "孙*", Masked: true}, c.Reporter, "nothing in the text: nothing more sealed")

	noKeys, err := dispatch.New(r.ctx, dispatch.Options{Catalogue: testCatalogue(t), Store: r.store, Regions: regions})
	require.NoError(t, err)
	_, err = noKeys.Report(r.ctx, operator, dispatch.Report{Source: model.CaseSourceHotline, Category: catManhole,
		Description: "井盖缺失", Address: "巴彦浩特", Reporter: &model.Person{Name: "张三"}})
	require.ErrorContains(t, err, "no PII keys", "without keys a reporter is refused, not kept in plain text")
	c, err = noKeys.Report(r.ctx, operator, dispatch.Report{Source: model.CaseSourceHotline, Category: catManhole,
		Description: "井盖缺失，来电13912345678", Address: "巴彦浩特"})
	require.NoError(t, err, "a number in the text alone does not refuse the report")
	require.Equal(t, "井盖缺失，来电139****5678", c.Description)
	require.Nil(t, c.Reporter, "nowhere to seal the original: not kept")
}

// TestKeyRotation: v1 seals; with v2 added old cases open and new ones seal
// with v2; Reseal moves everything (a reporter kept in plain text before
// sealing too) to v2; then v1 can go and everything still opens.
func TestKeyRotation(t *testing.T) {
	eachStore(t, func(t *testing.T, r *rig) {
		v1 := r.report(catManhole, townLon, townLat)
		fire := r.fileFire()
		legacy := model.Case{Source: model.CaseSourceHotline, Category: catManhole, Severity: model.SeverityMinor,
			Title: "旧案卷", Description: "升级前", State: "reported", CreatedAt: monday10, UpdatedAt: monday10,
			Reporter: &model.Person{Name: "孙旧", Phone: "13700001111"}}
		require.NoError(t, r.store.CreateCase(r.ctx, &legacy, store.CaseWrites{}))
		legacyCase, err := r.svc.Case(r.ctx, legacy.ID)
		require.NoError(t, err)
		require.Equal(t, &model.Person{Name: "孙*", Phone: "137****1111", Masked: true}, legacyCase.Reporter,
			"a reporter kept in plain text before sealing is masked too")

		both := keyring(map[int]string{1: "00112233445566778899aabbccddeeff", 2: "ffeeddccbbaa99887766554433221100"})
		r2 := rigWithKeys(t, r, both)
		p, err := r2.svc.Reporter(r.ctx, operator, v1.ID)
		require.NoError(t, err, "a v1 case opens once v2 is added")
		require.Equal(t, model.Person{Name: "张三", Phone: "13812341234"}, p)
		v2 := r2.report(catManhole, townLon, townLat)
		require.True(t, strings.HasPrefix(sealedOf(t, r, v2.ID), "sm4gcm:v2:"), "new cases seal with v2")

		dry, err := dispatch.Reseal(r.ctx, r.store, both, dispatch.ResealOptions{DryRun: true})
		require.NoError(t, err)
		require.Equal(t, dispatch.ResealResult{Cases: 4, Versions: map[int]int{1: 2, 2: 1}, Plain: 1, Resealed: 3}, dry)
		require.True(t, strings.HasPrefix(sealedOf(t, r, v1.ID), "sm4gcm:v1:"), "a dry run writes nothing")

		var pages int
		ops := dispatch.Actor{Name: "运维", Role: dispatch.RoleAdmin}
		res, err := dispatch.Reseal(r.ctx, r.store, both, dispatch.ResealOptions{Actor: ops,
			Progress: func(dispatch.ResealResult) { pages++ }})
		require.NoError(t, err)
		require.Equal(t, dry, res)
		require.Equal(t, 1, pages)
		require.Equal(t, "v1: 2, v2: 1", res.VersionList())
		for _, id := range []int64{v1.ID, fire.ID, legacy.ID, v2.ID} {
			require.True(t, strings.HasPrefix(sealedOf(t, r, id), "sm4gcm:v2:"), "case %d", id)
		}
		stored, err := r.store.GetCase(r.ctx, fire.ID)
		require.NoError(t, err)
		trail := auditTrail(t, r, fire.ID) // the chain verifies, and holds no personal data
		require.Equal(t, fmt.Sprintf("运维 pii.reseal → v%d", stored.Version), trail[len(trail)-1],
			"a reseal is audited with the version it stores")
		again, err := dispatch.Reseal(r.ctx, r.store, both, dispatch.ResealOptions{})
		require.NoError(t, err)
		require.Equal(t, dispatch.ResealResult{Cases: 4, Versions: map[int]int{2: 4}}, again)

		only2, err := both.Without(1)
		require.NoError(t, err)
		r3 := rigWithKeys(t, r, only2)
		for id, want := range map[int64]model.Person{v1.ID: {Name: "张三", Phone: "13812341234"}, fire.ID: qianWithText,
			legacy.ID: {Name: "孙旧", Phone: "13700001111"}, v2.ID: {Name: "张三", Phone: "13812341234"}} {
			p, err := r3.svc.Reporter(r.ctx, operator, id)
			require.NoError(t, err, "case %d opens without v1", id)
			require.Equal(t, want, p)
		}
		// The fire case is still worked on after the reseal.
		r3.act(agencyUser("alsz-forestry"), fire.ID, dispatch.Action{Name: dispatch.ActAccept})

		// A hub that lost a key still answers, with the reporter masked
		// and empty, and Reseal names the case it cannot open.
		r1 := rigWithKeys(t, r, testKeys)
		c, err := r1.svc.Case(r.ctx, v1.ID)
		require.NoError(t, err)
		require.Equal(t, &model.Person{Masked: true}, c.Reporter)
		bad, err := dispatch.Reseal(r.ctx, r.store, testKeys, dispatch.ResealOptions{})
		require.NoError(t, err)
		slices.Sort(bad.Failed)
		require.Equal(t, []int64{v1.ID, fire.ID, legacy.ID, v2.ID}, bad.Failed)
	})
}

// TestActSealsALegacyReporter: a change to a case kept before sealing
// stores its reporter sealed.
func TestActSealsALegacyReporter(t *testing.T) {
	r := newRig(t, openSQLite(t))
	legacy := model.Case{Source: model.CaseSourceHotline, Category: catManhole, Severity: model.SeverityMinor,
		Title: "旧案卷", Description: "升级前", State: "reported", CreatedAt: monday10, UpdatedAt: monday10,
		Lon: townLon, Lat: townLat, Reporter: &model.Person{Name: "孙旧", Phone: "13700001111"}}
	require.NoError(t, r.store.CreateCase(r.ctx, &legacy, store.CaseWrites{}))
	c := r.act(operator, legacy.ID, dispatch.Action{Name: dispatch.ActRegister})
	require.Equal(t, &model.Person{Name: "孙*", Phone: "137****1111", Masked: true}, c.Reporter)
	require.True(t, strings.HasPrefix(sealedOf(t, r, legacy.ID), "sm4gcm:v1:"))
}

func sealedOf(t *testing.T, r *rig, id int64) string {
	t.Helper()
	c, err := r.store.GetCase(r.ctx, id)
	require.NoError(t, err)
	require.NotNil(t, c.Reporter)
	return c.Reporter.Sealed
}

// rigWithKeys is another service on r's store and clock with other keys.
func rigWithKeys(t *testing.T, r *rig, keys *pii.Keyring) *rig {
	svc, err := dispatch.New(r.ctx, dispatch.Options{Catalogue: testCatalogue(t), Store: r.store, Regions: regions,
		Incidents: r.inc, Keys: keys, Now: r.clock.Now, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	r2 := *r
	r2.t, r2.svc = t, svc
	return &r2
}
