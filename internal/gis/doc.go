// Package gis owns the administrative map of the hub: it loads region
// boundaries (province → league 盟/市 → banner 旗/县/区 → town 苏木/镇 → village
// 嘎查/社区 → grid) from GeoJSON and answers "which region is this point in?".
//
// Every device registration and every alarm is placed with [Index.Locate], so
// Locate is built for the hot path: an R-tree per level over polygon bounding
// boxes, then an exact even-odd point-in-polygon test over a banded edge list,
// with no allocation per call. The deepest level that contains the point wins;
// a point on an edge shared by two regions of the same level goes to the
// region with the smaller code, so a fence-line device never flips between
// neighbours. Boundaries (outer rings and holes) count as inside.
//
// bearing.go holds the spherical geometry of fire-watch towers: calibrated
// bearings, great-circle distance and destination, the intersection of two
// towers' radials (Triangulate, rejecting near-parallel bearings, fixes
// behind a tower and fixes beyond range) and the bearing line to draw when
// only one tower sees the smoke.
//
// When Locate reports ok=false the point is outside every loaded boundary (a
// mis-typed coordinate, or a device just over the league border). Callers do
// not drop such readings: they file them under [Unassigned] / [UnassignedName]
// so that the big screen shows them as "区域外（待分配）" and a person assigns
// them by hand.
//
// The package is a leaf library: it must not import any other internal
// package, do I/O beyond the fs.FS it is handed, or know about devices,
// alarms or HTTP. [Index.GeoJSON] hands the map to the big screen as bytes;
// serving them is the caller's job.
package gis
