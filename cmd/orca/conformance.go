package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/orca-scxml/orca/conformance"
)

// suiteDir is the default of --dir: the first of $ORCA_W3C, .w3c (what
// "make w3c" writes) and ../shared/w3c that holds manifest.tsv, else the
// last.
func suiteDir() string {
	dirs := []string{".w3c", conformance.DefaultDir}
	if d := os.Getenv(conformance.EnvDir); d != "" {
		return d
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "manifest.tsv")); err == nil {
			return d
		}
	}
	return conformance.DefaultDir
}

// runConformance implements "orca conformance [ID...]".
func runConformance(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("conformance",
		"[--dir DIR] [--from-txml DIR [--ecma-out DIR]] [--out FILE] [--failures] [--timeout DUR] [--jobs N] [--log] [ID...] | --build DIR", stderr)
	dir := fs.String("dir", suiteDir(),
		"W3C suite directory (manifest.tsv and ecma/); default $"+conformance.EnvDir+", else .w3c (make w3c), else "+conformance.DefaultDir)
	fromTXML := fs.String("from-txml", "",
		"transform the .txml templates in this directory and run them instead of DIR/ecma (manifest.tsv still comes from --dir)")
	ecmaOut := fs.String("ecma-out", "", "with --from-txml, write the transformed documents here and keep them (default: a temporary directory)")
	out := fs.String("out", "",
		"write the Markdown report here (\"-\" for standard output instead of the table; make conformance writes CONFORMANCE.md)")
	failures := fs.Bool("failures", false, "list only the tests that did not pass")
	timeout := fs.Duration("timeout", conformance.DefaultTimeout, "wall-time guard per test file")
	jobs := fs.Int("jobs", 0, "tests run at once (0 means GOMAXPROCS)")
	showLog := fs.Bool("log", false, "print the <log> output and errors of tests that did not pass")
	build := fs.String("build", "", "make a suite in DIR from the W3C's files there (manifest.xml, txml/): ecma/ and manifest.tsv; run nothing")
	ids, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "orca conformance: %v\n", err)
		return exitFail
	}
	if *build != "" {
		if len(ids) > 0 {
			return usageError(fs, stderr, "conformance", "--build takes no test ids (it runs nothing)")
		}
		tests, err := conformance.BuildSuite(*build)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%s: %d tests in manifest.tsv, their documents in ecma/\n", *build, len(tests))
		return exitOK
	}
	if *ecmaOut != "" && *fromTXML == "" {
		return usageError(fs, stderr, "conformance", "--ecma-out needs --from-txml")
	}
	report := *out
	opts := conformance.Options{Dir: *dir, IDs: ids, Workers: *jobs, Timeout: *timeout}
	if *fromTXML != "" {
		docDir, cleanup, err := transformTXML(*fromTXML, *ecmaOut)
		if err != nil {
			return fail(err)
		}
		defer cleanup()
		opts.DocDir = docDir
	}
	rep, err := conformance.Run(opts)
	if err != nil {
		return fail(err)
	}
	if report != "-" {
		if err := conformance.WriteTable(stdout, rep, *failures); err != nil {
			return fail(err)
		}
	}
	if report != "" {
		var md bytes.Buffer
		if err := conformance.WriteMarkdown(&md, rep); err != nil {
			return fail(err)
		}
		if report == "-" {
			if _, err := stdout.Write(md.Bytes()); err != nil {
				return fail(fmt.Errorf("writing report: %w", err))
			}
		} else if err := os.WriteFile(report, md.Bytes(), 0o644); err != nil {
			return fail(fmt.Errorf("writing report: %w", err))
		}
	}
	if *showLog {
		for _, res := range rep.Failures() {
			fmt.Fprintf(stdout, "\n--- test %s: %s\n%s\n", res.ID, res.Reason, strings.Join(res.Log, "\n"))
		}
	}
	if len(rep.Failures()) > 0 {
		return exitFail
	}
	return exitOK
}

// transformTXML turns the templates in src into SCXML documents in dst, or
// in a temporary directory that cleanup removes when dst is "".
func transformTXML(src, dst string) (docDir string, cleanup func(), err error) {
	cleanup = func() {}
	if dst == "" {
		if dst, err = os.MkdirTemp("", "orca-ecma-"); err != nil {
			return "", cleanup, fmt.Errorf("making a directory for the transformed tests: %w", err)
		}
		tmp := dst
		cleanup = func() { _ = os.RemoveAll(tmp) }
	}
	if _, err := conformance.TransformDir(src, dst); err != nil {
		cleanup()
		return "", func() {}, fmt.Errorf("transforming %s: %w", src, err)
	}
	return dst, cleanup, nil
}
