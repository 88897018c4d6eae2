package questionnaire

import (
	"encoding/json"
	"fmt"
)

// What the external tests reach that the package does not export.

// DecodeAnswers reads stored choices and texts back into answers.
func DecodeAnswers(choices, texts string) ([]Answer, error) {
	out, err := DecodeChoices(choices)
	if err != nil || texts == "" {
		return out, err
	}
	var t map[string]string
	if err := json.Unmarshal([]byte(texts), &t); err != nil {
		return nil, fmt.Errorf("questionnaire: stored texts: %w", err)
	}
	for q, v := range t {
		out = append(out, Answer{Question: q, Text: v})
	}
	return out, nil
}
