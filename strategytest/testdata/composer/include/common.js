// Helpers of the generated strategies, in the manner of Composer's
// include/common.js: the document's base URL, and the event and error
// store every block writes into (_data.system.context).
var common_version = "orca-fixture";

function getBaseURL() {
	var url = __GetDocumentURL();
	return url.substring(0, url.lastIndexOf("/") + 1);
}

function resetEvents() {
	_data.system.context.events = [];
	_data.system.context.errors = [];
}

function storeEvent(blockName, event) {
	if (_data.system.context.currentBlock != blockName) resetEvents();
	_data.system.context.currentBlock = blockName;
	_data.system.context.events.push(event);
}

function storeException(blockName, event) {
	if (_data.system.context.currentBlock != blockName) resetEvents();
	_data.system.context.currentBlock = blockName;
	_data.system.context.errors.push(event);
	_data.system.context.LastErrorEventName = event.name;
	_data.system.context.LastErrorDescription = (event.data && event.data.description) || '';
}

// Events the application leg did not handle are kept, by identity, so
// that the event handler leg knows what to do with them.
function storeUnhandledEvent() {
	_data.system.context.uncaughtApplicationEvents.push(_event);
}

function isEventHandledByApplication() {
	return _data.system.context.uncaughtApplicationEvents.indexOf(_event) == -1;
}
