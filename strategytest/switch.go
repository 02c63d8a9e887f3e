package strategytest

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/telephony"
)

// agentState is what the simulated switch knows of an agent.
type agentState struct {
	ors.Agent
	ready bool
	// on is the call the agent was given, "" when none.
	on telephony.ConnID
}

// submit is a queue submit waiting for an agent.
type submit struct {
	req  telephony.Request
	body telephony.QueueSubmit
	// candidates are the agents its targets stand for.
	candidates []string
}

// requests handles the port requests made since the last call: queue
// submits wait for an agent, cancels withdraw them, routes give the call
// to an agent, and attached data is remembered.
func (r *run) requests() error {
	reqs := r.w.port.Requests()
	for _, req := range reqs[r.seenReqs:] {
		switch body := req.Body.(type) {
		case telephony.QueueSubmit:
			r.queueSubmit(req, body)
		case telephony.QueueCancel:
			r.queueCancel(req, body)
		case telephony.Treatment:
			if ud := r.test.Answers.Treatment.UData; ud != nil && r.test.Answers.Treatment.Error == 0 {
				r.treatmentEnd(req, body, ud)
			}
		case telephony.Route:
			if a := r.agentAt(body.To); a != nil {
				a.on, a.ready = body.ConnID, false
			}
		case telephony.UserDataChange:
			if body.ConnID == r.conn {
				if c, ok := r.w.port.Call(r.conn); ok {
					r.udata = c.UserData
				}
			}
		}
	}
	r.seenReqs = len(reqs)
	if err := r.assign(); err != nil {
		return err
	}
	return r.w.settle()
}

// treatmentEnd ends a treatment as a dialog application does: it attaches
// ud to the call, then the treatment ends.
func (r *run) treatmentEnd(req telephony.Request, body telephony.Treatment, ud map[string]any) {
	d := body.Duration
	if a := r.test.Answers.Treatment.Delay; a != nil {
		d = a.D()
	}
	r.atTime(req.Time.Add(d), func() error {
		data, err := telephony.FromNeutral(ud)
		if err != nil {
			return fmt.Errorf("answers.treatment.udata: %w", err)
		}
		if err := r.callGone(r.w.port.ChangeUserData(body.ConnID, data)); err != nil {
			return err
		}
		if c, ok := r.w.port.Call(body.ConnID); ok && body.ConnID == r.conn {
			r.udata = c.UserData
		}
		r.w.port.Inject(telephony.Event{Type: telephony.EventTreatmentEnd, ReferenceID: req.Ref, ConnID: body.ConnID, ThisDN: body.ThisDN})
		return nil
	})
}

// queueSubmit makes a submit wait for one of the agents its targets (or
// its queue) stand for; it fails with a timeout when none is ready in
// time.
func (r *run) queueSubmit(req telephony.Request, body telephony.QueueSubmit) {
	sub := &submit{req: req, body: body}
	seen := make(map[string]bool)
	add := func(agents []ors.Agent) {
		for _, a := range agents {
			if !seen[a.ID] {
				seen[a.ID] = true
				sub.candidates = append(sub.candidates, a.ID)
			}
		}
	}
	for _, t := range body.Targets {
		for _, tg := range ors.ParseTargets(t) {
			agents, err := r.env.Candidates(tg)
			if err != nil {
				r.errs = append(r.errs, err.Error())
			}
			add(agents)
		}
	}
	if len(body.Targets) == 0 && body.Queue != "" {
		if q, ok := r.env.Queue(body.Queue); ok {
			agents, _ := r.env.Candidates(ors.Target{Name: q.Name, Type: "Q"})
			add(agents)
		}
	}
	r.waiting = append(r.waiting, sub)
	if body.Timeout > 0 {
		r.atTime(req.Time.Add(body.Timeout), func() error {
			if i := slices.Index(r.waiting, sub); i >= 0 {
				r.waiting = slices.Delete(r.waiting, i, i+1)
				r.w.port.Inject(telephony.Event{Type: telephony.EventError, ReferenceID: req.Ref, ConnID: body.ConnID,
					ErrorCode: telephony.ErrCodeTimeout, ErrorMessage: "no target found before the timeout"})
			}
			return nil
		})
	}
}

// queueCancel withdraws a waiting submit.
func (r *run) queueCancel(req telephony.Request, body telephony.QueueCancel) {
	p := r.w.port
	for i, sub := range r.waiting {
		if sub.req.Ref == body.Submit || body.Submit == 0 && sub.body.ConnID == body.ConnID {
			r.waiting = slices.Delete(r.waiting, i, i+1)
			p.Inject(telephony.Event{Type: telephony.EventError, ReferenceID: sub.req.Ref, ConnID: sub.body.ConnID,
				ErrorCode: telephony.ErrCodeCancelled, ErrorMessage: "cancelled"})
			break
		}
	}
	p.Inject(telephony.Event{Type: telephony.EventACK, ReferenceID: req.Ref, ConnID: body.ConnID})
}

// assign gives ready agents to waiting submits, highest priority and
// oldest first.
func (r *run) assign() error {
	slices.SortFunc(r.waiting, func(a, b *submit) int {
		if c := cmp.Compare(b.body.Priority, a.body.Priority); c != 0 {
			return c
		}
		return cmp.Compare(a.req.Ref, b.req.Ref)
	})
	kept := r.waiting[:0]
	for _, sub := range r.waiting {
		var found *agentState
		for _, id := range sub.candidates {
			if a := r.agent(id); a != nil && a.ready {
				found = a
				break
			}
		}
		if found == nil {
			kept = append(kept, sub)
			continue
		}
		// URS reserves the agent for the interaction.
		found.ready = false
		r.w.port.Inject(telephony.Event{Type: telephony.EventTargetSelected, ReferenceID: sub.req.Ref,
			ConnID: sub.body.ConnID, ThisDN: sub.body.Route, Target: found.ID + "@.A"})
	}
	r.waiting = kept
	return nil
}

func (r *run) agent(id string) *agentState {
	for _, a := range r.agents {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (r *run) agentAt(dn string) *agentState {
	for _, a := range r.agents {
		if a.DN == dn {
			return a
		}
	}
	return nil
}
