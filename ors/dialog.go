package ors

import (
	"strconv"

	"github.com/orca-scxml/orca/telephony"
)

// runTreatment plays a <dialog:start> (kind IVR: an application, src or
// the APP_URI param) or a <dialog:playsound> (kind Music: a sound
// resource for duration seconds) to the interaction's call; the session
// receives dialog.start.done or dialog.playsound.done when the port says
// it has ended.
func runTreatment(kind string) func(c *call) error {
	return func(c *call) error {
		id, ok := c.needIxn()
		if !ok {
			return nil
		}
		if c.rt.virtual(id) != nil {
			return c.fail(errInvalidState, "virtual interaction "+strconv.Quote(id)+" has no call to play to")
		}
		tr, err := c.treatment()
		if err != nil {
			return err
		}
		x, _ := c.rt.callOf(id)
		tr.ConnID, tr.ThisDN = x.ConnID, x.ThisDN
		return c.send(id, func(p telephony.Port) (telephony.ReferenceID, error) {
			return p.PlayTreatment(tr)
		})
	}
}

// treatment builds the port request of a dialog action, without its call.
func (c *call) treatment() (telephony.Treatment, error) {
	d, err := c.duration("duration")
	if err != nil {
		return telephony.Treatment{}, err
	}
	if c.has("timeout") {
		if d, err = c.duration("timeout"); err != nil {
			return telephony.Treatment{}, err
		}
	}
	params, err := c.paramValues()
	if err != nil {
		return telephony.Treatment{}, err
	}
	ud, err := telephony.FromNeutral(params)
	if err != nil {
		return telephony.Treatment{}, err
	}
	kind, res := treatmentKind(c.a.name), c.str("resource")
	if t := c.str("type"); t != "" {
		kind = t
	}
	if c.a.name == "start" {
		res = c.str("src")
		if res == "" {
			if v, ok := params["APP_URI"]; ok {
				res = valueString(v)
			}
		}
	}
	return telephony.Treatment{Kind: kind, Resource: res, Duration: d, Params: ud}, nil
}

// treatmentKind is the treatment a dialog action plays when its type
// attribute names none.
func treatmentKind(action string) string {
	if action == "start" {
		return "IVR"
	}
	return "Music"
}

// runDialogStop stops the treatment playing on the interaction. The port
// has no request for it: the session receives dialog.stop.done.
func runDialogStop(c *call) error {
	id, ok := c.needIxn()
	if !ok {
		return nil
	}
	return c.done(map[string]any{"interactionid": id})
}
