package telephony

// MakeCall records the request and schedules its answer.
func (m *Memory) MakeCall(r MakeCall) (ReferenceID, error) {
	r.UserData = r.UserData.Clone()
	return m.request(KindMakeCall, r, func(ref ReferenceID, a Answer) []Event {
		c := m.addCall(Call{ThisDN: r.ThisDN, OtherDN: r.Destination, Switch: r.Switch, Type: "Outbound", DNIS: r.Destination, UserData: r.UserData})
		dial := m.callEvent(EventDialing, c.ConnID)
		dial.ReferenceID, dial.CallResult = ref, a.CallResult
		return []Event{dial, m.callEvent(EventEstablished, c.ConnID)}
	})
}

// UpdateUserData records the request and schedules its answer.
func (m *Memory) UpdateUserData(r UserDataChange) (ReferenceID, error) {
	r.UserData = r.UserData.Clone()
	return m.request(KindUserData, r, func(ref ReferenceID, a Answer) []Event {
		c := m.calls[r.ConnID]
		if c == nil {
			return []Event{noSuchCall(ref, r.ConnID)}
		}
		switch r.Op {
		case Delete:
			if len(r.UserData) == 0 {
				c.UserData = nil
			}
			for _, kv := range r.UserData {
				c.UserData.Delete(kv.Key)
			}
		case Update:
			c.UserData.Update(r.UserData.Clone())
		default:
			c.UserData = append(c.UserData, r.UserData.Clone()...)
		}
		ev := m.callEvent(EventAttachedDataChanged, r.ConnID)
		ev.ReferenceID = ref
		return []Event{ev}
	})
}

// DistributeUserEvent records the request and schedules its answer.
func (m *Memory) DistributeUserEvent(r UserEvent) (ReferenceID, error) {
	r.UserData = r.UserData.Clone()
	return m.request(KindUserEvent, r, func(ref ReferenceID, a Answer) []Event {
		return []Event{
			{Type: EventACK, ReferenceID: ref, ThisDN: r.ThisDN, Switch: r.Switch, ConnID: r.ConnID},
			{Type: EventUserEvent, ThisDN: r.ThisDN, Switch: r.Switch, ConnID: r.ConnID, UserData: r.UserData.Clone()},
		}
	})
}

// Route records the request and schedules its answer.
func (m *Memory) Route(r Route) (ReferenceID, error) {
	r.UserData = r.UserData.Clone()
	return m.request(KindRoute, r, func(ref ReferenceID, a Answer) []Event {
		c := m.calls[r.ConnID]
		if c == nil {
			return []Event{noSuchCall(ref, r.ConnID)}
		}
		c.UserData.Update(r.UserData.Clone())
		ev := m.callEvent(EventRouteUsed, r.ConnID)
		ev.ReferenceID, ev.ThisDN, ev.OtherDN = ref, r.From, r.To
		if ev.ThisDN == "" {
			ev.ThisDN = c.ThisDN
		}
		c.ThisDN, c.OtherDN = r.To, ""
		return []Event{ev}
	})
}

// Release records the request and schedules its answer.
func (m *Memory) Release(r Release) (ReferenceID, error) {
	return m.request(KindRelease, r, func(ref ReferenceID, a Answer) []Event {
		if m.calls[r.ConnID] == nil {
			return []Event{noSuchCall(ref, r.ConnID)}
		}
		ev := m.callEvent(EventReleased, r.ConnID)
		ev.ReferenceID = ref
		delete(m.calls, r.ConnID)
		m.queues.Drop(r.ConnID)
		return []Event{ev}
	})
}

// PlayTreatment records the request and schedules its answer: by default,
// the treatment ends after its Duration.
func (m *Memory) PlayTreatment(r Treatment) (ReferenceID, error) {
	r.Params = r.Params.Clone()
	return m.request(KindTreatment, r, func(ref ReferenceID, a Answer) []Event {
		if m.calls[r.ConnID] == nil {
			return []Event{noSuchCall(ref, r.ConnID)}
		}
		ev := m.callEvent(EventTreatmentEnd, r.ConnID)
		ev.ReferenceID = ref
		return []Event{ev}
	})
}

// SubmitToQueue records the request and schedules its answer.
func (m *Memory) SubmitToQueue(r QueueSubmit) (ReferenceID, error) {
	r.Targets = append([]string(nil), r.Targets...)
	return m.request(KindQueueSubmit, r, func(ref ReferenceID, a Answer) []Event {
		target := a.Target
		if target == "" && len(r.Targets) > 0 {
			target = r.Targets[0]
		}
		if target == "" {
			return []Event{{Type: EventError, ReferenceID: ref, ConnID: r.ConnID, ErrorCode: ErrCodeInvalidDN, ErrorMessage: "no target"}}
		}
		ev := m.callEvent(EventTargetSelected, r.ConnID)
		ev.ReferenceID, ev.Target, ev.ThisDN = ref, target, r.Route
		return []Event{ev}
	})
}

// CancelQueue records the request and schedules its answer; a submit whose
// answer is still pending fails with ErrCodeCancelled instead.
func (m *Memory) CancelQueue(r QueueCancel) (ReferenceID, error) {
	return m.request(KindQueueCancel, r, func(ref ReferenceID, a Answer) []Event {
		kept := m.pending[:0]
		found := false
		for _, p := range m.pending {
			if p.ev.ReferenceID == r.Submit && r.Submit != 0 {
				found = true
				continue
			}
			kept = append(kept, p)
		}
		m.pending = kept
		if !found {
			return []Event{{Type: EventError, ReferenceID: ref, ConnID: r.ConnID, ErrorCode: ErrCodeCancelled, ErrorMessage: "no pending submit to cancel"}}
		}
		return []Event{
			{Type: EventError, ReferenceID: r.Submit, ConnID: r.ConnID, ErrorCode: ErrCodeCancelled, ErrorMessage: "cancelled"},
			{Type: EventACK, ReferenceID: ref, ConnID: r.ConnID},
		}
	})
}

func noSuchCall(ref ReferenceID, id ConnID) Event {
	return Event{Type: EventError, ReferenceID: ref, ConnID: id, ErrorCode: ErrCodeNoSuchCall, ErrorMessage: "no such call: " + string(id)}
}

// request records a request of kind and schedules the answer its script
// (or natural) gives; natural runs with m.mu held.
func (m *Memory) request(kind RequestKind, body any, natural func(ref ReferenceID, a Answer) []Event) (ReferenceID, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ref++
	ref := m.ref
	req := Request{Ref: ref, Kind: kind, Time: m.now, Body: body}
	m.requests = append(m.requests, req)
	a := m.defaults[kind]
	if q := m.scripts[kind]; len(q) > 0 {
		a = q[0]
		m.scripts[kind] = q[1:]
	}
	if s, ok := body.(QueueSubmit); ok {
		m.queues.Enter(ref, s.Queue, s.ConnID, s.Priority, m.now)
	}
	if a.Silent {
		return ref, nil
	}
	delay := a.Delay
	if t, ok := body.(Treatment); ok && delay == 0 && a.ErrorCode == 0 && a.Events == nil {
		delay = t.Duration
	}
	due := m.now.Add(delay)
	var evs []Event
	switch {
	case a.ErrorCode != 0:
		evs = []Event{{Type: EventError, ReferenceID: ref, ErrorCode: a.ErrorCode, ErrorMessage: a.ErrorMessage, ConnID: connOf(body)}}
	case a.Events != nil:
		evs = a.Events(req)
		for i := range evs {
			if evs[i].ReferenceID == 0 {
				evs[i].ReferenceID = ref
			}
		}
	default:
		if s, ok := body.(QueueSubmit); ok && s.Timeout > 0 && delay > s.Timeout {
			due = m.now.Add(s.Timeout)
			evs = []Event{{Type: EventError, ReferenceID: ref, ConnID: s.ConnID, ErrorCode: ErrCodeTimeout, ErrorMessage: "no target found before the timeout"}}
			break
		}
		evs = natural(ref, a)
	}
	for _, ev := range evs {
		m.emit(due, ev)
	}
	return ref, nil
}

func connOf(body any) ConnID {
	switch b := body.(type) {
	case UserDataChange:
		return b.ConnID
	case UserEvent:
		return b.ConnID
	case Route:
		return b.ConnID
	case Release:
		return b.ConnID
	case Treatment:
		return b.ConnID
	case QueueSubmit:
		return b.ConnID
	case QueueCancel:
		return b.ConnID
	}
	return ""
}
