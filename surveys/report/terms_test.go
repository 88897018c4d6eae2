package report

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// writersSaying makes n comments, one per writer, from a template with %d.
func writersSaying(prefix string, n int, text string) []Comment {
	out := make([]Comment, n)
	for i := range out {
		out[i] = Comment{Writer: fmt.Sprintf("%s%d", prefix, i), Text: text}
	}
	return out
}

func termTexts(ts []Term) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Text
	}
	return out
}

func TestTerms(t *testing.T) {
	var all []Comment
	// 12 writers on parking, each in their own words (and twice).
	parking := []string{"小区停车位太少", "停车位不够用", "晚上找不到停车位", "停车位收费太贵", "增加停车位",
		"老旧小区停车位紧张", "停车位被占", "规划停车位", "路边停车位少", "停车位难找", "停车位", "多建停车位"}
	for i, p := range parking {
		all = append(all, Comment{Writer: fmt.Sprintf("park%d", i), Text: p + "。" + p + "！"})
	}
	// 10 writers on roads, each in their own words.
	roads := []string{"希望多修路", "村里的路太烂，多修路", "修路太慢", "修路要快", "早点修路", "修路扬尘大",
		"修路封路太久", "修路时间太长", "修路质量差", "修路不方便"}
	for i, r := range roads {
		all = append(all, Comment{Writer: fmt.Sprintf("road%d", i), Text: r})
	}
	all = append(all, writersSaying("bus", 9, "公交班次少")...) // 9 < k
	// One writer says "公交班次" fifty times: still one writer.
	for i := range 50 {
		all = append(all, Comment{Writer: "loud", Text: fmt.Sprintf("公交班次少%d", i)})
	}
	// A long unique comment that could identify its writer.
	all = append(all, Comment{Writer: "me", Text: "我家住在幸福路十八号三单元的王某某"})
	got := Terms(all, 10, 0)
	t.Logf("terms: %v", got)
	byText := map[string]int{}
	for _, term := range got {
		byText[term.Text] = term.Writers
	}

	tests := []struct {
		name    string
		term    string
		writers int // 0: absent
	}{
		{"12 writers, each writing it twice", "停车位", 12},
		{"an n-gram only inside a longer term with the same writers goes", "停车", 0},
		{"and its other fragment", "车位", 0},
		{"10 writers is k", "修路", 10},
		{"9 writers + 1 loud one is 10 writers", "公交班次", 10},
		{"under k writers never", "王某某", 0},
		{"two writers' phrase is no term", "多修路", 0},
		{"a stop word alone is no term", "希望", 0},
		{"no term across a stop word (的)", "村里的路", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if n := byText[tc.term]; n != tc.writers {
				t.Errorf("%s: %d writers, want %d (terms %v)", tc.term, n, tc.writers, got)
			}
		})
	}
	t.Run("never a term of fewer than k writers", func(t *testing.T) {
		for _, term := range got {
			if term.Writers < 10 {
				t.Errorf("%v", term)
			}
		}
	})
	t.Run("never a comment", func(t *testing.T) {
		for _, term := range got {
			for _, c := range all {
				if term.Text == c.Text || strings.Contains(term.Text, "幸福路") {
					t.Errorf("term %q is a comment", term.Text)
				}
			}
		}
	})
	t.Run("most writers first, then longer", func(t *testing.T) {
		if !slices.IsSortedFunc(got, func(a, b Term) int { return b.Writers - a.Writers }) {
			t.Errorf("not by writers: %v", got)
		}
		if got[0].Text != "停车位" {
			t.Errorf("first %v, want 停车位 (12 writers)", got[0])
		}
	})
	t.Run("limit", func(t *testing.T) {
		if top := Terms(all, 10, 2); !slices.Equal(termTexts(top), termTexts(got[:2])) {
			t.Errorf("limit 2: %v, want %v", top, got[:2])
		}
	})
	t.Run("default k", func(t *testing.T) {
		if !slices.Equal(termTexts(Terms(all, 0, 0)), termTexts(got)) {
			t.Error("k 0 is not DefaultK")
		}
	})
}

func TestTermsIgnoresNonHan(t *testing.T) {
	all := writersSaying("w", 10, "WiFi 5G!!! 123，。")
	if got := Terms(all, 10, 0); len(got) != 0 {
		t.Fatalf("terms %v from no Chinese text", got)
	}
}

func TestStopwordsParse(t *testing.T) {
	stop, longest := stopwords()
	for _, w := range []string{"的", "希望", "越来越"} {
		if !stop[w] {
			t.Errorf("%q is not a stop word", w)
		}
	}
	for w := range stop {
		if strings.HasPrefix(w, "#") || strings.TrimSpace(w) != w {
			t.Errorf("stop word %q", w)
		}
	}
	if longest != 4 {
		t.Errorf("longest stop word has %d characters, want 4 (没有意见)", longest)
	}
}
