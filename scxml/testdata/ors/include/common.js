// Helpers shared by the strategies.
function App_Log(msg) {
  __Log('[' + _sessionid + '] ' + msg);
}
