// A stand-in for json2.js: JSON is built into the engine.
var JSON2 = JSON;
