// The session page: the chart, the live timeline, time travel through the
// recorded macrosteps, and the actions, which call the ORS and GMS HTTP API
// as a script would.
"use strict";

(function () {
  const body = document.body;
  const id = body.dataset.session;
  const apiBase = body.dataset.apiBase || "";
  const api = "/console/api/session/" + encodeURIComponent(id);
  const $ = (sel) => document.getElementById(sel);

  const state = { steps: [], dropped: 0, selected: -1, live: true, summary: null, loaded: false };
  window.orcaSession = state;

  const chart = new window.OrcaChart($("chart"), (collapsed) => loadChart(collapsed));

  function loadChart(collapsed) {
    let url = api + "/chart";
    if (collapsed) url += "?collapsed=" + encodeURIComponent(collapsed.join(","));
    return fetch(url).then((r) => {
      if (!r.ok) return r.text().then((t) => { $("chart").textContent = t; });
      return r.json().then((l) => {
        chart.load(l);
        const s = current();
        if (s) chart.highlight(s.active, s.atomic);
        body.dataset.chart = "ready";
      });
    });
  }

  function current() {
    return state.steps.find((s) => s.index === state.selected);
  }

  function fmtTime(t) {
    if (!t) return "";
    return t.replace("T", " ").replace(/\.\d+/, "").replace("Z", "");
  }

  // The timeline.
  function lineItem(s) {
    const li = document.createElement("li");
    li.setAttribute("role", "option");
    li.id = "step-" + s.index;
    li.dataset.index = s.index;
    li.setAttribute("aria-selected", "false");
    if (s.final) li.classList.add("final");
    if (s.ended) li.classList.add("ended");
    const n = document.createElement("span");
    n.className = "n";
    n.textContent = "#" + s.index;
    const ev = document.createElement("span");
    ev.className = "ev";
    if (s.ended) {
      ev.textContent = "(end)";
      ev.title = "the session ended: what its end produced";
    } else {
      ev.textContent = s.event ? s.event : "(start)";
      ev.title = s.event ? s.event + " (" + (s.type || "external") + ")" : "the initial macrostep";
    }
    const t = document.createElement("span");
    t.className = "t";
    t.textContent = fmtTime(s.time).slice(11);
    const marks = document.createElement("span");
    marks.className = "marks";
    let m = (s.atomic || []).join(" ");
    if (s.reports) m += "  ⇪" + s.reports;
    if (s.logs) m += "  ✎" + s.logs;
    marks.textContent = m;
    if (s.errors) {
      const e = document.createElement("span");
      e.className = "err";
      e.textContent = "  ⚠" + s.errors;
      marks.appendChild(e);
    }
    li.append(n, ev, t, marks);
    li.addEventListener("click", () => { setLive(false); select(s.index); });
    return li;
  }

  function renderTimeline() {
    const ol = $("timeline");
    ol.textContent = "";
    for (const s of state.steps) ol.appendChild(lineItem(s));
    const d = $("dropped");
    d.hidden = state.dropped === 0;
    d.textContent = state.steps.length
      ? state.dropped + " earlier macrosteps are no longer kept."
      : "The " + state.dropped + " macrosteps are no longer kept (the console's history bounds); the chart shows the session's current states.";
  }

  function addStep(s) {
    if (state.steps.some((x) => x.index === s.index)) return;
    state.steps.push(s);
    state.steps.sort((a, b) => a.index - b.index);
    $("timeline").appendChild(lineItem(s));
    body.dataset.steps = String(state.steps.length);
    if (state.live) select(s.index);
  }

  function setLive(on) {
    state.live = on;
    $("step-live").setAttribute("aria-pressed", on ? "true" : "false");
  }

  // select shows macrostep index: its configuration lit in the chart, and
  // its record in full.
  function select(index) {
    const s = state.steps.find((x) => x.index === index);
    if (!s) return;
    state.selected = index;
    body.dataset.selected = String(index);
    for (const li of $("timeline").children) {
      li.setAttribute("aria-selected", Number(li.dataset.index) === index ? "true" : "false");
    }
    const li = $("step-" + index);
    if (li) {
      $("timeline").setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
    }
    chart.highlight(s.active, s.atomic);
    $("step-index").textContent = "#" + s.index;
    $("step-config").textContent = (s.active || []).join(" ");
    fetch(api + "/step/" + index).then((r) => (r.ok ? r.json() : null)).then((full) => {
      if (state.selected !== index) return;
      if (full) showStep(full);
      body.dataset.shown = String(index);
    });
  }

  function json(v) {
    return v === undefined || v === null ? "" : JSON.stringify(v, null, 2);
  }

  function kvTable(parent, title, data) {
    const table = document.createElement("table");
    table.className = "kv";
    const cap = document.createElement("caption");
    cap.textContent = title;
    cap.style.textAlign = "left";
    table.appendChild(cap);
    for (const k of Object.keys(data || {}).sort()) {
      const tr = table.insertRow();
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = k;
      tr.appendChild(th);
      tr.insertCell().textContent = typeof data[k] === "string" ? data[k] : JSON.stringify(data[k]);
    }
    parent.appendChild(table);
  }

  function showStep(st) {
    $("step-when").textContent = fmtTime(st.time) + (st.ended ? " · the session ended" : st.final ? " · reached a final state" : "");
    if (st.ended) {
      $("step-event").textContent = "(the session ended" + (st.final ? " in a final state" : " without reaching a final state") + ": below is what its end produced)";
    } else if (st.event === null || st.event === undefined) {
      $("step-event").textContent = "(the initial macrostep: no event)";
    } else {
      const ev = { name: st.event, type: st.eventtype, origin: st.origin, origintype: st.origintype, sendid: st.sendid, invokeid: st.invokeid, data: st.eventdata };
      for (const k of Object.keys(ev)) if (ev[k] === undefined) delete ev[k];
      $("step-event").textContent = json(ev);
    }
    $("step-config").textContent = st.active.join(" ");
    $("step-data").textContent = st.datamodel ? json(st.datamodel) : st.ended ? "(gone with the session)" : "(not recorded)";
    const pending = $("step-pending");
    pending.textContent = "";
    const lines = [];
    for (const t of st.timers || []) lines.push("timer " + (t.sendid ? t.sendid + " " : "") + t.event + " due " + fmtTime(t.due));
    for (const r of st.requests || []) lines.push("request " + r.id + " " + r.kind + (r.detail ? " " + r.detail : ""));
    pending.textContent = lines.length ? lines.join("\n") : "none";
    pending.style.whiteSpace = "pre-wrap";
    const rep = $("step-reports");
    rep.textContent = "";
    for (const u of st.userevents || []) kvTable(rep, "UserEvent" + (u.dn ? " to " + u.dn : "") + (u.interaction ? " about " + u.interaction : ""), u.data);
    for (const u of st.attached || []) kvTable(rep, "attached to " + (u.interaction || "the interaction"), u.data);
    if (!rep.children.length) rep.textContent = "none";
    const sends = $("step-sends");
    sends.textContent = (st.sends || []).map((s) => s.event + (s.target ? " → " + s.target : "") + (s.due ? " at " + fmtTime(s.due) : "")).join("\n") || "none";
    sends.style.whiteSpace = "pre-wrap";
    const log = $("step-log");
    log.textContent = "";
    for (const l of st.logs || []) {
      const li = document.createElement("li");
      li.textContent = (l.label ? l.label + ": " : "") + l.message;
      log.appendChild(li);
    }
    for (const e of st.errors || []) {
      const li = document.createElement("li");
      li.className = "err";
      li.textContent = "error: " + e;
      log.appendChild(li);
    }
  }

  function showSummary(s) {
    state.summary = s;
    const st = $("sum-state");
    st.textContent = s.state;
    st.className = "badge state-" + s.state;
    $("sum-ended").textContent = fmtTime(s.ended);
    $("sum-steps").textContent = s.steps;
    if ($("sum-cbstate")) $("sum-cbstate").textContent = s.callbackState || "";
    // An ended session takes no more actions.
    if (s.state === "ended") {
      for (const b of document.querySelectorAll("#actions button, #actions input")) b.disabled = true;
    }
  }

  function applySnapshot(snap) {
    state.steps = snap.steps;
    state.dropped = snap.dropped;
    showSummary(snap.summary);
    renderTimeline();
    body.dataset.steps = String(state.steps.length);
    const last = state.steps[state.steps.length - 1];
    if (last && (state.live || !current())) select(last.index);
    else if (current()) select(state.selected);
    else if (snap.summary.atomic) {
      // No macrostep kept (the history's bounds dropped them all): the
      // session's atomic states, as its summary has them.
      chart.highlight(snap.summary.atomic, snap.summary.atomic);
      $("step-config").textContent = snap.summary.atomic.join(" ");
    }
    state.loaded = true;
  }

  function connect() {
    const es = new EventSource(api + "/stream");
    es.addEventListener("snapshot", (e) => applySnapshot(JSON.parse(e.data)));
    es.addEventListener("step", (e) => {
      const u = JSON.parse(e.data);
      addStep(u.step);
      if (u.summary) showSummary(u.summary);
    });
    es.addEventListener("summary", (e) => showSummary(JSON.parse(e.data)));
    es.addEventListener("resync", () => fetch(api).then((r) => r.json()).then(applySnapshot));
    es.addEventListener("gone", () => {
      es.close();
      $("sum-state").textContent = "gone";
      status("The session is no longer kept by the server.");
    });
    body.dataset.stream = "open";
  }

  // Time travel by keyboard and buttons.
  function move(d) {
    const i = state.steps.findIndex((x) => x.index === state.selected);
    const j = Math.min(Math.max(i + d, 0), state.steps.length - 1);
    if (j >= 0 && j !== i) {
      setLive(j === state.steps.length - 1 && state.live);
      select(state.steps[j].index);
    }
  }
  $("step-prev").addEventListener("click", () => { setLive(false); move(-1); });
  $("step-next").addEventListener("click", () => { setLive(false); move(1); });
  $("step-live").addEventListener("click", () => {
    setLive(!state.live);
    if (state.live && state.steps.length) select(state.steps[state.steps.length - 1].index);
  });
  $("timeline").addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowUp" || ev.key === "ArrowLeft") { setLive(false); move(-1); ev.preventDefault(); }
    if (ev.key === "ArrowDown" || ev.key === "ArrowRight") { setLive(false); move(1); ev.preventDefault(); }
    if (ev.key === "Home" && state.steps.length) { setLive(false); select(state.steps[0].index); ev.preventDefault(); }
    if (ev.key === "End" && state.steps.length) { setLive(true); select(state.steps[state.steps.length - 1].index); ev.preventDefault(); }
  });

  // The chart's toolbar.
  $("zoom-in").addEventListener("click", () => chart.zoom(1 / 1.25));
  $("zoom-out").addEventListener("click", () => chart.zoom(1.25));
  $("zoom-fit").addEventListener("click", () => chart.fit());
  $("expand-all").addEventListener("click", () => loadChart([]));
  $("collapse-all").addEventListener("click", () => {
    if (!chart.layout) return;
    loadChart(chart.layout.nodes.filter((n) => n.children > 0 && n.kind !== "root" && n.depth === 1).map((n) => n.id));
  });
  let searchTimer = 0;
  $("chart-search").addEventListener("input", (ev) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      const found = chart.search(ev.target.value.trim(), true);
      $("search-count").textContent = ev.target.value.trim() ? found.length + " found" : "";
    }, 150);
  });

  // Actions, through the HTTP API a script uses.
  function status(msg, bad) {
    const s = $("action-status");
    if (!s) return;
    s.textContent = msg;
    s.classList.toggle("error", !!bad);
  }

  function call(method, path, bodyText, type) {
    const init = { method: method, headers: {} };
    if (bodyText !== undefined) {
      init.body = bodyText;
      init.headers["Content-Type"] = type;
    }
    return fetch(apiBase + path, init).then((r) => r.text().then((t) => {
      if (!r.ok) {
        // The API answers {"error": ...} (GMS: {"message": ...} too).
        let msg = t.trim();
        try {
          const e = JSON.parse(t);
          msg = e.message || e.error || msg;
        } catch (_) { /* plain text */ }
        throw new Error(method + " " + path + ": " + r.status + " " + msg);
      }
      return t;
    }));
  }

  if (!body.dataset.readonly && $("send-form")) {
    $("send-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const name = $("send-name").value.trim();
      const raw = $("send-data").value.trim();
      let data;
      if (raw) {
        try {
          data = JSON.parse(raw);
        } catch (e) {
          status("Data: not JSON: " + e.message, true);
          return;
        }
        if (data === null || typeof data !== "object" || Array.isArray(data)) {
          status("Data: want a JSON object", true);
          return;
        }
      }
      const path = "/scxml/session/" + encodeURIComponent(id) + "/event/" + encodeURIComponent(name);
      call("POST", path, data ? JSON.stringify(data) : undefined, "application/json")
        .then(() => status("Sent " + name + "."), (e) => status(e.message, true));
    });
    let armed = 0;
    $("terminate").addEventListener("click", (ev) => {
      const b = ev.currentTarget;
      if (!armed) {
        b.textContent = "Click again to terminate";
        armed = setTimeout(() => { armed = 0; b.textContent = "Terminate session"; }, 4000);
        return;
      }
      clearTimeout(armed);
      armed = 0;
      b.textContent = "Terminate session";
      call("POST", "/scxml/session/" + encodeURIComponent(id) + "/terminate")
        .then(() => status("Terminated."), (e) => status(e.message, true));
    });
    const rf = $("reschedule-form");
    if (rf) {
      const cbPath = "/genesys/1/service/callback/" + encodeURIComponent(rf.dataset.service) + "/" + encodeURIComponent(rf.dataset.callback);
      rf.addEventListener("submit", (ev) => {
        ev.preventDefault();
        const v = $("reschedule-time").value;
        const t = (v.length === 16 ? v + ":00" : v) + ".000Z";
        call("PUT", cbPath, "_desired_time=" + encodeURIComponent(t), "application/x-www-form-urlencoded")
          .then(() => status("Rescheduled to " + t + "."), (e) => status(e.message, true));
      });
      $("cancel-callback").addEventListener("click", () => {
        call("DELETE", cbPath).then(() => status("Callback cancelled."), (e) => status(e.message, true));
      });
    }
  }

  loadChart(null).then(connect, connect);
})();
