package mosquittotest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the broker if the test binary dies
// without running its cleanups (a timeout panic, kill -9), so no stray
// mosquitto keeps a port.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
