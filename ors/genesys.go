package ors

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/ecmascript"
)

// genesys builds the _genesys object of the ORS Developer's Guide: the
// object model of the Interaction Interface (_genesys.ixn), the functions
// of the Core Extensions (_genesys.session), the Queue, Statistic and
// Resource interfaces' objects, and their enumerations. Each of its
// objects is made when a script first reads it: a strategy reads one or
// two of them, and each is dozens of functions and enumeration values.
func (e *scriptEnv) genesys() *goja.Object {
	return ecmascript.NewLazyObject(e.rt, genesysObjects{e})
}

// genesysObjects are the objects of _genesys.
type genesysObjects struct{ e *scriptEnv }

// Has reports whether key is one of them.
func (g genesysObjects) Has(key string) bool {
	switch key {
	case "ixn", "session", "queue", "statistic", "resource", "voice":
		return true
	}
	return false
}

// Names lists them.
func (g genesysObjects) Names() []string {
	return []string{"ixn", "session", "queue", "statistic", "resource", "voice"}
}

// Make makes object key.
func (g genesysObjects) Make(key string) goja.Value {
	e, rt := g.e, g.e.rt
	switch key {
	case "ixn":
		return e.ixnObject()
	case "session":
		return e.sessionObject()
	case "queue":
		return e.queueObject()
	case "statistic":
		return e.statisticObject()
	case "resource":
		resource := rt.NewObject()
		_ = resource.Set("resourceType", enum(rt, "any", "CFGACDPosition", "CFGCellular", "CFGChat", "CFGCoBrowse", "CFGEmail",
			"CFGExtension", "CFGFAX", "CFGVideo", "CFGVoiceMail", "CFGVoIP", "CFGWorkflow"))
		return resource
	case "voice":
		voice := rt.NewObject()
		_ = voice.Set("overwriteType", enum(rt, "UseNone", "UseDNIS", "UseANI", "UseConfig"))
		return voice
	}
	return nil
}

// enum returns an object whose properties are names, numbered from 0 in
// order: the enumerations of _genesys, whose values strategies only
// compare and pass back.
func enum(rt *goja.Runtime, names ...string) *goja.Object {
	o := rt.NewObject()
	for i, n := range names {
		_ = o.Set(n, i)
	}
	return o
}

// ixnObject is _genesys.ixn.
func (e *scriptEnv) ixnObject() *goja.Object {
	rt := e.rt
	ixn := rt.NewObject()
	getter(rt, ixn, "interactions", func() goja.Value {
		m, _ := e.r.interactions(e.sid())
		return toJS(rt, m)
	})
	getter(rt, ixn, "firstixnid", func() goja.Value {
		if id := e.r.FirstInteraction(e.sid()); id != "" {
			return rt.ToValue(id)
		}
		return goja.Undefined()
	})
	_ = ixn.Set("setuData", e.setuData)
	_ = ixn.Set("getuData", e.getuData)
	_ = ixn.Set("deleteuData", e.deleteuData)
	// mediaType(ixnid) returns an interaction's media; its properties
	// are the media enumeration (_genesys.ixn.mediaType.TMediaVoice).
	mt := rt.ToValue(func(call goja.FunctionCall) goja.Value {
		x, ok := e.r.Interaction(e.ixnArg(call.Argument(0)))
		if !ok {
			return goja.Undefined()
		}
		if x.Virtual {
			return rt.ToValue("virtual")
		}
		return rt.ToValue("voice")
	}).ToObject(rt)
	// The names of T-Server's TMediaType, in its order.
	for i, n := range []string{"TMediaVoice", "TMediaVoIP", "TMediaEMail", "TMediaVMail", "TMediaSMail", "TMediaChat",
		"TMediaVideo", "TMediaCobrowsing", "TMediaWhiteboard", "TMediaAppSharing", "TMediaWebform", "TMediaWorkItem",
		"TMediaCallback", "TMediaFax", "TMediaIMChat", "TMediaBusinessEvent", "TMediaAlert", "TMediaSMS",
		"TMediaOutboundPreview", "TMediaOpenMedia", "TMediaNativeSMS"} {
		_ = mt.Set(n, i)
	}
	_ = ixn.Set("mediaType", mt)
	return ixn
}

// sessionObject is _genesys.session, whose members are made when a
// script first reads them (a strategy calls one or two of its functions).
func (e *scriptEnv) sessionObject() *goja.Object {
	return ecmascript.NewLazyObject(e.rt, sessionMembers{e})
}

// sessionMembers are the members of _genesys.session.
type sessionMembers struct{ e *scriptEnv }

// Has reports whether key is one of them.
func (sm sessionMembers) Has(key string) bool {
	switch key {
	case "id", "tenant", "tenantid", "server", "day", "lookupseq", "getConfigOption", "getListItemValue",
		"isSpecialDay", "dateInZone", "timeInZone", "dayInZone":
		return true
	}
	return false
}

// Names lists them.
func (sm sessionMembers) Names() []string {
	return []string{"id", "tenant", "tenantid", "server", "day", "lookupseq", "getConfigOption", "getListItemValue",
		"isSpecialDay", "dateInZone", "timeInZone", "dayInZone"}
}

// Make makes member key.
func (sm sessionMembers) Make(key string) goja.Value {
	e := sm.e
	rt, env := e.rt, e.r.env
	switch key {
	case "id":
		return rt.ToValue(e.sid())
	case "tenant":
		return rt.ToValue(env.Tenant)
	case "tenantid":
		return rt.ToValue(env.TenantID)
	case "server":
		server := rt.NewObject()
		_ = server.Set("name", env.Server)
		_ = server.Set("cluster", env.Cluster)
		return server
	case "day":
		return enum(rt, "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
	case "lookupseq":
		return enum(rt, "StartFromCDN", "StartFromTserver", "StartFromTenant", "StartFromStrategy", "StartFromRouter")
	case "getConfigOption":
		return rt.ToValue(e.getConfigOption)
	case "getListItemValue":
		return rt.ToValue(e.getListItemValue)
	case "isSpecialDay":
		return rt.ToValue(e.isSpecialDay)
	case "dateInZone":
		return rt.ToValue(e.dateInZone)
	case "timeInZone":
		return rt.ToValue(e.timeInZone)
	case "dayInZone":
		return rt.ToValue(e.dayInZone)
	}
	return nil
}

// getConfigOption(name) or getConfigOption(ixnid, name, lookupseq): the
// option's value, "" when it is not set.
func (e *scriptEnv) getConfigOption(call goja.FunctionCall) goja.Value {
	name := call.Argument(0).String()
	if len(call.Arguments) >= 2 {
		name = call.Argument(1).String()
	}
	v, _ := e.r.env.Option(name)
	return e.rt.ToValue(v)
}

// getListItemValue(list, item, key) returns the value of key, "" when the
// item has none; getListItemValue(list, item) the item's key/values,
// undefined when the list has no such item. A list the environment lacks
// is an error, as a list Configuration Server does not have (Composer's
// generated code catches it and falls back).
func (e *scriptEnv) getListItemValue(call goja.FunctionCall) goja.Value {
	rt := e.rt
	list, item := call.Argument(0).String(), call.Argument(1).String()
	kv, err := e.r.env.ListItem(list, item)
	if errors.Is(err, ErrNoList) {
		panic(rt.NewGoError(fmt.Errorf("getListItemValue: %w", err)))
	}
	if len(call.Arguments) < 3 || goja.IsUndefined(call.Argument(2)) {
		if err != nil {
			return goja.Undefined()
		}
		obj := rt.NewObject()
		for _, k := range slices.Sorted(maps.Keys(kv)) {
			_ = obj.Set(k, kv[k])
		}
		return obj
	}
	return rt.ToValue(kv[call.Argument(2).String()])
}

// dateInZone(zone) is today's date in zone, as YYYY-MM-DD.
func (e *scriptEnv) dateInZone(call goja.FunctionCall) goja.Value {
	return e.rt.ToValue(e.now(e.zoneArg(call.Argument(0))).Format(time.DateOnly))
}

// timeInZone(zone) is the time of day in zone, as HH:MM:SS.
func (e *scriptEnv) timeInZone(call goja.FunctionCall) goja.Value {
	return e.rt.ToValue(e.now(e.zoneArg(call.Argument(0))).Format(time.TimeOnly))
}

// dayInZone(zone) returns the day of the week, 0 for Sunday to 6 for
// Saturday, as _genesys.session.day numbers them and as Date's getDay
// does (Composer's DateTime.js compares the two).
func (e *scriptEnv) dayInZone(call goja.FunctionCall) goja.Value {
	return e.rt.ToValue(int(e.now(e.zoneArg(call.Argument(0))).Weekday()))
}

// isSpecialDay(table, day[, zone[, usetime]]) reports whether the
// statistical day day of statistical table table covers today (in zone);
// isSpecialDay(name[, "YYYY-MM-DD"]) looks name up in Config.SpecialDays.
func (e *scriptEnv) isSpecialDay(call goja.FunctionCall) goja.Value {
	rt, env := e.rt, e.r.env
	name := call.Argument(0).String()
	if dates, ok := e.r.cfg.SpecialDays[name]; ok {
		day := e.now(e.defaultZone()).Format(time.DateOnly)
		if a := call.Argument(1); !goja.IsUndefined(a) {
			day = a.String()
		}
		return rt.ToValue(slices.Contains(dates, day))
	}
	day := ""
	if a := call.Argument(1); !goja.IsUndefined(a) && !goja.IsNull(a) {
		day = a.String()
	}
	loc := e.defaultZone()
	if a := call.Argument(2); !goja.IsUndefined(a) && !goja.IsNull(a) && a.String() != "" {
		loc = e.zoneArg(a)
	}
	ok, err := env.IsSpecialDay(name, day, e.now(loc), call.Argument(3).ToBoolean())
	if err != nil {
		panic(rt.NewGoError(fmt.Errorf("isSpecialDay: %w", err)))
	}
	return rt.ToValue(ok)
}

// queueObject is _genesys.queue: the enumerations of the Queue Interface.
func (e *scriptEnv) queueObject() *goja.Object {
	rt := e.rt
	q := rt.NewObject()
	// T-Server's route types, in the order of TRouteType, and URS's
	// GetFromDN (use the route type configured on the DN).
	_ = q.Set("rType", enum(rt, "RouteTypeUnknown", "RouteTypeDefault", "RouteTypeLabel", "RouteTypeOverwriteDNIS",
		"RouteTypeDDD", "RouteTypeIDDD", "RouteTypeDirect", "RouteTypeReject", "RouteTypeAnnouncement",
		"RouteTypePostFeature", "RouteTypeDirectAgent", "RouteTypePriority", "RouteTypeDirectPriority",
		"RouteTypeAgentID", "RouteTypeCallDisconnect", "RouteTypeGetFromDN"))
	_ = q.Set("overwriteType", enum(rt, "UseNone", "UseDNIS", "UseANI", "UseConfig"))
	_ = q.Set("usecapcond", enum(rt, "Never", "Only", "OnStatError"))
	return q
}

// statisticObject is _genesys.statistic: sData(object, statistic) reads a
// statistic (Runtime.Statistic: the environment's, or the live source's
// for virtual queues); getAvgData, getMinData and getMaxData (targets,
// statistic) combine it over a target list. A statistic no source has is
// an error naming it.
func (e *scriptEnv) statisticObject() *goja.Object {
	rt, r := e.rt, e.r
	st := rt.NewObject()
	_ = st.Set("sData", func(call goja.FunctionCall) goja.Value {
		object, stat := call.Argument(0).String(), call.Argument(1).String()
		v, ok := r.Statistic(object, stat)
		if !ok {
			panic(rt.NewGoError(fmt.Errorf("statistic.sData: no statistic source has a value of %q for %q", stat, object)))
		}
		return rt.ToValue(v)
	})
	combine := func(name string, f func(vs []float64) float64) {
		_ = st.Set(name, func(call goja.FunctionCall) goja.Value {
			list, stat := call.Argument(0).String(), call.Argument(1).String()
			var vs []float64
			for _, t := range ParseTargets(list) {
				v, ok := r.Statistic(t.String(), stat)
				if !ok {
					panic(rt.NewGoError(fmt.Errorf("statistic.%s: no statistic source has a value of %q for %q", name, stat, t)))
				}
				vs = append(vs, v)
			}
			if len(vs) == 0 {
				return goja.Undefined()
			}
			return rt.ToValue(f(vs))
		})
	}
	combine("getAvgData", func(vs []float64) float64 {
		sum := 0.0
		for _, v := range vs {
			sum += v
		}
		return sum / float64(len(vs))
	})
	combine("getMinData", func(vs []float64) float64 { return slices.Min(vs) })
	combine("getMaxData", func(vs []float64) float64 { return slices.Max(vs) })
	return st
}

// getter defines a read-only accessor property of obj.
func getter(rt *goja.Runtime, obj *goja.Object, name string, get func() goja.Value) {
	_ = obj.DefineAccessorProperty(name, rt.ToValue(func(goja.FunctionCall) goja.Value { return get() }), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
}

// now returns the engine's time in loc.
func (e *scriptEnv) now(loc *time.Location) time.Time {
	t := time.Now()
	if e.s != nil {
		t = e.s.Engine().Clock().Now()
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc)
}

// defaultZone is the zone of dates that name none.
func (e *scriptEnv) defaultZone() *time.Location {
	if e.r.cfg.Location != nil {
		return e.r.cfg.Location
	}
	return e.r.env.Location()
}

// zoneArg returns the zone a script names: an environment zone, a
// Genesys zone name, an IANA name or an offset; undefined or "" is the
// default zone. An unknown name is a TypeError.
func (e *scriptEnv) zoneArg(v goja.Value) *time.Location {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) || v.String() == "" {
		return e.defaultZone()
	}
	loc, err := e.r.env.Zone(v.String())
	if err != nil {
		panic(e.rt.NewTypeError(err.Error()))
	}
	return loc
}
