/* ocop_geo offline basemap: draws the vector tiles of static/basemap/ (built by ocop_geo.basemap from the
 * bundled OpenStreetMap extract and admin data) on Leaflet canvas tiles, under the online OSM tiles.
 * Tiles are small scripts (t/z/x/y.js calling ocopBasemap.tile) loaded with <script> tags, so the map
 * works from file:// (where fetch is blocked) as over http(s). Names are drawn on one canvas per view
 * (along the roads and rivers, clear of each other). Map data (c) OpenStreetMap contributors, ODbL.
 * Code (c) ocop_geo contributors, MIT. */
(function () {
  "use strict";
  var B = window.ocopBasemap = window.ocopBasemap || {};
  var me = document.currentScript;
  var BASE = me && me.src ? me.src.replace(/ocop\/basemap\.js([?#].*)?$/, "basemap/") : "static/basemap/";
  var idx = null, have = null, indexState = "none", whenIndex = [], store = {}, waiting = {}, maps = [];
  /* What was loaded and drawn (read by the tests and the benchmark): tile keys asked for, names placed by the
   * last pass over the view, and whether a pass is waiting for the next frame. */
  B.stats = {requested: 0, loaded: 0, missing: 0, tilesDrawn: 0, labels: [], keys: [], labelsPending: false};

  /* ---- loading: index.js, then t/z/x/y.js on demand ---- */
  function addScript(src, onerror) {
    var s = document.createElement("script");
    s.src = src;
    s.async = true;
    s.onload = function () { s.remove(); };
    s.onerror = function () { s.remove(); onerror(); };
    document.head.appendChild(s);
  }
  function withIndex(fn) {
    if (indexState === "ready") { fn(); return; }
    whenIndex.push(fn);
    if (indexState !== "none") { return; }
    indexState = "loading";
    addScript(BASE + "index.js", function () {
      indexState = "failed";
      if (window.console) { console.info("ocop basemap: no offline basemap at " + BASE); }
    });
  }
  B.index = function (data) {
    idx = data;
    have = {};
    Object.keys(data.tiles).forEach(function (z) {
      data.tiles[z].forEach(function (row) {
        for (var i = 1; i < row.length; i += 2) {
          for (var x = row[i]; x <= row[i + 1]; x++) { have[z + "/" + x + "/" + row[0]] = true; }
        }
      });
    });
    indexState = "ready";
    var fns = whenIndex;
    whenIndex = [];
    fns.forEach(function (fn) { fn(); });
  };
  function decodeLine(s) {  /* polyline text -> absolute integer coordinates [x0, y0, x1, y1, ...] */
    var out = [], v = 0, shift = 0, k = 0, acc = [0, 0];
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i) - 63;
      v |= (c & 31) << shift;
      if (c & 32) { shift += 5; continue; }
      var n = (v & 1) ? ~(v >>> 1) : (v >>> 1);
      acc[k] += n;
      out.push(acc[k]);
      k = 1 - k;
      v = 0;
      shift = 0;
    }
    return out;
  }
  function decode(d) {
    var t = {n: d.n || [""], w: [], ww: [], b: [], r: [], p: d.p || []};
    (d.w || []).forEach(function (f) { t.w.push({c: f[0], rings: f.slice(1).map(decodeLine)}); });
    ["ww", "b", "r"].forEach(function (k) {
      (d[k] || []).forEach(function (f) { t[k].push({c: f[0], n: f[1], pts: decodeLine(f[2])}); });
    });
    return t;
  }
  B.tile = function (key, d) {
    store[key] = decode(d);
    B.stats.loaded += 1;
    done(key);
  };
  function done(key) {
    var cbs = waiting[key] || [];
    delete waiting[key];
    cbs.forEach(function (cb) { cb(store[key]); });
    maps.forEach(function (m) { m.labels.schedule(); });
  }
  function load(key, cb) {
    if (key in store) { cb(store[key]); return; }
    if (waiting[key]) { waiting[key].push(cb); return; }
    waiting[key] = [cb];
    B.stats.requested += 1;
    B.stats.keys.push(key);
    addScript(BASE + "t/" + key + ".js", function () { store[key] = null; B.stats.missing += 1; done(key); });
  }
  /* The data tile for a view tile: itself, the zoom-14 tile it magnifies, or the nearest ancestor emitted. */
  function source(z, x, y) {
    var dz = Math.min(z, idx.maxzoom);
    var f = Math.pow(2, z - dz);
    x = Math.floor(x / f);
    y = Math.floor(y / f);
    while (dz >= idx.minzoom) {
      var key = dz + "/" + x + "/" + y;
      if (have[key]) { return {key: key, z: dz, x: x, y: y}; }
      dz -= 1;
      x = Math.floor(x / 2);
      y = Math.floor(y / 2);
    }
    return null;
  }

  /* ---- style ---- */
  var LAND = "#f2efe9", WATER = "#aad3df", WATER_TEXT = "#1f5f80";
  var ROAD_FILL = ["#e892a2", "#f9b29c", "#fcd6a4", "#f7fabf", "#ffffff", "#ffffff", null, "#5b7fc7", "#f7fabf"];
  var ROAD_CASE = ["#b84a63", "#b5502f", "#9a6a10", "#6f7a18", "#9a9a9a", "#b8b8b8", null, null, "#8c7b3d"];
  var ROAD_W = [  /* [zoom, width in CSS px] per class; linear in between, flat beyond the ends */
    [[8, 1.4], [10, 2.2], [12, 3.6], [14, 6], [16, 10], [18, 18]],
    [[8, 1.4], [10, 2.2], [12, 3.6], [14, 6], [16, 10], [18, 18]],
    [[9, 1.1], [10, 1.7], [12, 3.2], [14, 5.5], [16, 9], [18, 16]],
    [[10, 1], [12, 2.6], [14, 5], [16, 8], [18, 14]],
    [[11, 0.9], [12, 1.8], [14, 4.2], [16, 7], [18, 12]],
    [[13, 0.9], [14, 2.4], [16, 5], [18, 10]],
    null,
    [[10, 1], [14, 1.6], [18, 2.4]],
    [[9, 1.1], [12, 2.6], [14, 5], [16, 8], [18, 14]]
  ];
  var WATERWAY_W = [[[8, 1], [11, 1.6], [13, 2.6], [15, 5], [18, 9]], [[11, 0.8], [14, 1.8], [18, 5]],
                    [[12, 0.6], [14, 1.2], [18, 3]], [[14, 0.6], [18, 2]]];
  var BOUND = [  /* province 2018, district 2018, unit 2025, ward 2018: colour, width, dash */
    {color: "#7d4f8f", w: 2, dash: [9, 4]},
    {color: "#8e6aa0", w: 1.4, dash: null},
    {color: "rgba(47,127,134,0.75)", w: 1.2, dash: [6, 4]},
    {color: "#b7a3bf", w: 1, dash: [2, 3]}
  ];
  var FONT = '"Noto Sans", "DejaVu Sans", Roboto, Arial, sans-serif';
  var POINT_STYLE = [  /* district 2018, unit 2025, ward 2018, place, landmark */
    {font: "bold 13px " + FONT, color: "#5b3a6e"},
    {font: "600 12px " + FONT, color: "#1f6a70"},
    {font: "italic 11px " + FONT, color: "#6a5672"},
    {font: "12px " + FONT, color: "#333333"},
    {font: "11px " + FONT, color: "#444444"}
  ];
  function interp(table, z) {
    if (z <= table[0][0]) { return table[0][1]; }
    for (var i = 1; i < table.length; i++) {
      if (z <= table[i][0]) {
        var a = table[i - 1], b = table[i];
        return a[1] + (b[1] - a[1]) * (z - a[0]) / (b[0] - a[0]);
      }
    }
    return table[table.length - 1][1];
  }

  /* ---- one canvas tile ---- */
  function path(ctx, pts, k, ox, oy) {
    ctx.moveTo(pts[0] * k - ox, pts[1] * k - oy);
    for (var i = 2; i < pts.length; i += 2) { ctx.lineTo(pts[i] * k - ox, pts[i + 1] * k - oy); }
  }
  function drawTile(canvas, coords, src, t, size) {
    var ctx = canvas.getContext("2d");
    var r = canvas.width / size;
    ctx.setTransform(r, 0, 0, r, 0, 0);
    ctx.fillStyle = LAND;
    ctx.fillRect(0, 0, size, size);
    if (!t) { return; }
    var z = coords.z, s = Math.pow(2, z - src.z);
    var k = size * s / idx.extent[src.z];
    var ox = (coords.x - src.x * s) * size, oy = (coords.y - src.y * s) * size;
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    ctx.fillStyle = WATER;
    t.w.forEach(function (f) {
      ctx.beginPath();
      f.rings.forEach(function (ring) { path(ctx, ring, k, ox, oy); ctx.closePath(); });
      ctx.fill("evenodd");
    });
    ctx.strokeStyle = WATER;
    t.ww.forEach(function (f) {
      ctx.lineWidth = interp(WATERWAY_W[f.c] || WATERWAY_W[3], z);
      ctx.beginPath();
      path(ctx, f.pts, k, ox, oy);
      ctx.stroke();
    });
    for (var c = BOUND.length - 1; c >= 0; c--) {
      var st = BOUND[c];
      ctx.strokeStyle = st.color;
      ctx.lineWidth = st.w;
      ctx.setLineDash(st.dash || []);
      ctx.beginPath();
      t.b.forEach(function (f) { if (f.c === c) { path(ctx, f.pts, k, ox, oy); } });
      ctx.stroke();
    }
    ctx.setLineDash([]);
    var classes = [5, 4, 8, 3, 2, 1, 0, 7];
    ["case", "fill"].forEach(function (pass) {
      classes.forEach(function (c) {
        var w = interp(ROAD_W[c], z);
        if (c === 7) {
          if (pass === "case") { return; }
          ctx.setLineDash([6, 4]);
          ctx.strokeStyle = ROAD_FILL[7];
          ctx.lineWidth = w;
        } else if (pass === "case") {
          ctx.strokeStyle = ROAD_CASE[c];
          ctx.lineWidth = w + (z >= 12 ? 1.6 : 1);
          if (c === 8) { ctx.setLineDash([4, 3]); }
        } else {
          ctx.strokeStyle = ROAD_FILL[c];
          ctx.lineWidth = w;
        }
        ctx.beginPath();
        var any = false;
        t.r.forEach(function (f) { if (f.c === c) { path(ctx, f.pts, k, ox, oy); any = true; } });
        if (any) { ctx.stroke(); }
        ctx.setLineDash([]);
      });
    });
    B.stats.tilesDrawn += 1;
  }

  var Grid = L.GridLayer.extend({
    options: {minNativeZoom: 8, zIndex: 0, className: "ocop-basemap", updateWhenZooming: false, keepBuffer: 1},
    createTile: function (coords, ready) {
      var size = this.getTileSize().x;
      var canvas = document.createElement("canvas");
      var r = Math.min(window.devicePixelRatio || 1, 2);
      canvas.width = canvas.height = Math.round(size * r);
      canvas.setAttribute("aria-hidden", "true");
      function finish(src, t) {  /* Leaflet must get the tile back before it is told the tile is ready */
        L.Util.requestAnimFrame(function () { drawTile(canvas, coords, src, t, size); ready(null, canvas); });
      }
      withIndex(function () {
        var src = source(coords.z, coords.x, coords.y);
        if (!src) { finish(null, null); return; }
        load(src.key, function (t) { finish(src, t); });
      });
      return canvas;
    }
  });

  /* ---- names: one canvas over the view, placed along lines or at points, never overlapping ---- */
  var PAD = 0.25;
  function Labels(map, grid) {
    this.map = map;
    this.grid = grid;
    this.canvas = null;
    this.pending = false;
  }
  Labels.prototype.attach = function () {
    var self = this;
    this.canvas = L.DomUtil.create("canvas", "ocop-basemap-labels");
    this.canvas.setAttribute("aria-hidden", "true");
    this.canvas.style.position = "absolute";
    this.canvas.style.pointerEvents = "none";
    this.canvas.style.zIndex = "500";  /* above the basemap's tile levels, still under the online tiles' layer */
    this.grid.getContainer().appendChild(this.canvas);
    this.map.on("moveend zoomend viewreset resize", this.schedule, this);
    this.map.on("zoomstart", function () { self.canvas.style.visibility = "hidden"; });
    this.schedule();
  };
  Labels.prototype.schedule = function () {
    var self = this;
    if (this.pending || !this.canvas) { return; }
    this.pending = true;
    B.stats.labelsPending = true;
    (window.requestAnimationFrame || setTimeout)(function () {
      self.pending = false;
      self.draw();
      B.stats.labelsPending = maps.some(function (m) { return m.labels.pending; });
    });
  };
  Labels.prototype.draw = function () {
    var map = this.map, canvas = this.canvas;
    if (!idx || !map._loaded || !this.grid._map) { return; }
    var size = map.getSize(), pad = size.multiplyBy(PAD).round();
    var topLeft = map.containerPointToLayerPoint(pad.multiplyBy(-1));
    var w = size.x + 2 * pad.x, h = size.y + 2 * pad.y;
    var r = Math.min(window.devicePixelRatio || 1, 2);
    canvas.width = Math.round(w * r);
    canvas.height = Math.round(h * r);
    canvas.style.width = w + "px";
    canvas.style.height = h + "px";
    L.DomUtil.setPosition(canvas, topLeft);
    canvas.style.visibility = "";
    if (canvas.parentNode !== this.grid.getContainer()) { this.grid.getContainer().appendChild(canvas); }
    var ctx = canvas.getContext("2d");
    ctx.setTransform(r, 0, 0, r, 0, 0);
    var zoom = map.getZoom(), z = Math.max(idx.minzoom, Math.round(zoom));
    var scale = 256 * Math.pow(2, zoom);  /* world pixels at this zoom */
    var origin = map.getPixelOrigin().add(topLeft);
    var tiles = {}, keys = [];
    var nw = map.containerPointToLayerPoint(pad.multiplyBy(-1)).add(map.getPixelOrigin());
    var n = Math.pow(2, z), tsz = scale / n;
    var x0 = Math.floor(nw.x / tsz), y0 = Math.floor(nw.y / tsz);
    var x1 = Math.floor((nw.x + w) / tsz), y1 = Math.floor((nw.y + h) / tsz);
    for (var x = x0; x <= x1; x++) {
      for (var y = y0; y <= y1; y++) {
        if (x < 0 || y < 0 || x >= n || y >= n) { continue; }
        var src = source(z, x, y);
        if (src && store[src.key] && !tiles[src.key]) { tiles[src.key] = src; keys.push(src.key); }
      }
    }
    var placer = new Placer(ctx, w, h);
    var points = [], lines = [];
    keys.forEach(function (key) {
      var src = tiles[key], t = store[key];
      var k = scale / Math.pow(2, src.z) / idx.extent[src.z];
      var tx = src.x * scale / Math.pow(2, src.z) - origin.x, ty = src.y * scale / Math.pow(2, src.z) - origin.y;
      t.p.forEach(function (p) {
        if (!t.n[p[1]]) { return; }
        points.push({c: p[0], text: t.n[p[1]], x: p[2] * k + tx, y: p[3] * k + ty});
      });
      [["r", t.r], ["ww", t.ww]].forEach(function (pair) {
        pair[1].forEach(function (f) {
          if (!f.n || !t.n[f.n] || !lineWanted(pair[0], f.c, z)) { return; }
          var pts = new Array(f.pts.length);
          for (var i = 0; i < f.pts.length; i += 2) { pts[i] = f.pts[i] * k + tx; pts[i + 1] = f.pts[i + 1] * k + ty; }
          lines.push({water: pair[0] === "ww", c: f.c, text: t.n[f.n], pts: pts});
        });
      });
    });
    var drawn = [];
    var pointOrder = z >= 13 ? [1, 0, 3, 4] : [0, 1, 3, 4];
    pointOrder.forEach(function (c) {
      points.forEach(function (p) { if (p.c === c && placer.point(p, POINT_STYLE[c])) { drawn.push(p.text); } });
    });
    lines.sort(function (a, b) { return (a.water - b.water) || (a.c - b.c) || (lineLength(b.pts) - lineLength(a.pts)); });
    lines.forEach(function (l) {
      var st = l.water ? {font: "italic 12px " + FONT, color: WATER_TEXT} : {font: (l.c <= 3 ? "bold " : "") + "12px " + FONT, color: "#222222"};
      if (placer.line(l, st)) { drawn.push(l.text); }
    });
    points.forEach(function (p) { if (p.c === 2 && placer.point(p, POINT_STYLE[2])) { drawn.push(p.text); } });
    B.stats.labels = drawn;
  };
  function lineWanted(layer, c, z) {
    if (layer === "ww") { return c === 0 ? z >= 11 : z >= 13; }
    if (c === 7 || c === 8) { return z >= 12; }
    return z >= (c <= 2 ? 10 : c <= 4 ? 12 : 14);
  }
  function lineLength(pts) {
    var s = 0;
    for (var i = 2; i < pts.length; i += 2) { s += Math.hypot(pts[i] - pts[i - 2], pts[i + 1] - pts[i - 1]); }
    return s;
  }

  function Placer(ctx, w, h) {
    this.ctx = ctx;
    this.w = w;
    this.h = h;
    this.cells = {};
    this.byText = {};
  }
  Placer.prototype.free = function (boxes) {
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i];
      if (b[0] < 0 || b[1] < 0 || b[2] > this.w || b[3] > this.h) { return false; }
      for (var cx = Math.floor(b[0] / 64); cx <= Math.floor(b[2] / 64); cx++) {
        for (var cy = Math.floor(b[1] / 64); cy <= Math.floor(b[3] / 64); cy++) {
          var cell = this.cells[cx + ":" + cy];
          if (!cell) { continue; }
          for (var j = 0; j < cell.length; j++) {
            var o = cell[j];
            if (b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]) { return false; }
          }
        }
      }
    }
    return true;
  };
  Placer.prototype.take = function (boxes) {
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i];
      for (var cx = Math.floor(b[0] / 64); cx <= Math.floor(b[2] / 64); cx++) {
        for (var cy = Math.floor(b[1] / 64); cy <= Math.floor(b[3] / 64); cy++) {
          (this.cells[cx + ":" + cy] = this.cells[cx + ":" + cy] || []).push(b);
        }
      }
    }
  };
  Placer.prototype.nearSame = function (text, x, y, dist) {
    var seen = this.byText[text] || [];
    for (var i = 0; i < seen.length; i++) {
      if (Math.hypot(seen[i][0] - x, seen[i][1] - y) < dist) { return true; }
    }
    return false;
  };
  Placer.prototype.remember = function (text, x, y) { (this.byText[text] = this.byText[text] || []).push([x, y]); };
  Placer.prototype.point = function (p, st) {
    var ctx = this.ctx;
    ctx.font = st.font;
    var tw = ctx.measureText(p.text).width, fh = parseInt(/(\d+)px/.exec(st.font)[1], 10);
    var m = p.c <= 1 ? 8 : 3;  /* admin names keep some air around them */
    var box = [p.x - tw / 2 - m, p.y - fh / 2 - m, p.x + tw / 2 + m, p.y + fh / 2 + m];
    if (this.nearSame(p.text, p.x, p.y, 200) || !this.free([box])) { return false; }
    this.take([box]);
    this.remember(p.text, p.x, p.y);
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(255,255,255,0.92)";
    ctx.strokeText(p.text, p.x, p.y);
    ctx.fillStyle = st.color;
    ctx.fillText(p.text, p.x, p.y);
    return true;
  };
  /* Text along a line: each glyph at its distance along the path, turned with it; tried at the middle of the
   * piece, then at a third and two thirds; given up where the path bends too sharply or the text collides. */
  Placer.prototype.line = function (l, st) {
    var ctx = this.ctx;
    ctx.font = st.font;
    var text = l.text, pts = l.pts;
    var widths = [], tw = 0;
    for (var i = 0; i < text.length; i++) { var cw = ctx.measureText(text[i]).width; widths.push(cw); tw += cw; }
    var cum = [0];
    for (i = 2; i < pts.length; i += 2) { cum.push(cum[cum.length - 1] + Math.hypot(pts[i] - pts[i - 2], pts[i + 1] - pts[i - 1])); }
    var total = cum[cum.length - 1];
    if (total < tw + 16) { return false; }
    var tries = [0.5, 0.3, 0.7];
    for (var t = 0; t < tries.length; t++) {
      var start = total * tries[t] - tw / 2;
      if (start < 4 || start + tw > total - 4) { continue; }
      var glyphs = this.glyphs(pts, cum, widths, start);
      if (!glyphs) { continue; }
      var a0 = glyphs[0], a1 = glyphs[glyphs.length - 1];
      if (a1.x < a0.x) {  /* would read upside down: run the other way */
        var rev = [], rcum = [0];
        for (i = pts.length - 2; i >= 0; i -= 2) { rev.push(pts[i], pts[i + 1]); }
        for (i = 2; i < rev.length; i += 2) { rcum.push(rcum[rcum.length - 1] + Math.hypot(rev[i] - rev[i - 2], rev[i + 1] - rev[i - 1])); }
        glyphs = this.glyphs(rev, rcum, widths, total - start - tw);
        if (!glyphs) { continue; }
      }
      var mid = glyphs[Math.floor(glyphs.length / 2)];
      if (this.nearSame(text, mid.x, mid.y, 260)) { return false; }
      var fh = parseInt(/(\d+)px/.exec(st.font)[1], 10), half = fh * 0.62;
      var boxes = glyphs.map(function (g) { return [g.x - half, g.y - half, g.x + half, g.y + half]; });
      if (!this.free(boxes)) { continue; }
      this.take(boxes);
      this.remember(text, mid.x, mid.y);
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineJoin = "round";
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.92)";
      ctx.fillStyle = st.color;
      ["halo", "ink"].forEach(function (pass) {
        glyphs.forEach(function (g, j) {
          ctx.save();
          ctx.translate(g.x, g.y);
          ctx.rotate(g.a);
          if (pass === "halo") { ctx.strokeText(text[j], 0, 0); } else { ctx.fillText(text[j], 0, 0); }
          ctx.restore();
        });
      });
      return true;
    }
    return false;
  };
  Placer.prototype.glyphs = function (pts, cum, widths, start) {
    var out = [], s = start, seg = 1, prev = null;
    for (var i = 0; i < widths.length; i++) {
      var d = s + widths[i] / 2;
      while (seg < cum.length - 1 && cum[seg] < d) { seg += 1; }
      var a = (seg - 1) * 2, b = seg * 2;
      var len = cum[seg] - cum[seg - 1] || 1, f = (d - cum[seg - 1]) / len;
      var ang = Math.atan2(pts[b + 1] - pts[a + 1], pts[b] - pts[a]);
      if (prev !== null) {
        var turn = Math.abs(ang - prev);
        if (turn > Math.PI) { turn = 2 * Math.PI - turn; }
        if (turn > 0.6) { return null; }
      }
      prev = ang;
      out.push({x: pts[a] + (pts[b] - pts[a]) * f, y: pts[a + 1] + (pts[b + 1] - pts[a + 1]) * f, a: ang});
      s += widths[i];
    }
    return out;
  };

  /* ---- on a map: the grid under the online tiles, the names, and a choice in the layers control ---- */
  var controls = [];
  if (L.Control.Layers) { L.Control.Layers.addInitHook(function () { controls.push(this); }); }
  var NAMES = {
    online: '<span lang="vi">Bản đồ trực tuyến (OpenStreetMap)</span><span lang="en">Online map (OpenStreetMap)</span>',
    offline: '<span lang="vi">Bản đồ ngoại tuyến</span><span lang="en">Offline map</span>'
  };
  B.attach = function (map, options) {
    options = options || {};
    withIndex(function () {});  /* start loading index.js now */
    var grid = new Grid({attribution: options.attribution || "\u00a9 OpenStreetMap contributors"});
    var entry = {map: map, grid: grid, labels: new Labels(map, grid)};
    maps.push(entry);
    B.grid = grid;
    /* After the page's map script: its fitBounds has set the first view (no tiles fetched for the start view)
     * and its layers control exists. */
    setTimeout(function () {
      grid.addTo(map);
      entry.labels.attach();
      grid.on("add", function () { entry.labels.schedule(); });
      var online = null;
      map.eachLayer(function (l) { if (l instanceof L.TileLayer) { online = online || l; } });
      var offline = L.layerGroup();
      var ctl = controls.filter(function (c) { return c._map === map; })[0];
      if (!ctl) { ctl = L.control.layers(null, null, {collapsed: true}).addTo(map); }
      if (online) { ctl.addBaseLayer(online, NAMES.online); }
      ctl.addBaseLayer(offline, NAMES.offline);
      if (!online) { offline.addTo(map); }
      B.offlineLayer = offline;
      B.onlineLayer = online;
    }, 0);
    return grid;
  };
})();
