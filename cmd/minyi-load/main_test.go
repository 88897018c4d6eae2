package main

import (
	"io"
	"strings"
	"testing"
)

func TestCheckLoopback(t *testing.T) {
	cases := []struct {
		name string
		url  string
		ok   bool
	}{
		{"127.0.0.1", "http://127.0.0.1:8080", true},
		{"elsewhere in 127/8", "http://127.1.2.3:8080", true},
		{"IPv6 loopback", "http://[::1]:8080", true},
		{"localhost", "http://localhost:8080", true},
		{"LOCALHOST with a trailing dot", "http://LOCALHOST.:8080/", true},
		{"https", "https://127.0.0.1", true},
		{"private 10/8", "http://10.0.0.1:8080", false},
		{"private 192.168/16", "http://192.168.1.1", false},
		{"a public name", "http://example.com", false},
		{"a name that starts like loopback", "http://127.0.0.1.example.com", false},
		{"a name ending in localhost", "http://evil-localhost:8080", false},
		{"unspecified", "http://0.0.0.0:8080", false},
		{"IPv6 unspecified", "http://[::]:8080", false},
		{"not http", "ftp://127.0.0.1", false},
		{"no scheme", "127.0.0.1:8080", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkLoopback(tc.url)
			if (err == nil) != tc.ok {
				t.Fatalf("checkLoopback(%q) = %v, want ok=%v", tc.url, err, tc.ok)
			}
		})
	}
}

func TestLoopbackDialer(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:80": true, "127.9.9.9:80": true, "[::1]:80": true,
		"10.0.0.1:80": false, "[2001:db8::1]:80": false, "93.184.216.34:443": false,
	} {
		if err := loopbackOnly("tcp", addr, nil); (err == nil) != ok {
			t.Errorf("loopbackOnly(%s) = %v, want ok=%v", addr, err, ok)
		}
	}
}

func TestParseFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		err  string // a part of the error; "" = valid
	}{
		{"defaults", nil, ""},
		{"all set", []string{"-url", "http://localhost:9000", "-survey", "x-2023", "-c", "1", "-rate", "500",
			"-duration", "5s", "-max", "10", "-retry", "0", "-dup", "1", "-timeout", "1s", "-probe", "0", "-json"}, ""},
		{"shares at their bounds", []string{"-retry", "1", "-dup", "0"}, ""},
		{"no concurrency", []string{"-c", "0"}, "-c must be at least 1"},
		{"negative concurrency", []string{"-c", "-3"}, "-c must be at least 1"},
		{"retry below 0", []string{"-retry", "-0.1"}, "-retry is a share"},
		{"retry above 1", []string{"-retry", "1.5"}, "-retry is a share"},
		{"retry NaN", []string{"-retry", "NaN"}, "-retry is a share"},
		{"dup below 0", []string{"-dup", "-1"}, "-dup is a share"},
		{"dup above 1", []string{"-dup", "2"}, "-dup is a share"},
		{"negative rate", []string{"-rate", "-1"}, "-rate must not be negative"},
		{"zero duration", []string{"-duration", "0s"}, "-duration must be positive"},
		{"zero max", []string{"-max", "0"}, "-max must be"},
		{"huge max", []string{"-max", "2000000000"}, "-max must be"},
		{"zero timeout", []string{"-timeout", "0s"}, "-timeout must be positive"},
		{"negative probe", []string{"-probe", "-1s"}, "-probe must not be negative"},
		{"empty survey", []string{"-survey", ""}, "-survey must be"},
		{"survey with a path", []string{"-survey", "a/../b"}, "-survey must be"},
		{"remote host", []string{"-url", "http://192.168.1.1:8080"}, "loopback"},
		{"stray argument", []string{"extra"}, "unexpected argument"},
		{"unknown flag", []string{"-concurrency", "3"}, "not defined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseFlags(tc.args, io.Discard)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("parseFlags(%q) = %v, want no error", tc.args, err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("parseFlags(%q) = %v, want an error with %q", tc.args, err, tc.err)
			case tc.name == "defaults":
				want := config{URL: "http://127.0.0.1:8080", Survey: "social-2022", Concurrency: 64, Duration: 60e9,
					Max: 1_000_000, Retry: 0.05, Dup: 0.02, Timeout: 10e9, Probe: 100e6}
				if cfg != want {
					t.Fatalf("defaults = %+v, want %+v", cfg, want)
				}
			}
		})
	}
}
