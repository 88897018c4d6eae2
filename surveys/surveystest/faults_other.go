//go:build !linux

package surveystest

import "os/exec"

// KillWithParent makes cmd's process die with the test binary where the
// system allows it (Linux); elsewhere it does nothing.
func KillWithParent(cmd *exec.Cmd) {}
