package dispatch

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
)

// chain returns the case's regions, deepest first: the deepest region
// containing its point, then its ancestors up to the root. A case without a
// point (an address only) starts at its region code, if any.
func (s *Service) chain(c model.Case) []gis.Region {
	var first gis.Region
	var ok bool
	if c.Lon != 0 || c.Lat != 0 {
		first, ok = s.opts.Regions.Locate(c.Lon, c.Lat)
	}
	if !ok && c.RegionCode != "" {
		first, ok = s.opts.Regions.Get(c.RegionCode)
	}
	if !ok {
		return nil
	}
	return append([]gis.Region{first}, s.opts.Regions.Ancestors(first.Code)...)
}

// route proposes the agency of agencyType (or owning cat) for a case: walk
// up from the deepest region containing the point and take the first
// region with such an agency; none anywhere → the territorial government
// of the deepest region that has one (属地兜底).
func (s *Service) route(cat Category, agencyType string, c model.Case) model.Routing {
	regions := s.chain(c)
	if len(regions) == 0 {
		// Outside every known region: the root's government answers.
		return s.fallback(nil, cat, fmt.Sprintf("位置不在任何已知区域内，%s 无法按属地派遣", cat.Minor))
	}
	for _, r := range regions {
		if a, ok := s.ownerIn(r.Code, cat, agencyType); ok {
			reason := fmt.Sprintf("%s（%s）的%s责任单位", r.Name, r.Code, s.typeOrCategory(cat, agencyType))
			if r.Code != regions[0].Code {
				reason = fmt.Sprintf("%s（%s）无%s责任单位，上溯至%s（%s）", regions[0].Name, regions[0].Code,
					s.typeOrCategory(cat, agencyType), r.Name, r.Code)
			}
			return model.Routing{AgencyID: a.ID, Reason: reason}
		}
	}
	return s.fallback(regions, cat, fmt.Sprintf("%s 及其上级区域均无%s责任单位", regions[0].Name, s.typeOrCategory(cat, agencyType)))
}

// typeOrCategory names what the router looks for: the category (森林火情)
// or, when a plan leads with another type, that type's name (水务部门).
func (s *Service) typeOrCategory(cat Category, agencyType string) string {
	if agencyType != "" && agencyType != cat.AgencyType {
		if name := s.opts.Catalogue.AgencyTypes[agencyType]; name != "" {
			return name
		}
		return agencyType
	}
	return cat.Minor
}

// ownerIn returns the agency in region code that owns cat (or is of
// agencyType when that differs from the category's): one that lists the
// category by code first, then by type; ties by id.
func (s *Service) ownerIn(code string, cat Category, agencyType string) (Agency, bool) {
	byType := agencyType != "" && agencyType != cat.AgencyType
	var cands []Agency
	for _, a := range s.opts.Catalogue.Agencies {
		if a.Region == code && (byType && a.Type == agencyType || !byType && a.Owns(cat)) {
			cands = append(cands, a)
		}
	}
	if len(cands) == 0 {
		return Agency{}, false
	}
	slices.SortStableFunc(cands, func(a, b Agency) int {
		return cmp.Or(-cmp.Compare(b2i(slices.Contains(a.Categories, cat.Code)), b2i(slices.Contains(b.Categories, cat.Code))),
			cmp.Compare(a.ID, b.ID))
	})
	return cands[0], true
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fallback gives the case to the territorial government of the deepest
// region that has one.
func (s *Service) fallback(regions []gis.Region, cat Category, why string) model.Routing {
	for _, r := range regions {
		if a, ok := s.ownerIn(r.Code, cat, AgencyGovernment); ok {
			return model.Routing{AgencyID: a.ID, Reason: "属地兜底：" + why + "，由" + a.Name + "负责"}
		}
	}
	// No region: the government serving the highest region there is.
	var best Agency
	for _, a := range s.opts.Catalogue.Agencies {
		if a.Type == AgencyGovernment && (best.ID == "" || len(a.Region) < len(best.Region) ||
			len(a.Region) == len(best.Region) && a.Region < best.Region) {
			best = a
		}
	}
	return model.Routing{AgencyID: best.ID, Reason: "属地兜底：" + why + "，由" + best.Name + "负责"}
}

// supervisor is the 督办 body over a case: the supervision agency of the
// deepest region above or at the case's that has one.
func (s *Service) supervisor(c model.Case) (Agency, bool) {
	for _, r := range s.chain(c) {
		for _, a := range s.opts.Catalogue.Agencies {
			if a.Region == r.Code && a.Type == AgencySupervision {
				return a, true
			}
		}
	}
	return Agency{}, false
}

// inRegions reports whether a case lies in one of codes or below it.
func (s *Service) inRegions(c model.Case, codes []string) bool {
	if len(codes) == 0 {
		return true
	}
	return slices.ContainsFunc(s.chain(c), func(r gis.Region) bool { return slices.Contains(codes, r.Code) })
}
