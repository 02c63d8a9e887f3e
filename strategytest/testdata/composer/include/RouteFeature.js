// Routing helpers in the manner of Composer's include/RouteFeature.js.
var routeFeature_version = "orca-fixture";

// initializeRoutingSystemVariables fills the system variables from the
// start event and the interaction the session was started for.
function initializeRoutingSystemVariables() {
	var ctx = _data.system.context;
	ctx.TenantID = _genesys.session.tenantid;
	ctx.TenantName = _genesys.session.tenant;
	ctx.InteractionID = ctx.StartEvent.data.interactionid;
	ctx.ThisDN = ctx.StartEvent.data.focusdeviceid;
	var ixn = _genesys.ixn.interactions[ctx.InteractionID];
	if (typeof ixn != 'undefined') {
		ctx.ParentInteractionID = ixn.parentid;
		if (typeof ixn.voice != 'undefined') {
			ctx.CallID = ixn.voice.callid;
			ctx.ANI = ixn.voice.ani;
			ctx.DNIS = ixn.voice.dnis;
			ctx.Type = ixn.voice.type;
		}
	}
}

// routeType returns the route type of a route-type name.
function routeType(name) {
	return name == 'default' ? _genesys.queue.rType.RouteTypeDefault : _genesys.queue.rType.RouteTypeUnknown;
}

// toSeconds converts a list value such as "60" to a number of seconds.
function toSeconds(value) {
	var n = parseInt(value, 10);
	return isNaN(n) ? 0 : n;
}
