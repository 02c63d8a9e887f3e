package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Encoder writes a trace as JSON lines.
type Encoder struct {
	w   io.Writer
	buf bytes.Buffer
}

// NewEncoder returns an Encoder writing to w. Each call writes one line
// with one Write.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// Header writes h as a header line; call it before the first Step, or not
// at all.
func (e *Encoder) Header(h Header) error {
	return e.line(struct {
		Trace   string `json:"trace"`
		Version int    `json:"version"`
		Header
	}{"orca", Version, h})
}

// Step writes s as one line.
func (e *Encoder) Step(s *Step) error { return e.line(s) }

func (e *Encoder) line(v any) error {
	e.buf.Reset()
	enc := json.NewEncoder(&e.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	_, err := e.w.Write(e.buf.Bytes())
	return err
}

// File is a trace read back: its header (zero when the file had none) and
// its steps in order.
type File struct {
	Header Header
	Steps  []*Step
	// Other holds the lines that are not JSON objects, as "N: text" (orca
	// run prints the id of the final state after its trace lines, on the
	// same output).
	Other []string
}

// maxLine bounds one line of a trace file (a step with a large data model).
const maxLine = 64 << 20

// Read reads a trace file. Blank lines are skipped, and lines that do not
// start with "{" are kept in File.Other; any other line that is not a
// header (first line only) or a step is an error naming its line number. Steps without an index (the first format) are numbered in order.
func Read(r io.Reader) (*File, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	f := &File{}
	n, first := 0, true
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if line[0] != '{' {
			f.Other = append(f.Other, fmt.Sprintf("%d: %s", n, line))
			continue
		}
		if first {
			first = false
			var probe struct {
				Trace   *string `json:"trace"`
				Version int     `json:"version"`
			}
			if err := json.Unmarshal(line, &probe); err != nil {
				return nil, fmt.Errorf("line %d: %v", n, err)
			}
			if probe.Trace != nil {
				if *probe.Trace != "orca" || probe.Version > Version {
					return nil, fmt.Errorf("line %d: not an Orca trace of version %d or older (trace %q, version %d)", n, Version, *probe.Trace, probe.Version)
				}
				if err := json.Unmarshal(line, &f.Header); err != nil {
					return nil, fmt.Errorf("line %d: header: %v", n, err)
				}
				continue
			}
		}
		s := new(Step)
		if err := json.Unmarshal(line, s); err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		if !bytes.Contains(line, []byte(`"index"`)) {
			s.Index = len(f.Steps)
		}
		f.Steps = append(f.Steps, s)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than %d bytes", n+1, maxLine)
		}
		return nil, err
	}
	return f, nil
}
