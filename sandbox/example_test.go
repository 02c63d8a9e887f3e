package sandbox_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/orca-scxml/orca/sandbox"
)

func ExampleSandbox_Resolve() {
	dir, err := os.MkdirTemp("", "strategies")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "main.scxml"), []byte("<scxml/>"), 0o644); err != nil {
		panic(err)
	}
	b, err := sandbox.New([]string{dir}, []string{"https://strategies.example.com/callback/"})
	if err != nil {
		panic(err)
	}
	for _, src := range []string{"main.scxml", "https://strategies.example.com/callback/main.scxml", "../etc/passwd", "https://elsewhere.example.com/main.scxml"} {
		path, err := b.Resolve(src)
		switch {
		case errors.Is(err, sandbox.ErrForbidden):
			fmt.Printf("%s: forbidden\n", src)
		case err != nil:
			fmt.Printf("%s: %v\n", src, err)
		default:
			fmt.Printf("%s: %s\n", src, filepath.Base(path))
		}
	}
	// Output:
	// main.scxml: main.scxml
	// https://strategies.example.com/callback/main.scxml: main.scxml
	// ../etc/passwd: forbidden
	// https://elsewhere.example.com/main.scxml: forbidden
}
