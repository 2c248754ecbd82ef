// Package screen embeds the big screen's built assets (dist/) so the hub
// binary serves them with no network and no Node at run time. dist/ is
// committed: `npm ci && npm run build` in this folder regenerates it
// byte-for-byte from src/ and the pinned echarts package, and CI checks that
// the committed copy matches. See README.md here.
package screen

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// FS is the built screen with index.html at its root.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded above; absence is a build error
	}
	return sub
}
