package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// A real line's shape: utime 1520 and stime 318 are fields 14 and 15;
	// the command name holds a space and a ')' of its own.
	fixture := "4242 (minyi (x) 2) S 1 4242 4242 0 -1 4194560 9801 0 0 0 1520 318 0 0 20 0 9 0 123456 1530000000 11000 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0\n"
	got, err := parseStat([]byte(fixture))
	if err != nil || got != 1520+318 {
		t.Fatalf("parseStat(fixture) = %d, %v; want %d", got, err, 1520+318)
	}
	for name, bad := range map[string]string{
		"no name":       "4242 S 1 2 3",
		"too short":     "4242 (minyi) S 1 4242 4242 0 -1 4194560 9801 0 0 0 1520",
		"not a number":  "4242 (minyi) S 1 4242 4242 0 -1 4194560 9801 0 0 0 15x0 318 0",
		"negative":      "4242 (minyi) S 1 4242 4242 0 -1 4194560 9801 0 0 0 -1 318 0",
		"empty content": "",
	} {
		if n, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("%s: parseStat(%q) = %d, want an error", name, bad, n)
		}
	}
}

func TestCPUTicksOfThisProcess(t *testing.T) {
	pid := os.Getpid()
	before, err := cpuTicks(pid)
	if err != nil {
		t.Fatal(err)
	}
	// Spin for 300 ms of wall time: at least ~20 ticks of CPU on any core.
	x := 0
	for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline); {
		for i := range 10_000 {
			x ^= i
		}
	}
	after, err := cpuTicks(pid)
	if err != nil {
		t.Fatal(err)
	}
	if d := after - before; d < 5 {
		t.Fatalf("ticks grew by %d (%d → %d) while spinning 300 ms (x=%d); want ≥ 5", d, before, after, x)
	}
	if _, err := cpuTicks(1 << 30); err == nil {
		t.Fatal("cpuTicks of a pid that cannot exist: no error")
	}
}

func TestParsePids(t *testing.T) {
	ps, err := parsePids("app=12, db=34,56")
	if err != nil {
		t.Fatal(err)
	}
	want := []watched{{"app", 12}, {"db", 34}, {"pid56", 56}}
	if len(ps) != len(want) {
		t.Fatalf("parsePids = %+v, want %+v", ps, want)
	}
	for i := range want {
		if ps[i] != want[i] {
			t.Fatalf("parsePids = %+v, want %+v", ps, want)
		}
	}
	if ps, err := parsePids(""); err != nil || ps != nil {
		t.Fatalf("parsePids(\"\") = %v, %v", ps, err)
	}
	for _, bad := range []string{"app=", "app=x", "=12", "app=0", "app=-3", "app=1,app=2", "12,12", "1,,2"} {
		if _, err := parsePids(bad); err == nil {
			t.Errorf("parsePids(%q): no error", bad)
		}
	}
	if _, err := parseFlags([]string{"-pids", "app=x"}, nil); err == nil || !strings.Contains(err.Error(), "-pids") {
		t.Errorf("parseFlags -pids app=x = %v, want a -pids error", err)
	}
}

func TestCPUUses(t *testing.T) {
	ps := []watched{{"app", 1}, {"db", 2}}
	got := cpuUses(ps, []int64{100, 50}, []int64{150, 60}, 1000) // 500 ms and 100 ms
	want := []cpuUse{{"app", 1, 500, 0.5}, {"db", 2, 100, 0.1}, {"total", 0, 600, 0.6}}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cpuUses = %+v, want %+v", got, want)
		}
	}
	if one := cpuUses(ps[:1], []int64{0}, []int64{10}, 0); len(one) != 1 || one[0].PerAccepted != 0 {
		t.Fatalf("one process, none accepted: %+v", one)
	}
}
