// Package demo embeds the demo league of Alxa (阿拉善盟): its region
// boundaries (regions/, MIT, see regions/README.md) and its device fleet
// (fleet.yaml). `hub --demo` loads both; with no --regions-dir the hub also
// uses these regions.
package demo

import (
	"embed"
	"io/fs"
)

// FS holds fleet.yaml and regions/.
//
//go:embed fleet.yaml regions/*.geojson
var FS embed.FS

// Regions is the region GeoJSON folder.
func Regions() fs.FS {
	sub, err := fs.Sub(FS, "regions")
	if err != nil {
		panic(err) // the folder is embedded above; absence is a build error
	}
	return sub
}
