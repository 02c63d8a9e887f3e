package host

import (
	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// Datamodels returns the data models Orca supports, keyed by the value of
// the datamodel attribute: ECMAScript (also the default, "") and null. Each
// call returns a new map.
func Datamodels() map[string]interp.DatamodelCompiler {
	return map[string]interp.DatamodelCompiler{
		"":           ecmascript.Compile,
		"ecmascript": ecmascript.Compile,
		"null":       interp.CompileNull,
	}
}

// LoadChart loads the SCXML document at path and compiles it with the data
// models of Datamodels. Load errors are the scxml.ErrorList the loader
// produced, unwrapped, so callers can print them one per line.
func LoadChart(path string, opts *scxml.Options) (*interp.Chart, error) {
	doc, err := scxml.Load(path, opts)
	if err != nil {
		return nil, err
	}
	// interp.Compile's errors already name the file or position.
	return interp.Compile(doc, Datamodels())
}
