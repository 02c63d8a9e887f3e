package yamlerr_test

import (
	"testing"

	"github.com/orca-scxml/orca/internal/yamlerr"
	"github.com/stretchr/testify/assert"
	"go.yaml.in/yaml/v3"
)

func TestRewrite(t *testing.T) {
	var v struct{ A int }
	err := yaml.Unmarshal([]byte("a: x\nb: [\n"), &v)
	assert.EqualError(t, yamlerr.Rewrite("f.yaml", err), "f.yaml:2: did not find expected node content")
	err = yaml.Unmarshal([]byte("a: x\n"), &v)
	assert.EqualError(t, yamlerr.Rewrite("f.yaml", err), "f.yaml:1: cannot unmarshal !!str `x` into int")
	var m map[string]int
	err = yaml.Unmarshal([]byte("a: x\nb: y\n"), &m)
	assert.EqualError(t, yamlerr.Rewrite("f.yaml", err), "f.yaml:1: cannot unmarshal !!str `x` into int\nf.yaml:2: cannot unmarshal !!str `y` into int")
}
