package scxml

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/orca-scxml/orca/internal/testenv"
)

func FuzzParse(f *testing.F) {
	// The W3C documents join the seed corpus when the suite is there.
	if dir, ok := testenv.LookupW3C(f); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "ecma", "*.scxml"))
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
	for _, s := range []string{
		"",
		"<",
		wrap(`<state id="a"><transition target="a"/></state>`),
		"<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\"><state id=\"a\"><invoke><content><scxml version=\"1.0\"/></content></invoke></state></scxml>",
		scxmlWith(xiNS+` profile="ecmascript" _persist="false"`, `<script><xi:include href="lib.js" parse="text"/></script>
<state id="a" _t="1"><xi:include href="inc.scxml" xpointer="xpointer(/scxml/*)" resolveid="p"/>
<onentry><send event="'e'" delay="'1s'"/><log expr="1" level="2"/></onentry></state>`),
	} {
		f.Add([]byte(s))
	}
	opts := &Options{
		Registry: testRegistry(),
		ReadFile: files(map[string]string{"data.json": "{}", "lib.js": "1",
			"inc.scxml": scxmlWith("", `<state id="$$_MY_PREFIX_$$_s"><transition target="$$_MY_PREFIX_$$_s"/></state>`)}),
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		doc, err := Parse("fuzz.scxml", src, opts)
		if err == nil {
			checkInvariants(t, doc)
			return
		}
		if list, ok := err.(ErrorList); ok {
			for _, e := range list {
				if e.Pos.Line < 1 || e.Pos.Col < 1 {
					t.Fatalf("bad position in %q", e)
				}
			}
		}
	})
}
