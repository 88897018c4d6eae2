package export

import "testing"

func TestDefuse(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"equals", `=HYPERLINK("http://evil.example","点这里")`, `'=HYPERLINK("http://evil.example","点这里")`},
		{"plus", "+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"minus", "-2+3", "'-2+3"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\t=1", "'\t=1"},
		{"carriage return", "\r=1", "'\r=1"},
		{"plain text", "路灯坏了", "路灯坏了"},
		{"formula later", "a=1", "a=1"},
		{"empty", "", ""},
		{"number", "12.5", "12.5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := defuse(tc.in); got != tc.want {
				t.Fatalf("defuse(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
