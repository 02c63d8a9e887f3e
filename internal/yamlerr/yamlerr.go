// Package yamlerr rewrites the errors of the YAML decoder in the form
// Orca gives every input error: file:line: message, one line per problem.
package yamlerr

import (
	"errors"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

var linePattern = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// Rewrite returns err, an error of yaml.Unmarshal or a yaml.Decoder, as
// "file:line: message" lines: one per problem of a *yaml.TypeError.
func Rewrite(file string, err error) error {
	var lines []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		lines = slices.Clone(te.Errors)
	} else {
		lines = []string{err.Error()}
	}
	for i, l := range lines {
		if m := linePattern.FindStringSubmatch(l); m != nil {
			lines[i] = file + ":" + m[1] + ": " + m[2]
		} else {
			lines[i] = file + ": " + strings.TrimPrefix(l, "yaml: ")
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}
