// The SCION side of Orca's peer comparison (make peer). Usage:
//
//   node --expose-gc scion.js external|raised|start|memory N
//
// It runs the same charts as Orca's interp benchmarks (testdata/) and
// prints one line, "scion <figure> <value> <unit>": CPU time (user and
// system, the collector's included) of the measured part only, after a
// warm-up of the same work, or the heap each live session holds.
'use strict';
const path = require('path');
const scxml = require('@scion-scxml/scxml');

const what = process.argv[2];
const n = +process.argv[3] || 100000;
const testdata = path.join(__dirname, '..', '..', 'testdata');

function load(file) {
  return new Promise((ok, ko) => scxml.pathToModel(path.join(testdata, file), (err, model) => {
    if (err) return ko(err);
    model.prepare((err, fn) => (err ? ko(err) : ok(fn)));
  }));
}

// cpu returns the CPU time f takes, in nanoseconds.
function cpu(f) {
  const start = process.cpuUsage();
  f();
  const c = process.cpuUsage(start);
  return (c.user + c.system) * 1000;
}

function out(v, unit) {
  process.stdout.write(`scion ${what} ${v.toFixed(0)} ${unit}\n`);
}

const figures = {
  // external: ping and pong events alternately, each taking a transition
  // with an <assign>.
  async external() {
    const fn = await load('pingpong.scxml');
    const sc = new scxml.core.Statechart(fn);
    sc.start();
    const ev = [{name: 'ping'}, {name: 'pong'}];
    for (let i = 0; i < n; i++) sc.gen(ev[i & 1]);
    const ns = cpu(() => { for (let i = 0; i < n; i++) sc.gen(ev[i & 1]); });
    if (sc.isFinal()) throw new Error('the ping-pong session ended');
    out(ns / n, 'cpu-ns/event');
  },
  // raised: each external go raises 1000 tick events, each selected by a
  // cond.
  async raised() {
    const fn = await load('raised.scxml');
    const sc = new scxml.core.Statechart(fn);
    sc.start();
    const rounds = Math.max(1, Math.floor(n / 1000));
    for (let i = 0; i < rounds; i++) sc.gen({name: 'go'});
    const ns = cpu(() => { for (let i = 0; i < rounds; i++) sc.gen({name: 'go'}); });
    out(ns / (rounds * 1000), 'cpu-ns/event');
  },
  // start: a ping-pong session started and dropped, the collection of its
  // garbage included (Orca's BenchmarkSessionStart evicts each session and
  // collects at the end). The registry that would keep a session until it
  // ends keeps nothing.
  async start() {
    const fn = await load('pingpong.scxml');
    const opts = {sessionRegistry: {set() {}, get() {}, delete() {}}};
    const once = () => { const sc = new scxml.core.Statechart(fn, opts); sc.start(); };
    for (let i = 0; i < n; i++) once();
    global.gc();
    const ns = cpu(() => { for (let i = 0; i < n; i++) once(); global.gc(); });
    out(ns / n, 'cpu-ns/session');
  },
  // memory: the heap each live ping-pong session holds after one event.
  async memory() {
    const fn = await load('pingpong.scxml');
    const make = () => { const sc = new scxml.core.Statechart(fn); sc.start(); sc.gen({name: 'ping'}); return sc; };
    { const warm = []; for (let i = 0; i < 1000; i++) warm.push(make()); }
    global.gc(); global.gc();
    const before = process.memoryUsage().heapUsed;
    const keep = new Array(n);
    for (let i = 0; i < n; i++) keep[i] = make();
    global.gc(); global.gc();
    const after = process.memoryUsage().heapUsed;
    if (keep.length !== n) throw new Error('sessions lost');
    out((after - before) / n, 'B/session');
  },
};

(async () => {
  console.log = () => {}; // SCION writes <log> with console.log
  const f = figures[what];
  if (!f) throw new Error(`unknown figure ${what}: want external, raised, start or memory`);
  await f();
})().catch((e) => { process.stderr.write(String(e.stack) + '\n'); process.exit(1); });
