package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is the unit of utime and stime in /proc/PID/stat: USER_HZ,
// which Linux fixes at 100 for this interface on every architecture Go
// builds for (sysconf(_SC_CLK_TCK) answers 100; reading it would need cgo).
const clockTicks = 100

// watched is a process whose CPU time a run measures: -pids app=PID,….
type watched struct {
	Name string
	PID  int
}

// cpuUse is the CPU one watched process spent during a run.
type cpuUse struct {
	Name        string  `json:"name"`
	PID         int     `json:"pid"`
	MS          float64 `json:"cpu_ms"`              // user + system
	PerAccepted float64 `json:"cpu_ms_per_accepted"` // MS / accepted; 0 when none was accepted
}

// parsePids reads -pids: comma-separated NAME=PID or bare PID (then named
// "pid<PID>"), e.g. "app=1234,db=567,redis=89".
func parsePids(s string) ([]watched, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []watched
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		name, num, named := strings.Cut(strings.TrimSpace(part), "=")
		if !named {
			num, name = name, "pid"+name
		}
		pid, err := strconv.Atoi(num)
		if err != nil || pid < 1 {
			return nil, fmt.Errorf("-pids: %q is not NAME=PID or PID", part)
		}
		if name == "" || seen[name] {
			return nil, fmt.Errorf("-pids: name %q is empty or given twice", name)
		}
		seen[name] = true
		out = append(out, watched{Name: name, PID: pid})
	}
	return out, nil
}

// parseStat returns utime + stime, in clock ticks, from the contents of
// /proc/PID/stat. The command name (field 2) is in parentheses and may hold
// spaces and parentheses itself, so the fields are counted from the last ')'.
func parseStat(b []byte) (int64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name in %q", excerpt(b))
	}
	f := strings.Fields(string(b[i+1:]))
	// After the name: state (field 3) … utime (14), stime (15).
	if len(f) < 13 {
		return 0, fmt.Errorf("only %d fields after the command name", len(f))
	}
	var sum int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("utime/stime %q is not a count of ticks", s)
		}
		sum += n
	}
	return sum, nil
}

// cpuTicks reads a process's utime + stime from /proc.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	n, err := parseStat(b)
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return n, nil
}

// cpuSnapshot reads every watched process's ticks.
func cpuSnapshot(ps []watched) ([]int64, error) {
	out := make([]int64, len(ps))
	for i, p := range ps {
		n, err := cpuTicks(p.PID)
		if err != nil {
			return nil, fmt.Errorf("%s (pid %d): %w", p.Name, p.PID, err)
		}
		out[i] = n
	}
	return out, nil
}

// cpuUses turns two snapshots into each process's CPU-ms and CPU-ms per
// accepted response, with a "total" row last when more than one is watched.
func cpuUses(ps []watched, before, after []int64, accepted int) []cpuUse {
	var out []cpuUse
	var sum float64
	for i, p := range ps {
		ms := float64(after[i]-before[i]) * 1000 / clockTicks
		sum += ms
		out = append(out, cpuUse{Name: p.Name, PID: p.PID, MS: ms})
	}
	if len(ps) > 1 {
		out = append(out, cpuUse{Name: "total", MS: sum})
	}
	for i := range out {
		if accepted > 0 {
			out[i].PerAccepted = out[i].MS / float64(accepted)
		}
	}
	return out
}
