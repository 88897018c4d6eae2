package questionnaire

import (
	"embed"
	"fmt"
)

//go:embed templates/*.json
var builtin embed.FS

// Builtin returns the JSON of a built-in template, e.g. "social-2022".
func Builtin(name string) ([]byte, error) {
	data, err := builtin.ReadFile("templates/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("questionnaire: no built-in template %q", name)
	}
	return data, nil
}
