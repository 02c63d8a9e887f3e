// The statechart of a session, drawn as SVG from the layout the server
// computes (console.Layout): boxes, transition rows, arrows, the active
// configuration lit, zoom and pan, search by state id, and collapsing.
"use strict";

(function () {
  const NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  function text(parent, x, y, cls, s, title) {
    const t = el("text", { x: x, y: y, class: cls }, parent);
    t.textContent = s;
    if (title) el("title", {}, t).textContent = title;
    return t;
  }

  // Chart draws into container; load(layout) replaces the drawing, and
  // onLayout(collapsedIds) is called when the user opens or closes a state
  // (the caller fetches the new layout and calls load).
  function Chart(container, onLayout) {
    this.container = container;
    this.onLayout = onLayout;
    this.layout = null;
    this.collapsed = new Set();
    this.nodes = new Map();
    this.parent = new Map();
    this.active = new Set();
    this.atomic = new Set();
    this.query = "";
    this.view = null;
    this.svg = el("svg", { role: "img", "aria-label": "statechart" }, container);
    this.defs = el("defs", {}, this.svg);
    const m = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" }, this.defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#6f7c91" }, m);
    this.root = el("g", {}, this.svg);
    this.installPanZoom();
  }

  Chart.prototype.load = function (layout) {
    const keepView = this.layout !== null && this.view !== null;
    this.layout = layout;
    this.collapsed = new Set(layout.collapsed);
    this.parent = new Map(layout.states.map((s) => [s.id, s.parent || ""]));
    this.nodes = new Map();
    this.root.textContent = "";
    const gNodes = el("g", {}, this.root);
    const gEdges = el("g", {}, this.root);
    for (const n of layout.nodes) this.drawNode(gNodes, n);
    this.edges = [];
    for (const e of layout.edges) {
      const p = e.points;
      const path = el("path", {
        class: "edge " + e.kind, d: `M${p[0].x},${p[0].y} C${p[1].x},${p[1].y} ${p[2].x},${p[2].y} ${p[3].x},${p[3].y}`,
        "marker-end": "url(#arrow)", "data-from": e.from, "data-row": e.row, "data-to": e.target,
      }, gEdges);
      this.edges.push(path);
    }
    if (!keepView) this.fit();
    this.applyView();
    this.highlight(this.active, this.atomic);
    this.search(this.query, false);
    if (this.centerOn) {
      this.center(this.centerOn);
      this.centerOn = null;
    }
  };

  Chart.prototype.drawNode = function (parent, n) {
    const g = el("g", { class: "st " + n.kind + (n.region ? " region" : ""), "data-id": n.id }, parent);
    this.nodes.set(n.id, g);
    const title = n.id + " (" + n.kind + (n.deep ? ", deep" : "") + ") " + n.file;
    el("title", {}, g).textContent = title;
    if (n.kind === "history") {
      el("circle", { class: "hist", cx: n.x + n.w / 2, cy: n.y + n.h / 2, r: n.w / 2 }, g);
      text(g, n.x + n.w / 2, n.y + n.h / 2 + 4, "hist", n.deep ? "H*" : "H").setAttribute("text-anchor", "middle");
      return;
    }
    el("rect", { class: "box", x: n.x, y: n.y, width: n.w, height: n.h, rx: n.kind === "root" ? 4 : 9 }, g);
    if (n.kind === "final") {
      el("rect", { class: "inner", x: n.x + 3, y: n.y + 3, width: n.w - 6, height: n.h - 6, rx: 7 }, g);
    }
    text(g, n.x + 10, n.y + 16, "id", n.label);
    let bx = n.x + 10 + n.label.length * 7.5 + 8;
    if (n.kind === "parallel" || n.kind === "final") {
      text(g, bx, n.y + 16, "badge", n.kind);
      bx += n.kind.length * 7.5 + 8;
    }
    if (n.children > 0 && n.kind !== "root") {
      const t = el("g", { class: "toggle", role: "button", tabindex: "0", "aria-label": (n.collapsed ? "Open " : "Close ") + n.id, "aria-expanded": n.collapsed ? "false" : "true" }, g);
      const label = n.collapsed ? "+" + n.children : "−";
      el("rect", { x: bx, y: n.y + 5, width: label.length * 7.5 + 8, height: 15, rx: 3 }, t);
      text(t, bx + 4, n.y + 16, "", label);
      const toggle = (ev) => {
        ev.stopPropagation();
        ev.preventDefault();
        const c = new Set(this.collapsed);
        if (c.has(n.id)) c.delete(n.id); else c.add(n.id);
        this.onLayout([...c]);
      };
      t.addEventListener("click", toggle);
      t.addEventListener("pointerdown", (ev) => ev.stopPropagation());
      t.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") toggle(ev); });
    }
    n.rows && n.rows.forEach((r, i) => {
      const t = text(g, n.x + 10, r.y + 4, "row", r.text, r.full);
      t.addEventListener("mouseenter", () => this.hoverRow(n.id, i, true));
      t.addEventListener("mouseleave", () => this.hoverRow(n.id, i, false));
    });
    if (n.initial) el("circle", { class: "init", cx: n.initial.x, cy: n.initial.y, r: 5 }, g);
    (n.separators || []).forEach((s) => el("line", { class: "sep", x1: s.a.x, y1: s.a.y, x2: s.b.x, y2: s.b.y }, g));
  };

  Chart.prototype.hoverRow = function (id, row, on) {
    for (const e of this.edges) {
      if (e.dataset.from === id && Number(e.dataset.row) === row) e.classList.toggle("hover", on);
    }
  };

  // visible returns the drawn box of state id: itself or its outermost
  // closed ancestor.
  Chart.prototype.visible = function (id) {
    let v = id;
    for (let p = this.parent.get(id); p; p = this.parent.get(p)) {
      if (this.collapsed.has(p)) v = p;
    }
    return v;
  };

  // highlight lights the active configuration: active states, the atomic
  // ones more, and closed states that hold active ones.
  Chart.prototype.highlight = function (active, atomic) {
    this.active = new Set(active);
    this.atomic = new Set(atomic);
    for (const g of this.nodes.values()) g.classList.remove("active", "atomic", "inside");
    for (const id of this.active) {
      const v = this.visible(id);
      const g = this.nodes.get(v);
      if (!g) continue;
      if (v === id) {
        g.classList.add("active");
        if (this.atomic.has(id)) g.classList.add("atomic");
      } else {
        g.classList.add("inside");
      }
    }
  };

  // search marks the states whose id contains q; with open set, closed
  // states hiding a match are opened first. It returns the matches.
  Chart.prototype.search = function (q, open) {
    this.query = q;
    for (const g of this.nodes.values()) g.classList.remove("match");
    if (!q || !this.layout) return [];
    const needle = q.toLowerCase();
    const found = this.layout.states.filter((s) => s.id.toLowerCase().includes(needle)).map((s) => s.id);
    const hiddenBy = new Set();
    for (const id of found) {
      const v = this.visible(id);
      if (v !== id) hiddenBy.add(id);
      const g = this.nodes.get(v);
      if (g && v === id) g.classList.add("match");
    }
    if (open && hiddenBy.size > 0) {
      const c = new Set(this.collapsed);
      for (const id of hiddenBy) for (let p = this.parent.get(id); p; p = this.parent.get(p)) c.delete(p);
      this.centerOn = found[0];
      this.onLayout([...c]);
    } else if (open && found.length > 0) {
      this.center(found[0]);
    }
    return found;
  };

  Chart.prototype.center = function (id) {
    const n = this.layout.nodes.find((x) => x.id === id);
    if (!n) return;
    const w = Math.max(this.view.w, 1), h = Math.max(this.view.h, 1);
    this.view.x = n.x + n.w / 2 - w / 2;
    this.view.y = n.y + n.h / 2 - h / 2;
    this.applyView();
  };

  // fit shows the whole chart when it is legible so, or else the top of
  // it across the full width, at a legible scale.
  Chart.prototype.fit = function () {
    if (!this.layout) return;
    const m = 12;
    const lw = this.layout.width + 2 * m, lh = this.layout.height + 2 * m;
    const r = this.container.getBoundingClientRect();
    const cw = r.width || 800, ch = r.height || 600;
    let s = Math.min(cw / lw, ch / lh, 1.25);
    if (s < 0.7) s = Math.max(Math.min(cw / lw, 1.25), 0.7);
    this.view = { x: -m, y: -m, w: cw / s, h: ch / s };
    this.applyView();
  };

  // fixAspect fits the view box to a container whose size changed: the
  // scale stays (the chart neither grows nor shrinks with the window),
  // the view shows more or less of it.
  Chart.prototype.fixAspect = function () {
    const r = this.container.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || !this.box) return;
    const s = this.view.w / this.box.w;
    this.view.w = r.width * s;
    this.view.h = r.height * s;
  };

  Chart.prototype.applyView = function () {
    if (!this.view) return;
    const v = this.view;
    const r = this.container.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) this.box = { w: r.width, h: r.height };
    this.svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.w} ${v.h}`);
  };

  Chart.prototype.zoom = function (f, cx, cy) {
    const v = this.view;
    if (!v) return;
    if (cx === undefined) { cx = v.x + v.w / 2; cy = v.y + v.h / 2; }
    const nw = Math.min(Math.max(v.w * f, 60), 40000);
    const k = nw / v.w;
    v.x = cx - (cx - v.x) * k;
    v.y = cy - (cy - v.y) * k;
    v.w = nw;
    v.h = v.h * k;
    this.applyView();
  };

  Chart.prototype.installPanZoom = function () {
    const c = this.container;
    let drag = null;
    c.addEventListener("wheel", (ev) => {
      if (!this.view) return;
      ev.preventDefault();
      const r = c.getBoundingClientRect();
      const cx = this.view.x + (ev.clientX - r.left) / r.width * this.view.w;
      const cy = this.view.y + (ev.clientY - r.top) / r.height * this.view.h;
      this.zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, cx, cy);
    }, { passive: false });
    c.addEventListener("pointerdown", (ev) => {
      if (!this.view || ev.button !== 0) return;
      drag = { x: ev.clientX, y: ev.clientY, vx: this.view.x, vy: this.view.y };
      c.setPointerCapture(ev.pointerId);
      c.classList.add("dragging");
    });
    c.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      const r = c.getBoundingClientRect();
      this.view.x = drag.vx - (ev.clientX - drag.x) / r.width * this.view.w;
      this.view.y = drag.vy - (ev.clientY - drag.y) / r.height * this.view.h;
      this.applyView();
    });
    const end = () => { drag = null; c.classList.remove("dragging"); };
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
    c.addEventListener("keydown", (ev) => {
      if (!this.view) return;
      const step = this.view.w / 10;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (moves[ev.key]) {
        this.view.x += moves[ev.key][0];
        this.view.y += moves[ev.key][1];
        this.applyView();
        ev.preventDefault();
      } else if (ev.key === "+" || ev.key === "=") { this.zoom(1 / 1.25); ev.preventDefault(); }
      else if (ev.key === "-") { this.zoom(1.25); ev.preventDefault(); }
    });
    window.addEventListener("resize", () => { if (this.view) { this.fixAspect(); this.applyView(); } });
  };

  window.OrcaChart = Chart;
})();
