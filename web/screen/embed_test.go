package screen

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestFSServesIndexAndItsAssets checks the committed build: index.html at the
// root, every script and stylesheet it names present, and no asset fetched
// from another origin (the screen runs on networks without internet).
func TestFSServesIndexAndItsAssets(t *testing.T) {
	fsys := FS()
	index, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		t.Fatalf("index.html not at the root of FS(): %v", err)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(string(index), -1)
	if len(refs) < 3 {
		t.Fatalf("index.html names %d assets, want the scripts and the stylesheet", len(refs))
	}
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		if strings.Contains(ref, "//") {
			t.Errorf("index.html loads %q from another origin", ref)
			continue
		}
		name, _, _ := strings.Cut(ref, "?")
		if _, err := fs.Stat(fsys, name); err != nil {
			t.Errorf("index.html names %q: %v", ref, err)
		}
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
