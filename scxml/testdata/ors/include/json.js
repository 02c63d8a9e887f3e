// A stand-in for json.js: JSON is built into the engine.
var JSON2 = JSON;
