// archplot's interactive view: one self-contained page, no network.
// The layout structure (ranks, order, dummy points) comes from Python; this file computes
// coordinates and routes from sizes exactly as archplot/layout/positions.py and routes.py
// do (place, box_routes), and labels as layout/labels.py does, so the picture at a given
// expansion is the static one. Every label is drawn with fillText or set with textContent:
// model names never become markup.
(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("archplot-data").textContent);
  const C = DATA.consts, T = DATA.theme;
  // Left-to-right pictures are laid out top-to-bottom with every size transposed, then
  // transposed back, as archplot/layout/pipeline.py (Picture) does.
  const LR = !!DATA.lr;
  const canvas = document.getElementById("ap-canvas");
  const ctx = canvas.getContext("2d");
  const FONT = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', Geneva, sans-serif";

  let V = null;                 // the current view data (folded or not)
  let collapsed = new Set();    // scope ids drawn as one node
  let cache = new Map();        // scope id -> local layout
  let L = null;                 // the current full layout
  let zoom = 1, panX = 0, panY = 0;
  let selected = null, hovered = null;
  let matches = [], matchIndex = -1;

  // ---------------------------------------------------------------- layout (port of _coordinates)
  function weightedMedian(values) {
    if (values.length === 1) return values[0][0];
    values = values.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let half = 0; for (const v of values) half += v[1]; half /= 2;
    let acc = 0;
    for (let i = 0; i < values.length; i++) {
      acc += values[i][1];
      if (acc > half + 1e-9) return values[i][0];
      if (Math.abs(acc - half) <= 1e-9) return (values[i][0] + values[i + 1][0]) / 2;
    }
    return values[values.length - 1][0];
  }

  function place(targets, weights, seps) {
    const n = targets.length;
    let apart = true;
    for (let i = 0; i < n - 1; i++) if (targets[i + 1] - targets[i] < seps[i]) { apart = false; break; }
    if (apart) return targets;  // already far enough apart: every unit gets its wish
    const offset = new Array(n).fill(0);
    for (let i = 1; i < n; i++) offset[i] = offset[i - 1] + seps[i - 1];
    const blocks = [];
    for (let i = 0; i < n; i++) {
      blocks.push([(targets[i] - offset[i]) * weights[i], weights[i], 1]);
      while (blocks.length > 1 && blocks[blocks.length - 2][0] / blocks[blocks.length - 2][1] >
             blocks[blocks.length - 1][0] / blocks[blocks.length - 1][1]) {
        const b = blocks.pop(), top = blocks[blocks.length - 1];
        top[0] += b[0]; top[1] += b[1]; top[2] += b[2];
      }
    }
    const out = []; let i = 0;
    for (const [s, w, c] of blocks) { const val = s / w; for (let k = 0; k < c; k++) { out.push(val + offset[i]); i++; } }
    return out;
  }

  const kind = (t) => t[0] === "i" ? "in" : t[0] === "o" ? "out" : t[0];

  function coordinates(sid, S, size, childPorts, isRoot) {
    const width = {}, height = {};
    for (const layer of S.L) for (const v of layer) {
      const k = kind(v);
      if (k === "in" || k === "out") { width[v] = 0; height[v] = 0; }
      else if (k === "d") { width[v] = C.dummy_width; height[v] = 0; }
      else { width[v] = size[v][0]; height[v] = size[v][1]; }
    }
    const segW = {}, srcOff = {}, dstOff = {}, pred = {}, succ = {};
    const offset = (v, port) => {
      const ports = childPorts[v];
      if (port === null || !ports || !(port in ports)) return 0;
      return ports[port].x - width[v] / 2;
    };
    for (const [a, b, w, sp, dp] of S.S) {
      const key = a + "|" + b;
      segW[key] = w; srcOff[key] = offset(a, sp); dstOff[key] = offset(b, dp);
      (succ[a] = succ[a] || []).push(b); (pred[b] = pred[b] || []).push(a);
    }
    const room = {};
    for (const a in S.K) {
      if (!(a[0] === "n" || (a[0] === "s" && !(a in childPorts)))) continue;  // nodes and collapsed boxes
      let best = null;
      for (const k of S.K[a]) if (k in V.labelWidth) best = best === null ? V.labelWidth[k] : Math.max(best, V.labelWidth[k]);
      if (best !== null) room[a] = best;
    }
    const real = (t) => { const k = kind(t); return k !== "d" && k !== "in" && k !== "out"; };
    const sep = (a, b) => {
      const gap = real(a) && real(b) ? C.node_gap : C.dummy_width;
      const s = (width[a] + width[b]) / 2 + gap;
      const r = room[a];
      return r ? Math.max(s, r + 10) : s;
    };
    const nr = S.L.length;
    const seps = S.L.map((layer) => layer.slice(0, -1).map((v, i) => sep(v, layer[i + 1])));
    const x = {};
    S.L.forEach((layer, r) => { let cur = 0; layer.forEach((v, i) => { if (i) cur += seps[r][i - 1]; x[v] = cur; }); });
    const candDown = (v) => (pred[v] || []).map((p) => [x[p] + srcOff[p + "|" + v] - dstOff[p + "|" + v], segW[p + "|" + v]]);
    const candUp = (v) => (succ[v] || []).map((s) => [x[s] + dstOff[v + "|" + s] - srcOff[v + "|" + s], segW[v + "|" + s]]);
    let still = 0;  // sweeps in a row that moved nothing: two (one each way) mean a fixed point
    for (let it = 0; it < 6 && still < 2; it++) {
      still++;
      const down = it % 2 === 0;
      for (let step = 0; step < nr - 1; step++) {
        const r = down ? 1 + step : nr - 2 - step;
        const layer = S.L[r];
        if (layer.length === 1) {
          const cand = down ? candDown(layer[0]) : candUp(layer[0]);
          if (cand.length) {
            const xv = weightedMedian(cand);
            if (xv !== x[layer[0]]) { x[layer[0]] = xv; still = 0; }
          }
          continue;
        }
        const targets = [], weights = [];
        for (const v of layer) {
          const cand = down ? candDown(v) : candUp(v);
          if (cand.length) {
            targets.push(weightedMedian(cand));
            let sw = 0; for (const c of cand) sw += c[1];
            weights.push(sw * (kind(v) === "d" ? 0.002 : 4.0));
          } else { targets.push(x[v]); weights.push(0.05); }
        }
        const xs = place(targets, weights, seps[r]);
        layer.forEach((v, i) => { if (xs[i] !== x[v]) { x[v] = xs[i]; still = 0; } });
      }
    }
    const [headRank, headOrder, minOrder, minRank] = S.H;
    const pad = isRoot ? 0 : C.pad;
    const topPad = pad + headRank;
    const bandTop = [], bandBottom = [];
    let y = 0;
    S.L.forEach((layer, r) => {
      let h = 0; for (const v of layer) h = Math.max(h, height[v]);
      bandTop.push(y); bandBottom.push(y + h);
      y += h + (r < nr - 1 ? C.rank_gap : 0);
    });
    const contentH = Math.max(y, minRank);
    let minX = Infinity, maxX = -Infinity;
    for (const layer of S.L) for (const v of layer) { minX = Math.min(minX, x[v] - width[v] / 2); maxX = Math.max(maxX, x[v] + width[v] / 2); }
    for (const a in room) maxX = Math.max(maxX, x[a] + room[a] + 6);
    const innerW = Math.max(maxX - minX, minOrder);
    const extra = (innerW - (maxX - minX)) / 2;
    const shiftX = pad + headOrder - minX + extra;
    const w = innerW + 2 * pad + headOrder, h = contentH + topPad + pad;
    const rank = {};
    S.L.forEach((layer, r) => { for (const v of layer) rank[v] = r; });
    const pos = {};
    for (const layer of S.L) for (const v of layer) {
      const k = kind(v);
      if (k === "d") continue;
      let by = bandTop[rank[v]] + topPad;
      if (k === "in") by = 0; else if (k === "out") by = h;
      pos[v] = { x: x[v] + shiftX - width[v] / 2, y: by, w: width[v], h: height[v] };
    }
    // the inputs of a node with several arrive at points of their own, in argument order
    // (layout/routes.py's input_offsets)
    const incoming = new Map(), spread = new Map();
    S.C.forEach(([, b], ci) => { if (kind(b) === "n") { if (!incoming.has(b)) incoming.set(b, []); incoming.get(b).push(ci); } });
    for (const [b, chains] of incoming) {
      if (chains.length < 2) continue;
      const gap = Math.min(12, Math.max(pos[b].w - 12, 0) / (chains.length - 1));
      chains.forEach((ci, i) => spread.set(ci, (i - (chains.length - 1) / 2) * gap));
    }
    const routes = S.C.map(([a, b, key, path], ci) => {
      const so = srcOff[path[0] + "|" + path[1]], dd = dstOff[path[path.length - 2] + "|" + path[path.length - 1]] + (spread.get(ci) || 0);
      const pa = pos[a];
      const start = kind(a) === "in" ? [pa.x, 0] : [pa.x + pa.w / 2 + so, pa.y + pa.h];
      const pts = [start, [start[0], bandBottom[rank[a]] + topPad]];
      for (const d of path.slice(1, -1)) {
        const dx = x[d] + shiftX;
        pts.push([dx, bandTop[rank[d]] + topPad], [dx, bandBottom[rank[d]] + topPad]);
      }
      const pb = pos[b];
      const end = kind(b) === "out" ? [pb.x, h] : [pb.x + pb.w / 2 + dd, pb.y];
      if (kind(b) !== "out") pts.push([end[0], bandTop[rank[b]] + topPad]);
      pts.push(end);
      return pts;
    });
    return { w, h, pos, routes };
  }

  // ---------------------------------------------------------------- state of the boxes
  function scopeState(sid) {
    // "box" (expanded), "node" (collapsed, visible), "hidden" (inside a collapsed box)
    let s = V.scopes[sid].parent, hidden = false;
    while (s !== null && s !== undefined) { if (collapsed.has(s)) { hidden = true; } s = V.scopes[s].parent; }
    if (hidden) return "hidden";
    return collapsed.has(sid) && sid !== V.root ? "node" : "box";
  }

  function dirty(sid) {
    let s = sid;
    while (s !== null && s !== undefined) { cache.delete(s); s = V.scopes[s].parent; }
  }

  function layoutAll() {
    layoutBoxes();
    showDepth();
    showLegend();
  }

  function showDepth() {
    // the depth this view shows: the shallowest collapsed module in sight (a view with one
    // block opened deeper still reads as that depth), or one past the deepest when all is open
    let shallowest = Infinity, deepest = 0;
    for (const sid in V.scopes) deepest = Math.max(deepest, V.scopes[sid].depth);
    for (const sid in L.cnodes) shallowest = Math.min(shallowest, V.scopes[sid].depth);
    const box = document.getElementById("ap-depth");
    box.max = String(deepest + 1);
    box.value = String(shallowest === Infinity ? deepest + 1 : shallowest);
  }

  function showLegend() {
    // the entries of the colours in sight, in the static legend's order (an overlay's colour
    // bar stands in #ap-legend instead while one is shown)
    const box = document.getElementById("ap-key");
    const shown = new Set();
    for (const id in L.nodes) shown.add(V.nodes[id].g);
    for (const sid in L.cnodes) shown.add(V.scopes[sid].col.g);
    box.replaceChildren();
    for (const [label, fill, stroke] of DATA.legend || []) {
      if (!shown.has(label)) continue;
      const item = document.createElement("span");
      const sw = document.createElement("span"); sw.className = "sw";
      sw.style.background = fill; sw.style.borderColor = stroke;
      item.append(sw, document.createTextNode(label));
      box.appendChild(item);
    }
    box.hidden = !box.childElementCount || overlay > 0;
  }

  function layoutBoxes() {
    const state = {};
    for (const sid in V.scopes) state[sid] = scopeState(+sid);
    for (const sid of V.order) {
      if (state[sid] !== "box") continue;
      if (cache.has(sid)) continue;
      const S = V.structures[sid];
      const size = {}, childPorts = {};
      for (const u of S.u) {
        if (u[0] === "n") { const n = V.nodes[+u.slice(1)]; size[u] = LR ? [n.h, n.w] : [n.w, n.h]; }
        else {
          const c = +u.slice(1);
          if (state[c] === "box") { const lc = cache.get(c); size[u] = [lc.w, lc.h]; childPorts[u] = lc.pos; }
          else { const look = V.scopes[c].col; size[u] = LR ? [look.h, look.w] : [look.w, look.h]; }
        }
      }
      cache.set(sid, coordinates(sid, S, size, childPorts, sid === V.root));
    }
    // absolute positions, top-down
    const origin = {}; origin[V.root] = LR ? [C.margin + C.title_h, C.margin] : [C.margin, C.margin + C.title_h];
    const nodes = {}, groups = {}, cnodes = {};
    for (const sid of V.order.slice().reverse()) {
      if (state[sid] !== "box") continue;
      const [ox, oy] = origin[sid], loc = cache.get(sid);
      for (const u in loc.pos) {
        const b = loc.pos[u], box = { x: ox + b.x, y: oy + b.y, w: b.w, h: b.h };
        if (u[0] === "n") nodes[+u.slice(1)] = box;
        else if (u[0] === "s") {
          const c = +u.slice(1);
          if (state[c] === "box") { groups[c] = box; origin[c] = [box.x, box.y]; } else cnodes[c] = box;
        }
      }
    }
    // edges: the pieces that lie in visible boxes; one drawn edge per visible tensor path
    const rep = (nid) => {
      let s = V.nodes[nid].scope, out = null;
      while (s !== null && s !== undefined) { if (s !== V.root && state[s] === "node") out = "s" + s; s = V.scopes[s].parent; }
      return out || "n" + nid;
    };
    const edges = [], seen = new Set();
    V.edges.forEach((e, i) => {
      const a = rep(e[0]), b = rep(e[1]);
      if (a === b) return;
      const id = a + ">" + b + ">" + e[2];
      if (seen.has(id)) return;
      seen.add(id);
      const pts = [];
      for (const [sid, ci] of V.pieces[i]) {
        if (state[sid] !== "box") continue;
        const [ox, oy] = origin[sid];
        for (const [px, py] of cache.get(sid).routes[ci]) {
          const p = [ox + px, oy + py], last = pts[pts.length - 1];
          if (!last || Math.abs(last[0] - p[0]) > 1e-6 || Math.abs(last[1] - p[1]) > 1e-6) pts.push(p);
        }
      }
      edges.push({ a, b, key: e[2], label: e[3], pts, index: i });
    });
    const root = cache.get(V.root);
    if (LR) {
      const flip = (b) => ({ x: b.y, y: b.x, w: b.h, h: b.w });
      for (const m of [nodes, groups, cnodes]) for (const k in m) m[k] = flip(m[k]);
      for (const e of edges) e.pts = e.pts.map(([x, y]) => [y, x]);
    }
    const [rw, rh] = LR ? [root.h, root.w] : [root.w, root.h];
    L = { nodes, groups, cnodes, edges, state, width: rw + 2 * C.margin, height: rh + 2 * C.margin + C.title_h };
    return L;
  }

  // ---------------------------------------------------------------- drawing
  let cur = ctx;  // the context being drawn on (the screen, or an offscreen canvas for PNG export)

  function roundRect(x, y, w, h, r) {
    r = Math.min(r, w / 2, h / 2);
    cur.beginPath();
    cur.moveTo(x + r, y); cur.arcTo(x + w, y, x + w, y + h, r); cur.arcTo(x + w, y + h, x, y + h, r);
    cur.arcTo(x, y + h, x, y, r); cur.arcTo(x, y, x + w, y, r); cur.closePath();
  }

  function arrowHead(pts) {  // the last piece of every route runs along the rank axis
    const [x, y] = pts[pts.length - 1];
    return LR ? [[x, y], [x - 7, y - 3.5], [x - 7, y + 3.5]] : [[x, y], [x - 3.5, y - 7], [x + 3.5, y - 7]];
  }

  // Tensor labels as the static picture places them: right of where a tensor leaves its
  // producer (above it, left to right), left when its edges bend only right; one per distinct
  // text at a point, stacked.
  function tensorLabels() {
    const at = new Map();
    for (const e of L.edges) {
      if (!e.label || e.pts.length < 2) continue;
      const [x0, y0] = e.pts[0], k = x0 + "," + y0;
      let a = at.get(k);
      if (!a) { a = { x: x0, y: y0, texts: [], bends: new Set() }; at.set(k, a); }
      if (!a.texts.includes(e.label)) a.texts.push(e.label);
      if (e.pts.length > 2 && Math.abs(e.pts[2][0] - x0) > 0.5) a.bends.add(e.pts[2][0] > x0 ? 1 : -1);
    }
    // a label keeps off nodes and other labels when its other side is free (as in Python)
    const cell = 128, grid = new Map(), out = [];
    const cellsOf = (r) => { const cs = []; for (let i = Math.floor(r[0] / cell); i <= Math.floor(r[2] / cell); i++) for (let j = Math.floor(r[1] / cell); j <= Math.floor(r[3] / cell); j++) cs.push(i + "," + j); return cs; };
    const add = (r) => { for (const c of cellsOf(r)) { if (!grid.has(c)) grid.set(c, []); grid.get(c).push(r); } };
    const hits = (r) => cellsOf(r).some((c) => (grid.get(c) || []).some((o) => r[0] < o[2] && o[0] < r[2] && r[1] < o[3] && o[1] < r[3]));
    for (const m of [L.nodes, L.cnodes]) for (const k in m) { const b = m[k]; add([b.x, b.y, b.x + b.w, b.y + b.h]); }
    // ... and off the drawn edges, as points along them (sampled as layout/labels.py's _along does)
    const pcell = 32, pgrid = new Map();
    const addPoint = (x, y) => { const c = Math.floor(x / pcell) + "," + Math.floor(y / pcell); if (!pgrid.has(c)) pgrid.set(c, []); pgrid.get(c).push([x, y]); };
    for (const e of L.edges) {
      const pts = e.pts; if (!pts.length) continue;
      addPoint(pts[0][0], pts[0][1]);
      for (let i = 1; i < pts.length; i++) {
        const [x0, y0] = pts[i - 1], [x1, y1] = pts[i];
        if (Math.abs(LR ? y0 - y1 : x0 - x1) > 0.5) {
          for (let k = 1; k <= 8; k++) {
            const t = k / 8, u = 1 - t;
            if (!LR) { const my = (y0 + y1) / 2; addPoint(u ** 3 * x0 + 3 * u * u * t * x0 + 3 * u * t * t * x1 + t ** 3 * x1, u ** 3 * y0 + 3 * u * u * t * my + 3 * u * t * t * my + t ** 3 * y1); }
            else { const mx = (x0 + x1) / 2; addPoint(u ** 3 * x0 + 3 * u * u * t * mx + 3 * u * t * t * mx + t ** 3 * x1, u ** 3 * y0 + 3 * u * u * t * y0 + 3 * u * t * t * y1 + t ** 3 * y1); }
          }
        } else {
          const n = Math.max(1, Math.floor(Math.abs(LR ? x1 - x0 : y1 - y0) / 16));
          for (let k = 1; k <= n; k++) addPoint(x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n);
        }
      }
    }
    const holds = (r) => { for (let i = Math.floor(r[0] / pcell); i <= Math.floor(r[2] / pcell); i++) for (let j = Math.floor(r[1] / pcell); j <= Math.floor(r[3] / pcell); j++) for (const [x, y] of pgrid.get(i + "," + j) || []) if (r[0] < x && x < r[2] && r[1] < y && y < r[3]) return true; return false; };
    ctx.font = C.edge_label + "px " + FONT;
    const step = C.edge_label + 2;
    for (const a of at.values()) {
      const wide = Math.max(...a.texts.map((t) => ctx.measureText(t).width)), tall = a.texts.length * step;
      const { x, y } = a;
      let sides;
      if (LR) sides = [[x + 4, y - 4, -step, [x + 4, y - 2 - tall, x + 4 + wide, y - 2]],
                       [x + 4, y + C.edge_label + 2, step, [x + 4, y + 2, x + 4 + wide, y + 2 + tall]]];
      else {
        const right = [x + 5, y + C.edge_label + 3, step, [x + 5, y + 3, x + 5 + wide, y + 3 + tall]];
        const left = [x - 5, y + C.edge_label + 3, step, [x - 5 - wide, y + 3, x - 5, y + 3 + tall]];
        sides = a.bends.size === 1 && a.bends.has(1) ? [left, right] : [right, left];
      }
      const [tx, ty, dy, rect] = sides.find((sd) => !hits(sd[3]) && !holds(sd[3])) || sides.find((sd) => !hits(sd[3])) || sides[0];
      add(rect);
      const anchor = !LR && tx < x ? "end" : "start";
      a.texts.forEach((text, i) => out.push({ x: tx, y: ty + i * dy, text, anchor }));
    }
    return out;
  }

  function pathOf(pts) {
    cur.beginPath(); cur.moveTo(pts[0][0], pts[0][1]);
    for (let i = 1; i < pts.length; i++) {
      const [x0, y0] = pts[i - 1], [x1, y1] = pts[i];
      if (!LR && Math.abs(x0 - x1) > 0.5) { const my = (y0 + y1) / 2; cur.bezierCurveTo(x0, my, x1, my, x1, y1); }
      else if (LR && Math.abs(y0 - y1) > 0.5) { const mx = (x0 + x1) / 2; cur.bezierCurveTo(mx, y0, mx, y1, x1, y1); }
      else cur.lineTo(x1, y1);
    }
  }

  function drawLook(look, b, emphasis) {
    const ctx = cur;
    const stack = look.stack || 0, off = C.fold_offset;
    const bw = b.w - stack * off, bh = b.h - stack * off;
    for (let k = stack; k > 0; k--) {
      roundRect(b.x + k * off, b.y + k * off, bw, bh, look.rx); ctx.fillStyle = look.f; ctx.fill();
      ctx.strokeStyle = look.st; ctx.lineWidth = 1; ctx.stroke();
    }
    roundRect(b.x, b.y, bw, bh, look.rx);
    ctx.fillStyle = look.f; ctx.fill();
    ctx.setLineDash(look.dash ? look.dash : []);
    ctx.strokeStyle = emphasis ? T.highlight : look.st; ctx.lineWidth = emphasis ? 3 : (look.c ? 1.6 : 1);
    ctx.stroke(); ctx.setLineDash([]);
    let total = 0; for (const l of look.L) total += l[1] * 1.3;
    let y = b.y + (bh - total) / 2;
    ctx.fillStyle = look.tc; ctx.textAlign = "center";
    for (const [text, size, bold] of look.L) {
      y += size * 1.3;
      ctx.font = (bold ? "bold " : "") + size + "px " + FONT;
      ctx.fillText(text, b.x + bw / 2, y - size * 0.3);
    }
  }

  function related() {
    if (selected === null) return null;
    const up = new Set([selected]), down = new Set([selected]);
    const fwd = {}, back = {};
    for (const e of L.edges) { (fwd[e.a] = fwd[e.a] || []).push(e.b); (back[e.b] = back[e.b] || []).push(e.a); }
    const walk = (start, nb, out) => { const stack = [start]; while (stack.length) { const v = stack.pop(); for (const w of nb[v] || []) if (!out.has(w)) { out.add(w); stack.push(w); } } };
    walk(selected, back, up); walk(selected, fwd, down);
    return new Set([...up, ...down]);
  }

  function draw() {
    const dpr = window.devicePixelRatio || 1;
    const cw = canvas.clientWidth, ch = canvas.clientHeight;
    if (canvas.width !== Math.round(cw * dpr) || canvas.height !== Math.round(ch * dpr)) {
      canvas.width = Math.round(cw * dpr); canvas.height = Math.round(ch * dpr);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = T.background; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(dpr * zoom, 0, 0, dpr * zoom, dpr * panX, dpr * panY);
    render(ctx, { x0: -panX / zoom, y0: -panY / zoom, x1: (cw - panX) / zoom, y1: (ch - panY) / zoom });
  }

  function visible(b, vp) { return !vp || (b.x < vp.x1 && b.x + b.w > vp.x0 && b.y < vp.y1 && b.y + b.h > vp.y0); }

  function render(c, vp) {
    cur = c;
    const rel = related();
    const dim = (id) => rel && !rel.has(id);
    const matched = new Set(matches.map(shownAs));
    if (DATA.title) { c.font = "bold 14px " + FONT; c.fillStyle = T.text; c.textAlign = "left"; c.fillText(DATA.title, C.margin, C.margin + 14); }
    const depthOf = (sid) => { let d = 0, s = V.scopes[sid].parent; while (s !== null && s !== undefined) { d++; s = V.scopes[s].parent; } return d; };
    const order = Object.keys(L.groups).map(Number).sort((a, b) => depthOf(a) - depthOf(b) || a - b);
    for (const sid of order) {
      const b = L.groups[sid], sc = V.scopes[sid];
      if (!visible(b, vp)) continue;
      const fill = T.group_fills[(depthOf(sid) - 1) % 2];
      if (sc.repeat > 1) for (const k of [2, 1]) { roundRect(b.x + k * C.fold_offset, b.y + k * C.fold_offset, b.w, b.h, 8); c.fillStyle = fill; c.fill(); c.strokeStyle = T.group_stroke; c.lineWidth = 1; c.stroke(); }
      roundRect(b.x, b.y, b.w, b.h, 8); c.fillStyle = fill; c.fill();
      c.setLineDash(sc.dyn ? [6, 3] : []); c.strokeStyle = matched.has("s" + sid) ? T.highlight : (sc.dyn ? T.dynamic : T.group_stroke);
      c.lineWidth = matched.has("s" + sid) ? 3 : 1; c.stroke(); c.setLineDash([]);
    }
    c.lineWidth = 1.1;
    for (const e of L.edges) {
      if (e.pts.length < 2) continue;
      c.globalAlpha = rel && !(rel.has(e.a) && rel.has(e.b)) ? 0.15 : 1;
      c.strokeStyle = rel && rel.has(e.a) && rel.has(e.b) ? T.highlight : T.edge;
      pathOf(e.pts); c.stroke();
      const head = arrowHead(e.pts);
      c.beginPath(); c.moveTo(...head[0]); c.lineTo(...head[1]); c.lineTo(...head[2]); c.closePath(); c.fillStyle = c.strokeStyle; c.fill();
    }
    c.globalAlpha = 1;
    for (const sid of order) {
      const b = L.groups[sid];
      if (!visible(b, vp)) continue;
      c.font = "bold " + C.group_title + "px " + FONT; c.textAlign = "left";
      c.lineWidth = 3; c.strokeStyle = T.group_fills[(depthOf(sid) - 1) % 2]; c.lineJoin = "round";
      c.strokeText(V.scopes[sid].title, b.x + 8, b.y + C.group_title + 5);
      c.fillStyle = T.muted; c.fillText(V.scopes[sid].title, b.x + 8, b.y + C.group_title + 5);
    }
    c.font = C.edge_label + "px " + FONT; c.fillStyle = T.muted;
    for (const t of (L.labels = L.labels || tensorLabels())) { c.textAlign = t.anchor === "end" ? "right" : "left"; c.fillText(t.text, t.x, t.y); }
    for (const id in L.nodes) {
      const b = L.nodes[id]; if (!visible(b, vp)) continue;
      c.globalAlpha = dim("n" + id) ? 0.25 : 1;
      drawLook(V.nodes[id], b, matched.has("n" + id) || selected === "n" + id);
    }
    for (const sid in L.cnodes) {
      const b = L.cnodes[sid]; if (!visible(b, vp)) continue;
      c.globalAlpha = dim("s" + sid) ? 0.25 : 1;
      drawLook(V.scopes[sid].col, b, matched.has("s" + sid) || selected === "s" + sid);
    }
    c.globalAlpha = 1;
  }

  // ---------------------------------------------------------------- interaction
  function hit(px, py) {
    const x = (px - panX) / zoom, y = (py - panY) / zoom;
    const inside = (b) => x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h;
    for (const id in L.nodes) if (inside(L.nodes[id])) return { token: "n" + id };
    for (const sid in L.cnodes) if (inside(L.cnodes[sid])) return { token: "s" + sid, scope: +sid };
    let best = null, depth = -1;
    for (const sid in L.groups) {
      const b = L.groups[sid];
      if (inside(b)) { const d = b.w * b.h; if (best === null || d < depth) { best = +sid; depth = d; } }
    }
    if (best !== null) { const b = L.groups[best]; return { token: "s" + best, scope: best, title: y <= b.y + C.group_title + 10 }; }
    return null;
  }

  function screenOf(token) {
    const b = boxOf(token);
    if (!b) return null;
    const rect = canvas.getBoundingClientRect();  // page coordinates
    return [rect.left + b.x * zoom + panX, rect.top + b.y * zoom + panY];
  }

  function relayout(keep) {
    // keep the element the user acted on where it was on the screen
    const before = keep ? screenOf(keep) : null;
    layoutAll();
    const after = keep ? screenOf(keep) : null;
    if (before && after) { panX += before[0] - after[0]; panY += before[1] - after[1]; }
    draw();
  }

  function expandScope(sid) {
    collapsed.delete(sid);
    for (const c of V.children[sid] || []) collapsed.add(c);  // one level at a time
    dirty(sid);
  }

  function toggle(sid) {
    if (collapsed.has(sid)) expandScope(sid); else { collapsed.add(sid); dirty(sid); }
    relayout("s" + sid);
  }

  function fit() {
    // after a search, frame the matches in sight (a collapsed module stands for those inside it)
    const cw = canvas.clientWidth, ch = canvas.clientHeight;
    let x0 = 0, y0 = 0, x1 = L.width, y1 = L.height;
    const boxes = matches.map((m) => boxOf(shownAs(m))).filter((b) => b);
    if (boxes.length) {
      const pad = 40;
      x0 = Math.min(...boxes.map((b) => b.x)) - pad; y0 = Math.min(...boxes.map((b) => b.y)) - pad;
      x1 = Math.max(...boxes.map((b) => b.x + b.w)) + pad; y1 = Math.max(...boxes.map((b) => b.y + b.h)) + pad;
    }
    zoom = Math.min(cw / (x1 - x0), ch / (y1 - y0), 2);
    panX = (cw - (x1 + x0) * zoom) / 2;
    panY = boxes.length ? (ch - (y1 + y0) * zoom) / 2 : Math.max(0, (ch - L.height * zoom) / 2);
    draw();
  }

  function start() {
    // readable first: full width up to natural size, from the top (full height, from the left,
    // in a left-to-right picture); "fit" shows everything
    const cw = canvas.clientWidth, ch = canvas.clientHeight;
    if (LR) {
      zoom = Math.min(1, ch / L.height);
      if (L.width * zoom < cw) { fit(); return; }
      panX = 0; panY = (ch - L.height * zoom) / 2;
      draw();
      return;
    }
    zoom = Math.min(1, cw / L.width);
    if (L.height * zoom < canvas.clientHeight) { fit(); return; }
    panX = (cw - L.width * zoom) / 2; panY = 0;
    draw();
  }

  function collapseToDepth(n) {
    collapsed = new Set();
    for (const sid in V.scopes) if (V.scopes[sid].depth === n) collapsed.add(+sid);
    cache.clear(); layoutAll(); fit();
  }

  function details(token) {
    const panel = document.getElementById("ap-panel");
    panel.replaceChildren();
    if (!token) { panel.hidden = true; return; }
    panel.hidden = false;
    const info = token[0] === "n" ? V.nodes[+token.slice(1)].info : V.scopes[+token.slice(1)].info;
    const h = document.createElement("h3"); h.textContent = info.title; panel.appendChild(h);
    const dl = document.createElement("dl");
    for (const [k, v] of info.rows) {
      const dt = document.createElement("dt"); dt.textContent = k;
      const dd = document.createElement("dd"); dd.textContent = v;
      dl.append(dt, dd);
    }
    panel.appendChild(dl);
    if (info.image && info.image.startsWith("data:image/png;base64,")) {
      const cap = document.createElement("div"); cap.textContent = "activation (channel mean)"; cap.className = "ap-cap";
      const img = document.createElement("img"); img.src = info.image; img.alt = "activation";
      img.style.cssText = "width:128px;image-rendering:pixelated;display:block;margin-top:4px";
      panel.append(cap, img);
    }
  }

  function boxOf(token) {
    return token[0] === "n" ? L.nodes[+token.slice(1)] : (L.cnodes[+token.slice(1)] || L.groups[+token.slice(1)]);
  }

  function shownAs(m) {
    // what is drawn for a match: itself, or the outermost collapsed module around it
    const chain = [];
    for (let s = m.scope; s !== null && s !== undefined; s = V.scopes[s].parent) chain.push(s);
    for (const a of chain.reverse()) if (collapsed.has(a) && a !== V.root) return "s" + a;
    return m.token;
  }

  function search(text) {
    // highlights what matches, or the collapsed module that holds it, without opening anything;
    // enter (or ‹ ›) goes to each match in turn, opening only the modules around that one
    matches = []; matchIndex = -1;
    const status = document.getElementById("ap-count");
    if (!text) { status.textContent = ""; draw(); return; }
    let rx;
    try { rx = new RegExp(text, "i"); } catch (err) { status.textContent = "bad pattern"; return; }
    for (const id in V.nodes) {
      const n = V.nodes[id];
      // an op's path is the module around it: ops match by their own name and type only
      if ((n.kind !== "op" && rx.test(n.path)) || rx.test(n.type) || rx.test(n.name)) matches.push({ token: "n" + id, scope: n.scope });
    }
    for (const sid in V.scopes) {
      const s = V.scopes[sid];
      if (+sid !== V.root && (rx.test(s.path) || rx.test(s.type))) matches.push({ token: "s" + sid, scope: s.parent });
    }
    status.textContent = matches.length ? matches.length + (matches.length === 1 ? " match" : " matches") : "no match";
    draw();
  }

  function step(d) {
    if (!matches.length) return;
    matchIndex = (matchIndex + d + matches.length) % matches.length;
    const m = matches[matchIndex], tok = m.token;
    const chain = [];
    for (let s = m.scope; s !== null && s !== undefined; s = V.scopes[s].parent) chain.push(s);
    let opened = false;
    for (const a of chain.reverse()) if (collapsed.has(a) && a !== V.root) { expandScope(a); opened = true; }
    if (opened) layoutAll();
    const b = boxOf(tok);
    document.getElementById("ap-count").textContent = (matchIndex + 1) + "/" + matches.length;
    if (b) {
      zoom = Math.max(zoom, 0.8);
      panX = canvas.clientWidth / 2 - (b.x + b.w / 2) * zoom; panY = canvas.clientHeight / 2 - (b.y + b.h / 2) * zoom;
    }
    selected = tok; details(tok); draw();
  }

  function exportSVG() {
    const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    const out = [];
    const r = (b, look) => `<rect x="${b.x.toFixed(1)}" y="${b.y.toFixed(1)}" width="${b.w.toFixed(1)}" height="${b.h.toFixed(1)}" rx="${Math.min(look.rx, b.h / 2).toFixed(1)}" fill="${look.f}" stroke="${look.st}"/>`;
    const text = (x, y, s, size, bold, fill, anchor) => `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${size}"${bold ? ' font-weight="bold"' : ""} text-anchor="${anchor}" fill="${fill}">${esc(s)}</text>`;
    out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${L.width.toFixed(1)}" height="${L.height.toFixed(1)}" font-family="${esc(FONT)}">`);
    out.push(`<rect width="100%" height="100%" fill="${T.background}"/>`);
    for (const sid in L.groups) { const b = L.groups[sid]; out.push(`<rect x="${b.x.toFixed(1)}" y="${b.y.toFixed(1)}" width="${b.w.toFixed(1)}" height="${b.h.toFixed(1)}" rx="8" fill="${T.group_fills[0]}" stroke="${T.group_stroke}"/>`); out.push(text(b.x + 8, b.y + C.group_title + 5, V.scopes[sid].title, C.group_title, true, T.muted, "start")); }
    const f = (v) => v.toFixed(1);
    for (const e of L.edges) {
      if (e.pts.length < 2) continue;
      let d = `M${f(e.pts[0][0])} ${f(e.pts[0][1])}`;
      for (let i = 1; i < e.pts.length; i++) {
        const [x0, y0] = e.pts[i - 1], [x1, y1] = e.pts[i];
        if (!LR && Math.abs(x0 - x1) > 0.5) { const my = f((y0 + y1) / 2); d += ` C${f(x0)} ${my} ${f(x1)} ${my} ${f(x1)} ${f(y1)}`; }
        else if (LR && Math.abs(y0 - y1) > 0.5) { const mx = f((x0 + x1) / 2); d += ` C${mx} ${f(y0)} ${mx} ${f(y1)} ${f(x1)} ${f(y1)}`; }
        else d += ` L${f(x1)} ${f(y1)}`;
      }
      out.push(`<path d="${d}" fill="none" stroke="${T.edge}" stroke-width="1.1"/>`);
      out.push(`<polygon points="${arrowHead(e.pts).map(([x, y]) => f(x) + "," + f(y)).join(" ")}" fill="${T.edge}"/>`);
    }
    for (const t of (L.labels = L.labels || tensorLabels())) out.push(text(t.x, t.y, t.text, C.edge_label, false, T.muted, t.anchor));
    const box = (look, b) => {
      out.push(r(b, look));
      let total = 0; for (const l of look.L) total += l[1] * 1.3;
      let y = b.y + (b.h - total) / 2;
      for (const [s, size, bold] of look.L) { y += size * 1.3; out.push(text(b.x + b.w / 2, y - size * 0.3, s, size, bold, look.tc, "middle")); }
    };
    for (const id in L.nodes) box(V.nodes[id], L.nodes[id]);
    for (const sid in L.cnodes) box(V.scopes[sid].col, L.cnodes[sid]);
    out.push("</svg>");
    return out.join("\n");
  }

  function download(name, blob) {
    const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
  }

  function exportPNG() {
    const scale = Math.min(2, 16384 / Math.max(L.width, L.height));
    const off = document.createElement("canvas");
    off.width = Math.ceil(L.width * scale); off.height = Math.ceil(L.height * scale);
    const c2 = off.getContext("2d");
    c2.fillStyle = T.background; c2.fillRect(0, 0, off.width, off.height);
    c2.setTransform(scale, 0, 0, scale, 0, 0);
    try { render(c2, null); } finally { cur = ctx; }
    return new Promise((resolve) => off.toBlob(resolve));
  }

  // ---------------------------------------------------------------- overlays
  // Each view holds, per overlay, the look of every node and collapsed box (colour, value line,
  // size) computed in Python with the static picture's scale; switching copies them in.
  let overlay = 0;
  function setOverlay(i) {
    overlay = i;
    for (const key in DATA.views) {
      const view = DATA.views[key];
      if (!view.ov) continue;
      const o = view.ov[i];
      for (const nid in o.n) Object.assign(view.nodes[nid], o.n[nid]);
      for (const sid in o.s) Object.assign(view.scopes[sid].col, o.s[sid]);
    }
    cache.clear();
    const el = document.getElementById("ap-legend"), info = DATA.overlays[i];
    el.hidden = !info || !info.stops;
    if (el.hidden) return;
    const title = document.createElement("div"), bar = document.createElement("div");
    title.textContent = info.title + (info.log ? " · log scale" : "") + (info.top_k ? " · top " + info.top_k : "");
    title.style.fontWeight = "bold";
    bar.className = "bar";
    bar.style.background = "linear-gradient(to right, " + info.stops.join(", ") + ")";
    for (const [pos, label] of info.ticks) {
      const t = document.createElement("span");
      t.className = "tick"; t.style.left = (pos * 100) + "%"; t.textContent = label;
      t.style.transform = pos < 0.05 ? "none" : pos > 0.95 ? "translateX(-100%)" : "translateX(-50%)";  // ends stay inside
      bar.appendChild(t);
    }
    el.replaceChildren(title, bar);
  }

  function setView(fold) {
    const prev = V;
    V = fold ? DATA.views.folded : (DATA.views.unfolded || DATA.views.folded);
    if (prev && prev !== V) {
      // a folded block that was closed stays closed in every block it stands for
      const byPath = {};
      for (const sid in V.scopes) byPath[V.scopes[sid].path] = +sid;
      for (const sid in prev.scopes) {
        const s = prev.scopes[sid];
        if (s.rp && collapsed.has(+sid)) for (const p of s.rp) if (p in byPath) collapsed.add(byPath[p]);
      }
    }
    cache.clear();
  }

  // ---------------------------------------------------------------- wiring
  let drag = null;
  canvas.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, moved: false }; });
  window.addEventListener("mouseup", (e) => {
    if (drag && !drag.moved) {
      const rect = canvas.getBoundingClientRect();
      const h = hit(e.clientX - rect.left, e.clientY - rect.top);
      if (h && h.scope !== undefined && (h.token[0] === "s") && (L.cnodes[h.scope] || h.title)) toggle(h.scope);
      else { selected = h ? h.token : null; details(selected); draw(); }
    }
    drag = null;
  });
  canvas.addEventListener("mousemove", (e) => {
    const rect = canvas.getBoundingClientRect();
    if (drag) {
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
      if (drag.moved) { panX += dx; panY += dy; drag.x = e.clientX; drag.y = e.clientY; draw(); }
      return;
    }
    const h = hit(e.clientX - rect.left, e.clientY - rect.top);
    const tok = h ? h.token : null;
    canvas.style.cursor = h && h.scope !== undefined && (L.cnodes[h.scope] || h.title) ? "pointer" : "default";
    if (tok !== hovered) { hovered = tok; if (selected === null) details(tok); }
  });
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const rect = canvas.getBoundingClientRect();
    const mx = e.clientX - rect.left, my = e.clientY - rect.top;
    if (e.ctrlKey || !e.shiftKey) {
      const f = Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015));
      const nz = Math.min(8, Math.max(0.02, zoom * f));
      panX = mx - (mx - panX) * nz / zoom; panY = my - (my - panY) * nz / zoom; zoom = nz;
    } else { panX -= e.deltaX; panY -= e.deltaY; }
    draw();
  }, { passive: false });
  let pinch = null;
  canvas.addEventListener("touchstart", (e) => {
    if (e.touches.length === 2) { const [a, b] = e.touches; pinch = { d: Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY), z: zoom }; }
    else if (e.touches.length === 1) drag = { x: e.touches[0].clientX, y: e.touches[0].clientY, moved: true };
  }, { passive: true });
  canvas.addEventListener("touchmove", (e) => {
    if (pinch && e.touches.length === 2) {
      const [a, b] = e.touches; const d = Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY);
      zoom = Math.min(8, Math.max(0.02, pinch.z * d / pinch.d)); draw();
    } else if (drag && e.touches.length === 1) {
      panX += e.touches[0].clientX - drag.x; panY += e.touches[0].clientY - drag.y;
      drag.x = e.touches[0].clientX; drag.y = e.touches[0].clientY; draw();
    }
  }, { passive: true });
  canvas.addEventListener("touchend", () => { pinch = null; drag = null; });

  const $ = (id) => document.getElementById(id);
  $("ap-expand").onclick = () => { collapsed = new Set(); cache.clear(); relayout(null); };
  $("ap-depth").onchange = () => collapseToDepth(Math.max(1, +$("ap-depth").value || 1));
  $("ap-fit").onclick = fit;
  $("ap-reset").onclick = () => { collapsed = new Set(DATA.initial.collapsed); setView(DATA.initial.fold); $("ap-fold").checked = DATA.initial.fold; selected = null; details(null); layoutAll(); fit(); };
  $("ap-fold").onchange = () => { setView($("ap-fold").checked); relayout(null); };
  $("ap-search").oninput = () => search($("ap-search").value);
  $("ap-search").onkeydown = (e) => { if (e.key === "Enter") step(e.shiftKey ? -1 : 1); if (e.key === "Escape") { $("ap-search").value = ""; search(""); } };
  $("ap-next").onclick = () => step(1);
  $("ap-prev").onclick = () => step(-1);
  $("ap-overlay").onchange = () => { setOverlay(+$("ap-overlay").value); relayout(null); };
  $("ap-svg").onclick = () => download("archplot.svg", new Blob([exportSVG()], { type: "image/svg+xml" }));
  $("ap-png").onclick = () => exportPNG().then((b) => download("archplot.png", b));
  window.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" && e.target.type !== "checkbox") return;  // typing in a field
    const k = e.key;
    if (k === "/") { e.preventDefault(); $("ap-search").focus(); }
    else if (k === "+" || k === "=") { zoom = Math.min(8, zoom * 1.25); draw(); }
    else if (k === "-") { zoom = Math.max(0.02, zoom / 1.25); draw(); }
    else if (k === "0" || k === "f") fit();
    else if (k === "e") $("ap-expand").click();
    else if (k === "ArrowLeft") { panX += 60; draw(); } else if (k === "ArrowRight") { panX -= 60; draw(); }
    else if (k === "ArrowUp") { panY += 60; draw(); } else if (k === "ArrowDown") { panY -= 60; draw(); }
    else if (k === "Escape") { selected = null; details(null); draw(); }
  });
  window.addEventListener("resize", draw);

  // a small API for scripts and tests
  window.archplot = {
    state: () => ({ collapsed: [...collapsed].sort((a, b) => a - b), nodes: Object.keys(L.nodes).length, boxes: Object.keys(L.groups).length, collapsedNodes: Object.keys(L.cnodes).length, edges: L.edges.length, zoom, matches: matches.length,
      depth: +document.getElementById("ap-depth").value, legend: [...document.querySelectorAll("#ap-key > span")].map((e) => e.textContent),
      highlighted: [...new Set(matches.map(shownAs))], view: { x0: -panX / zoom, y0: -panY / zoom, x1: (canvas.clientWidth - panX) / zoom, y1: (canvas.clientHeight - panY) / zoom } }),
    geometry: () => ({ width: L.width, height: L.height,
      nodes: Object.entries(L.nodes).map(([id, b]) => ({ id: +id, x: b.x, y: b.y, width: b.w, height: b.h })),
      collapsed: Object.entries(L.cnodes).map(([sid, b]) => ({ scope: +sid, x: b.x, y: b.y, width: b.w, height: b.h })),
      groups: Object.entries(L.groups).map(([sid, b]) => ({ scope: +sid, path: V.scopes[sid].path, x: b.x, y: b.y, width: b.w, height: b.h })),
      edges: L.edges.map((e) => ({ a: e.a, b: e.b, points: e.pts })) }),
    setOverlay: (i) => { setOverlay(i); $("ap-overlay").value = String(i); relayout(null); },
    fills: () => ({ nodes: Object.fromEntries(Object.keys(L.nodes).map((id) => [id, V.nodes[id].f])),
      collapsed: Object.fromEntries(Object.keys(L.cnodes).map((sid) => [V.scopes[sid].path, V.scopes[sid].col.f])) }),
    toggle: (sid) => toggle(sid), expandAll: () => $("ap-expand").click(), collapseToDepth, search, step, fit,
    labels: () => (L.labels = L.labels || tensorLabels()),
    select: (token) => { selected = token; details(token); draw(); }, screenOf, exportSVG,
    exportPNG: () => exportPNG().then((b) => b.size),
    timeLayout: () => { cache.clear(); const t = performance.now(); layoutAll(); const t1 = performance.now(); draw(); return [t1 - t, performance.now() - t1]; },
  };

  if (DATA.overlays.length) {
    DATA.overlays.forEach((o, i) => { const opt = document.createElement("option"); opt.value = String(i); opt.textContent = o.title; $("ap-overlay").appendChild(opt); });
    $("ap-ov-wrap").hidden = false;
    $("ap-overlay").value = String(DATA.initial.overlay);
    setOverlay(DATA.initial.overlay);
  }
  setView(DATA.initial.fold);
  collapsed = new Set(DATA.initial.collapsed);
  $("ap-fold").checked = DATA.initial.fold;
  $("ap-fold").parentElement.hidden = !DATA.views.unfolded;
  layoutAll();
  start();
  document.body.dataset.ready = "1";
})();
