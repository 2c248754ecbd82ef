package dispatch

// Roles, by stable id (the UI shows the Chinese).
const (
	RoleOperator   = "operator"   // 值班员/受理员: takes reports, registers
	RoleChief      = "chief"      // 值班长: everything an operator and dispatcher does, suspends, approves extensions
	RoleDispatcher = "dispatcher" // 派遣员: dispatches and re-dispatches
	RoleAgency     = "agency"     // 专业部门: signs, returns, handles, reports in, for its own agency only
	RoleSupervisor = "supervisor" // 监督员: verifies (核查), approves extensions
	RoleGrid       = "grid"       // 网格员: reports
	RoleViewer     = "viewer"     // reads
	RoleAdmin      = "admin"      // everything
	RoleSystem     = "system"     // the hub itself: automatic paths and sensors
)

// Actor is who asks for a change.
type Actor struct {
	Name   string `json:"name"`
	Role   string `json:"role"`
	Agency string `json:"agency,omitempty"` // for RoleAgency
}

// System is the hub acting on its own (auto-register, SLA sweeps).
var System = Actor{Name: "system", Role: RoleSystem}
