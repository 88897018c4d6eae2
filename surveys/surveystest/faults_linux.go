package surveystest

import (
	"os/exec"
	"syscall"
)

// KillWithParent makes cmd's process die with the test binary, so a test
// killed by its timeout leaves no server behind. Call it before cmd.Start.
func KillWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
