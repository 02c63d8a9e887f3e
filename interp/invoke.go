package interp

import (
	"fmt"
	"strings"

	"github.com/orca-scxml/orca/scxml"
)

// invocation is an <invoke> in progress (§6.4).
type invocation struct {
	inv   *scxml.Invoke
	id    string
	child *Session
	ext   Invocation
	// from says where the child's document came from, so that a
	// snapshot can name it again.
	from chartOrigin
}

// chartOrigin is where the document of an invoked session came from:
// the <invoke>'s inline document (both empty), a resolved src, or markup
// its <content expr> evaluated to.
type chartOrigin struct {
	src  string
	text string
}

func (i *invocation) send(ev *Event) error {
	if i.child != nil {
		return i.child.enqueue(ev)
	}
	return i.ext.Send(ev)
}

func (i *invocation) cancel() {
	if i.child != nil {
		i.child.cancel()
		return
	}
	i.ext.Cancel()
}

// isSCXMLInvokeType reports whether t names the SCXML invoke type (§6.4.1).
func isSCXMLInvokeType(t string) bool {
	switch strings.TrimSuffix(t, "/") {
	case "", "http://www.w3.org/TR/scxml", "scxml":
		return true
	}
	return false
}

// runInvokes starts the invokes of the states entered in the macrostep, in
// entry order and then document order.
func (s *Session) runInvokes() {
	for o := s.toInvoke().next(0); o >= 0; o = s.toInvoke().next(o + 1) {
		st := s.doc.States[o]
		s.prefix = st.Prefix
		for _, inv := range st.Invokes {
			if err := s.invoke(st, inv); err != nil {
				s.raiseError(inv.Pos, err)
			}
		}
	}
	s.toInvoke().clear()
}

func (s *Session) invoke(st *scxml.State, inv *scxml.Invoke) error {
	id := inv.ID
	if id == "" {
		s.more().nextID++
		id = fmt.Sprintf("%s.%s.%d", st.ID, s.id, s.nextID)
		if inv.IDLocation != nil {
			if err := s.dm.SetLocation(inv.IDLocation, id); err != nil {
				return err
			}
		}
	}
	typ := inv.Type
	var err error
	if inv.TypeExpr != nil {
		if typ, err = s.dm.EvalString(inv.TypeExpr); err != nil {
			return err
		}
	}
	src := inv.Src
	if inv.SrcExpr != nil {
		if src, err = s.dm.EvalString(inv.SrcExpr); err != nil {
			return err
		}
	}
	pairs, err := s.evalPairs(inv.Namelist, inv.Params)
	if err != nil {
		return err
	}
	params := pairMap(pairs)
	rec := &invocation{inv: inv, id: id}
	if isSCXMLInvokeType(typ) {
		c, from, err := s.invokedChart(inv, src)
		if err != nil {
			return err
		}
		child, err := s.e.start(c, StartOptions{Params: params}, s, id)
		if err != nil {
			return err
		}
		rec.child, rec.from = child, from
	} else {
		iv := s.e.opts.Invokers[typ]
		if iv == nil {
			return fmt.Errorf("invoke type %q is not supported", typ)
		}
		req := &InvokeRequest{ID: id, Type: typ, Src: src, Params: params}
		if inv.Content != nil {
			if req.Content, err = s.dm.Content(inv.Content); err != nil {
				return err
			}
		}
		if rec.ext, err = iv.Invoke(s, req); err != nil {
			return err
		}
	}
	if r := s.more(); r.invokes == nil {
		r.invokes = make(map[string]*invocation)
		r.byInvoke = make(map[*scxml.Invoke]*invocation)
	}
	s.invokes[id] = rec
	s.byInvoke[inv] = rec
	if rec.child != nil {
		// The child takes its first macrostep now, before the invoking
		// session handles another event: a child cancelled by the next
		// event has entered its states and runs their exit handlers
		// (§6.4.6; W3C test 250).
		rec.child.step()
	}
	return nil
}

// invokedChart finds the chart an SCXML <invoke> starts: inline content,
// content evaluated to markup, or src resolved against this document.
func (s *Session) invokedChart(inv *scxml.Invoke, src string) (*Chart, chartOrigin, error) {
	if c := inv.Content; c != nil {
		if c.Doc != nil {
			ch, err := s.chart.child(c.Doc)
			return ch, chartOrigin{}, err
		}
		v, err := s.dm.Content(c)
		if err != nil {
			return nil, chartOrigin{}, err
		}
		var text string
		switch v := v.(type) {
		case *XMLNode:
			text = v.Text
		case string:
			text = v
		default:
			return nil, chartOrigin{}, fmt.Errorf("invoke content is not an SCXML document")
		}
		from := chartOrigin{text: text}
		ch, err := s.chartOf(inv, from)
		return ch, from, err
	}
	if src == "" {
		return nil, chartOrigin{}, fmt.Errorf("invoke has neither src nor content")
	}
	// A state spliced in by XInclude resolves against its own file.
	base := inv.Pos.File
	if base == "" {
		base = s.doc.File
	}
	from := chartOrigin{src: scxml.Resolve(base, src)}
	ch, err := s.chartOf(inv, from)
	return ch, from, err
}

// chartOf returns the chart of the document an invocation of inv came
// from.
func (s *Session) chartOf(inv *scxml.Invoke, from chartOrigin) (*Chart, error) {
	switch {
	case from.text != "":
		doc, err := parseInline(s.doc.File, from.text, s.e.opts.LoadOptions)
		if err != nil {
			return nil, err
		}
		return s.e.Compile(doc)
	case from.src != "":
		return s.e.chartFor(from.src)
	case inv.Content != nil && inv.Content.Doc != nil:
		return s.chart.child(inv.Content.Doc)
	}
	return nil, fmt.Errorf("invoke has neither src nor content")
}

// parseInline parses SCXML markup held in a data model value. Markup cut
// out of a document may have lost its namespace declaration; the SCXML
// namespace is then assumed.
func parseInline(file, text string, lo *scxml.Options) (*scxml.Document, error) {
	doc, err := scxml.Parse(file, []byte(text), lo)
	if err == nil {
		return doc, nil
	}
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, "<scxml") && !strings.Contains(t[:strings.IndexByte(t, '>')+1], "xmlns=") {
		fixed := "<scxml xmlns=\"" + scxml.NS + "\"" + t[len("<scxml"):]
		if doc, err2 := scxml.Parse(file, []byte(fixed), lo); err2 == nil {
			return doc, nil
		}
	}
	return nil, err
}

// cancelInvokes cancels the invocations of a state being exited.
func (s *Session) cancelInvokes(st *scxml.State) {
	if s.rare == nil || len(s.byInvoke) == 0 {
		return
	}
	for _, inv := range st.Invokes {
		rec := s.byInvoke[inv]
		if rec == nil {
			continue
		}
		delete(s.byInvoke, inv)
		delete(s.invokes, rec.id)
		rec.cancel()
	}
}

// finalizeAndForward applies <finalize> to an event from an invoked
// session and autoforwards the event to invocations that ask for it.
func (s *Session) finalizeAndForward(ev *Event) {
	for o := s.cfg.next(0); o >= 0; o = s.cfg.next(o + 1) {
		for _, inv := range s.doc.States[o].Invokes {
			rec := s.byInvoke[inv]
			if rec == nil {
				continue
			}
			if ev.InvokeID == rec.id {
				s.prefix = inv.Parent.Prefix
				s.execBlock(inv.Finalize)
			}
			if inv.Autoforward {
				fwd := *ev
				if err := rec.send(&fwd); err != nil {
					s.raiseError(inv.Pos, err)
				}
			}
		}
	}
}

// returnDone sends done.invoke.<id> to the invoking session (§6.4.3).
func (s *Session) returnDone(final *scxml.State) {
	data := s.doneData(final)
	s.parent.Enqueue(&Event{
		Name: "done.invoke." + s.invokeID, Type: External, InvokeID: s.invokeID,
		Origin: "#_scxml_" + s.id, OriginType: scxmlProcessor, Data: data,
	})
}
