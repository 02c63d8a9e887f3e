package main

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVersionText(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/orca-scxml/orca", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "amd64"}, {Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "8c1f2f6e"}, {Key: "vcs.time", Value: "2026-11-27T18:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	assert.Equal(t, "orca v1.2.3\nmodule   github.com/orca-scxml/orca\ngo       go1.26.8 linux/amd64\n"+
		"git      8c1f2f6e (modified)\ncommit   2026-11-27T18:00:00Z\n", versionText(info))
	info.Settings = info.Settings[:2]
	info.Main.Version = ""
	assert.Equal(t, "orca (unknown)\nmodule   github.com/orca-scxml/orca\ngo       go1.26.8 linux/amd64\n"+
		"vcs      none recorded (built outside a checkout, or with -buildvcs=false)\n", versionText(info))
}

func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, stderr := orca(t, nil, args...)
		assert.Equal(t, exitOK, code, stderr)
		assert.Regexp(t, `^orca \S+\nmodule   github.com/orca-scxml/orca\ngo       go1\.`, stdout)
	}
	code, _, stderr := orca(t, nil, "version", "extra")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "orca version: unexpected argument \"extra\": orca version takes none\nusage: orca version")
}
