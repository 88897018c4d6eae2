package report

import (
	_ "embed"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

//go:embed stopwords.txt
var stopwordsFile string

// Comment is one writer's free text. Writer identifies the writer (a
// response id or respondent key), so that a term counts writers, not
// mentions.
type Comment struct {
	Writer, Text string
}

// Term is a frequent term of the comments and how many distinct writers
// used it.
type Term struct {
	Text    string
	Writers int
}

// Terms finds the comment terms of "what residents said" without a
// dictionary: it splits each comment into runs of Han characters, cuts the
// runs at the stop words of stopwords.txt (longest match first), takes
// every 2- to 4-character n-gram of what is left, counts the distinct
// writers of each, drops an n-gram contained in a longer one with the same
// writers (it only ever occurs inside that one), and returns the terms
// used by at least k writers (k < 1 means DefaultK), most writers first
// (then longer, then by text), at most limit of them (0 = all). Terms never
// carries a comment, only counts of n-grams that k or more people wrote.
func Terms(comments []Comment, k, limit int) []Term {
	if k < 1 {
		k = DefaultK
	}
	stop, longest := stopwords()
	writers := map[string]map[string]struct{}{}
	for _, c := range comments {
		for _, run := range hanRuns(c.Text) {
			for _, piece := range cutAt(run, stop, longest) {
				for n := 2; n <= 4; n++ {
					for i := 0; i+n <= len(piece); i++ {
						g := string(piece[i : i+n])
						if stop[g] {
							continue
						}
						if writers[g] == nil {
							writers[g] = map[string]struct{}{}
						}
						writers[g][c.Writer] = struct{}{}
					}
				}
			}
		}
	}
	var terms []Term
	for g, w := range writers {
		if len(w) >= k {
			terms = append(terms, Term{g, len(w)})
		}
	}
	// Longest first, so that a term is compared with every longer one.
	slices.SortFunc(terms, func(a, b Term) int {
		return utf8.RuneCountInString(b.Text) - utf8.RuneCountInString(a.Text)
	})
	var kept []Term
	for _, t := range terms {
		inside := slices.ContainsFunc(kept, func(l Term) bool {
			return l.Writers == t.Writers && len(l.Text) > len(t.Text) && strings.Contains(l.Text, t.Text)
		})
		if !inside {
			kept = append(kept, t)
		}
	}
	slices.SortFunc(kept, func(a, b Term) int {
		if a.Writers != b.Writers {
			return b.Writers - a.Writers
		}
		if la, lb := utf8.RuneCountInString(a.Text), utf8.RuneCountInString(b.Text); la != lb {
			return lb - la
		}
		return strings.Compare(a.Text, b.Text)
	})
	if limit > 0 && len(kept) > limit {
		kept = kept[:limit]
	}
	return kept
}

// stopwords parses stopwords.txt into a set and the longest word's length
// in runes.
func stopwords() (map[string]bool, int) {
	set := map[string]bool{}
	longest := 1
	for _, line := range strings.Split(stopwordsFile, "\n") {
		w := strings.TrimSpace(line)
		if w == "" || strings.HasPrefix(w, "#") {
			continue
		}
		set[w] = true
		longest = max(longest, utf8.RuneCountInString(w))
	}
	return set, longest
}

// hanRuns splits text into maximal runs of Han characters; everything else
// (punctuation, digits, Latin, spaces) separates them.
func hanRuns(text string) [][]rune {
	var runs [][]rune
	var cur []rune
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			cur = append(cur, r)
			continue
		}
		if len(cur) > 0 {
			runs = append(runs, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

// cutAt removes the stop words from a run, longest match first at each
// position, and returns the pieces between them.
func cutAt(run []rune, stop map[string]bool, longest int) [][]rune {
	var pieces [][]rune
	start := 0
	for i := 0; i < len(run); {
		n := 0
		for l := min(longest, len(run)-i); l >= 1; l-- {
			if stop[string(run[i:i+l])] {
				n = l
				break
			}
		}
		if n == 0 {
			i++
			continue
		}
		if i > start {
			pieces = append(pieces, run[start:i])
		}
		i += n
		start = i
	}
	if start < len(run) {
		pieces = append(pieces, run[start:])
	}
	return pieces
}
