// Helpers of the Composer-shaped benchmark strategy, in the style of the
// script libraries Composer projects include.
var App_Config = {vq: 'VQ_Sales', target: 'Sales_Agents', timeout: 60, retries: 3};

function App_Target(name) {
	return name + '@SIP_Switch.A';
}

function App_Trace(label, value) {
	__Log(label + '=' + (typeof value === 'object' ? JSON.stringify(value) : value));
}

function App_Epoch() {
	return Math.floor(new Date().getTime() / 1000);
}

function App_Option(name, fallback) {
	var v = _data[name];
	return v === undefined || v === '' ? fallback : v;
}

function App_IsBusinessHours(open, close, now) {
	var h = now.getUTCHours();
	return h >= open && h < close;
}

function App_Pad(n, width) {
	var s = String(n);
	while (s.length < width) {
		s = '0' + s;
	}
	return s;
}

function App_SetError(code, description) {
	system.LastErrorEvent = code;
	system.LastErrorDescription = description;
}
