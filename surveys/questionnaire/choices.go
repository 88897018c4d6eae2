package questionnaire

import (
	"encoding/json"
	"fmt"
	"strings"
)

// EncodeAnswers turns checked answers into the stored form: choices as
// "q01=5,q02=dk,multi=a|b" and text answers as a JSON object. Question and
// option codes never contain ',', '=' or '|' (see the code pattern).
func EncodeAnswers(answers []Answer) (choices, texts string) {
	var b strings.Builder
	var t map[string]string
	for _, a := range answers {
		if a.Text != "" {
			if t == nil {
				t = map[string]string{}
			}
			t[a.Question] = a.Text
		}
		if len(a.Values) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(a.Question)
		b.WriteByte('=')
		b.WriteString(strings.Join(a.Values, "|"))
	}
	if t != nil {
		raw, _ := json.Marshal(t) // a map of strings always marshals
		texts = string(raw)
	}
	return b.String(), texts
}

// DecodeChoices reads stored choices back into answers (without texts).
func DecodeChoices(choices string) ([]Answer, error) {
	if choices == "" {
		return nil, nil
	}
	out := make([]Answer, 0, strings.Count(choices, ",")+1)
	err := EachChoice(choices, func(q, values string) error {
		out = append(out, Answer{Question: q, Values: strings.Split(values, "|")})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EachChoice calls fn with each question code of stored choices and its
// option codes as stored ("a|b" for several), without allocating: the
// export reads millions of them.
func EachChoice(choices string, fn func(question, values string) error) error {
	for rest := choices; rest != ""; {
		var item string
		item, rest, _ = strings.Cut(rest, ",")
		q, v, ok := strings.Cut(item, "=")
		if !ok || q == "" || v == "" {
			return fmt.Errorf("questionnaire: stored choices: bad item %q", item)
		}
		if err := fn(q, v); err != nil {
			return err
		}
	}
	return nil
}
