// Helpers shared by the strategy's documents.
function App_Target(name) {
	return name + '@SIP_Switch.A';
}
