// Package demo embeds the demo league of Alxa (阿拉善盟): its region
// boundaries (regions/, MIT, see regions/README.md), its device fleet
// (fleet.yaml) and its dispatch catalogue (dispatch.yaml: categories,
// agencies, plans and resources, for dispatch.LoadCatalogue). `hub --demo`
// loads the regions and the fleet; with no --regions-dir the hub also uses
// these regions.
package demo

import (
	"embed"
	"io/fs"
)

// FS holds fleet.yaml, dispatch.yaml and regions/.
//
//go:embed fleet.yaml dispatch.yaml regions/*.geojson
var FS embed.FS

// Regions is the region GeoJSON folder.
func Regions() fs.FS {
	sub, err := fs.Sub(FS, "regions")
	if err != nil {
		panic(err) // the folder is embedded above; absence is a build error
	}
	return sub
}
