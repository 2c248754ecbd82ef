package hub_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/access"
)

// The role table in docs/security.md is the hub's own route table: this test
// fails when an endpoint or its roles change and the document does not.
// UPDATE_DOCS=1 go test ./internal/hub -run TestSecurityDocRoleTable rewrites
// it.
func TestSecurityDocRoleTable(t *testing.T) {
	h := startHub(t)
	var b strings.Builder
	b.WriteString("| endpoint | " + strings.Join(access.Roles, " | ") + " |\n")
	b.WriteString("|---|" + strings.Repeat("---|", len(access.Roles)) + "\n")
	for _, rt := range h.Routes() {
		b.WriteString("| `" + rt.Method + " " + rt.Path + "` |")
		for _, role := range access.Roles {
			switch {
			case rt.Roles == nil:
				b.WriteString(" public |")
			case slices.Contains(rt.Roles, role):
				b.WriteString(" ✓ |")
			default:
				b.WriteString(" |")
			}
		}
		b.WriteString("\n")
	}
	const begin, end = "<!-- roles:begin -->\n", "<!-- roles:end -->"
	path := "../../docs/security.md"
	doc, err := os.ReadFile(path)
	require.NoError(t, err)
	i, j := strings.Index(string(doc), begin), strings.Index(string(doc), end)
	require.True(t, i >= 0 && j > i, "docs/security.md has no role table markers")
	want := string(doc[:i+len(begin)]) + b.String() + string(doc[j:])
	if os.Getenv("UPDATE_DOCS") != "" {
		require.NoError(t, os.WriteFile(path, []byte(want), 0o644))
		return
	}
	require.Equal(t, want, string(doc), "docs/security.md's role table is out of date: UPDATE_DOCS=1 go test ./internal/hub -run TestSecurityDocRoleTable")
}
