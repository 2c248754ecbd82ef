package screen

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestFSServesPagesAndTheirAssets checks the committed build: the screen
// (index.html), the console and the agency page at the root, every script and
// stylesheet each names present, and no asset fetched from another origin
// (the pages run on networks without internet).
func TestFSServesPagesAndTheirAssets(t *testing.T) {
	fsys := FS()
	for _, page := range []string{"index.html", "console.html", "agency.html"} {
		t.Run(page, func(t *testing.T) {
			html, err := fs.ReadFile(fsys, page)
			if err != nil {
				t.Fatalf("%s not at the root of FS(): %v", page, err)
			}
			refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(string(html), -1)
			if len(refs) < 3 {
				t.Fatalf("%s names %d assets, want its scripts and stylesheets", page, len(refs))
			}
			for _, m := range refs {
				ref := m[1]
				name, _, _ := strings.Cut(ref, "?")
				if strings.HasPrefix(ref, "data:") || name == "" || strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".html") {
					continue // a link to another page, not an asset
				}
				if strings.Contains(ref, "//") {
					t.Errorf("%s loads %q from another origin", page, ref)
					continue
				}
				if _, err := fs.Stat(fsys, strings.TrimPrefix(name, "/")); err != nil {
					t.Errorf("%s names %q: %v", page, ref, err)
				}
			}
		})
	}
}

// TestBuildInfoMatchesFiles checks BUILD.txt against the embedded files, so a
// hand edit of dist/ (instead of src/ and `npm run build`) fails in Go alone.
func TestBuildInfoMatchesFiles(t *testing.T) {
	fsys := FS()
	info, err := fs.ReadFile(fsys, "BUILD.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^echarts \d+\.\d+\.\d+ `).Match(info) {
		t.Errorf("BUILD.txt does not record the echarts version:\n%s", info)
	}
	sums := regexp.MustCompile(`(?m)^([0-9a-f]{64})  (\S+)$`).FindAllStringSubmatch(string(info), -1)
	if len(sums) < 5 {
		t.Fatalf("BUILD.txt lists %d files, want every file of dist/", len(sums))
	}
	listed := map[string]bool{"BUILD.txt": true}
	for _, m := range sums {
		listed[m[2]] = true
		body, err := fs.ReadFile(fsys, m[2])
		if err != nil {
			t.Errorf("BUILD.txt lists %s: %v", m[2], err)
			continue
		}
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != m[1] {
			t.Errorf("%s differs from BUILD.txt: edit src/ and run `npm run build`", m[2])
		}
	}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !listed[p] {
			t.Errorf("%s is in dist/ but not in BUILD.txt", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
