package ecmascript

import (
	"reflect"

	"github.com/dop251/goja"
)

// HostView is implemented by the Go-backed objects of a host
// (goja.DynamicObject) that show its state live, such as reporting's
// _reporting.kvp: a snapshot refuses a variable holding one, naming it
// (HostView returns its name), since a copy of what it showed would not
// follow the host's state after a restore.
type HostView interface {
	HostView() string
}

var typeHostView = reflect.TypeFor[HostView]()

// hostView returns the name of the HostView o is, if it is one.
func hostView(o *goja.Object) (string, bool) {
	t := o.ExportType()
	if t == nil || t.Kind() == reflect.Map || !t.Implements(typeHostView) {
		return "", false
	}
	return o.Export().(HostView).HostView(), true
}
