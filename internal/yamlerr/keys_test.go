package yamlerr_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/orca-scxml/orca/internal/yamlerr"
)

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{
		"reportingDN": "reporting_dn", "customerID": "customer_id", "routePoints": "route_points",
		"answeringMachine": "answering_machine", "HTTPTimeout": "http_timeout", "base-url": "base_url",
		"max_pending": "max_pending", "dn": "dn", "firstDN": "first_dn", "sip2Switch": "sip2_switch",
	} {
		assert.Equal(t, want, yamlerr.Snake(in), in)
	}
}

type inner struct {
	ReportingDN string `yaml:"reporting_dn"`
}

type common struct {
	DataDir string `yaml:"data_dir"`
}

type outer struct {
	common  `yaml:",inline"`
	Switch  inner            `yaml:"switch"`
	List    []inner          `yaml:"list"`
	ByName  map[string]inner `yaml:"by_name"`
	Options map[string]any   `yaml:"options"`
	Ptr     *inner           `yaml:"ptr"`
	Plain   int
	Skipped string `yaml:"-"`
}

func TestSnakeKeys(t *testing.T) {
	tests := []struct {
		name, doc, err string
	}{
		{"snake_case everywhere", "switch: {reporting_dn: R}\nlist: [{reporting_dn: R}]\nby_name: {x: {reporting_dn: R}}\ndata_dir: d\nplain: 1\n", ""},
		{"camelCase in a struct", "switch:\n  reportingDN: R\n", "f.yaml:2: key reportingDN: keys are snake_case: write reporting_dn"},
		{"in a list, a map and a pointer", "list:\n  - reportingDN: R\nby_name:\n  x: {reportingDN: R}\nptr: {reportingDN: R}\n",
			"f.yaml:2: key reportingDN: keys are snake_case: write reporting_dn\n" +
				"f.yaml:4: key reportingDN: keys are snake_case: write reporting_dn\n" +
				"f.yaml:5: key reportingDN: keys are snake_case: write reporting_dn"},
		{"kebab-case and an inline struct", "data-dir: d\nby-name: {}\n",
			"f.yaml:1: key data-dir: keys are snake_case: write data_dir\nf.yaml:2: key by-name: keys are snake_case: write by_name"},
		{"map keys are data", "options: {camelCase: 1, _CB_SERVICE_ID: x}\nby_name: {someName: {reporting_dn: R}}\n", ""},
		{"unknown keys are the decoder's", "nothing: 1\nswitch: {other: 2}\n", ""},
		{"aliases are followed", "base: &b {reportingDN: R}\nswitch: *b\n", "f.yaml:1: key reportingDN: keys are snake_case: write reporting_dn"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var root yaml.Node
			require.NoError(t, yaml.Unmarshal([]byte(tc.doc), &root))
			err := yamlerr.SnakeKeys("f.yaml", &root, &outer{})
			if tc.err == "" {
				assert.NoError(t, err)
			} else {
				assert.EqualError(t, err, tc.err)
			}
		})
	}
}
