/* ocop_geo map script: draws stops and producers from JSON emitted once per page.
 * Every text is set with textContent / setAttribute, never innerHTML, so registry
 * strings render as text. (c) ocop_geo contributors, MIT. */
(function () {
  "use strict";
  /* Messages in English (the catalogue's msgids, ocop_geo/locale); messages.js holds their translations. */
  function N_(s) { return s; }
  var MSG = {
    arrival: N_("Arrive"), visit: N_("Visit"), wait: N_("Wait"), min: N_("min"), hours: N_("Opening hours"),
    products: N_("OCOP products"), stars: N_("stars"), approx: N_("Approximate location"), page: N_("Producer page"),
    start: N_("Start"), end: N_("End"), lunch: N_("Lunch break"), producer: N_("OCOP producer"), poi: N_("Sight"),
    offnet: N_("Off the road network (straight line)"), legend: N_("Legend"), all: N_("All groups"),
    none: N_("Hide producers"), producers: N_("OCOP producers"), filter: N_("Filter by group"),
    offline: N_("The online map cannot be loaded: the offline basemap (OpenStreetMap 2018) is shown; the route, stops and itinerary still work."),
    food: N_("Food"), drink: N_("Drinks"), herb: N_("Herbal"), textile: N_("Textiles"),
    craft: N_("Souvenirs, decor"), tourism: N_("Community tourism"), other: N_("Other group"),
    commune: N_("commune centre"), ward: N_("ward centre"), district: N_("district centre"),
    street: N_("street level"), none_p: N_("unknown"), unit2025: N_("2025"), venues: N_("OCOP shops, fairs, stays"),
    address: N_("Address"), dates: N_("Dates"), contact: N_("Contact"), source: N_("Source"),
    venue: N_("OCOP venue"), opened: N_("Opened"), showroom: N_("OCOP showroom"),
    display_point: N_("OCOP display point"), point_of_sale: N_("OCOP point of sale"), fair: N_("OCOP fair"),
    market: N_("OCOP market"), agritourism: N_("Agritourism"), hotel: N_("Hotel"), restaurant: N_("Restaurant"),
    v_shop: N_("OCOP showroom, display point, shop"), v_fair: N_("Fair, market"), v_farm: N_("Agritourism"),
    v_hotel: N_("Hotel"), v_restaurant: N_("Restaurant"), v_venue: N_("Other venue"), map: N_("Map"),
    map_route: N_("Route map"), map_producers: N_("Map of OCOP producers"),
    map_keys: N_("arrow keys to move, + and − to zoom"), zoom_in: N_("Zoom in"), zoom_out: N_("Zoom out"),
    fullscreen: N_("Full screen"), fullscreen_exit: N_("Exit full screen"), locate: N_("Show where I am"),
    locate_popup: N_("You are within {distance} {unit} of this point"), meters: N_("metres"),
    outside: N_("You are outside the map's area"), layers: N_("Choose map layers (days, places)"),
    close: N_("Close"), day: N_("Day"), stop: N_("stop"), label_help: N_("day 1, stop 3"),
    role_help: N_("number = day"), cluster: N_("OCOP producers close together — tap to zoom in"),
    offline_short: N_("Offline map"), touch: N_("Use two fingers to move the map"),
    scroll: N_("Hold Ctrl and scroll to zoom the map"), scroll_mac: N_("Hold ⌘ and scroll to zoom the map")
  };
  var ICON = {food: "\u2668", drink: "\u2615", herb: "\u2740", textile: "\u2702", craft: "\u2726",
              tourism: "\u2302", other: "\u25CF", start: "\u25B6", end: "\u25A0", lunch: "\u2600"};
  /* Venue icons: 24 x 24 SVG paths (fixed strings, never registry text), white on a square pin. */
  var VENUE_PATH = {
    shop: "M3 3h18l1.5 6a3 3 0 0 1-5.2 1.6 3 3 0 0 1-4.8 0 3 3 0 0 1-4.8 0A3 3 0 0 1 1.5 9zM4 13v8h6v-5h4v5h6v-8a4 4 0 0 1-2.7-.8 4.5 4.5 0 0 1-5.3.3 4.5 4.5 0 0 1-5.3-.3A4 4 0 0 1 4 13z",
    fair: "M6 1h2.5v3h7V1H18v3h3a1 1 0 0 1 1 1v16a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1h3zM4.5 9.5v10h15v-10zM7 12h4v4H7z",
    farm: "M11 22v-7.2C6.2 14.6 3 11.3 3 5.5c4.6 0 7.6 2.2 8.6 5.8C12.4 6.2 15.8 3 21 3c0 6.6-3.4 10.6-7.5 11.6V22z",
    hotel: "M1 5h2.5v9H11V8h8a4 4 0 0 1 4 4v9h-2.5v-3.5h-17V21H1zM7 13a2.6 2.6 0 1 1 0-5.2A2.6 2.6 0 0 1 7 13z",
    restaurant: "M5 1h1.6v7h1.3V1h1.6v7h1.3V1H12v8.5a3 3 0 0 1-2.3 2.9V23H7.3V12.4A3 3 0 0 1 5 9.5zM15.5 1C19 2 20 6 20 11h-2.3v12h-2.2z",
    venue: "M12 2a7 7 0 0 1 7 7c0 5-7 13-7 13S5 14 5 9a7 7 0 0 1 7-7zm0 4.2a2.8 2.8 0 1 0 0 5.6 2.8 2.8 0 0 0 0-5.6z"
  };
  var state = window.ocop = window.ocop || {stopMarkers: 0, dayLayers: 0, producers: 0, venues: 0, redraw: []};

  function lang() {
    var l = document.documentElement.getAttribute("data-lang");
    return l === "en" ? "en" : "vi";
  }
  function t(key) { return window.ocopMsg ? window.ocopMsg(MSG[key] || key, lang()) : (MSG[key] || key); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function onLang(fn) { state.redraw.push(fn); }
  document.addEventListener("ocop:lang", function () {
    state.redraw.forEach(function (fn) { fn(); });
  });

  function starText(n) {
    if (!n) { return ""; }
    return "\u2605".repeat(n) + "\u2606".repeat(Math.max(0, 5 - n));
  }

  /* The popup of a producer, venue or route stop (`stop`: its day and label, shown as a chip in the day's colour). */
  function popup(rec, isVenue, stop) {
    var box = el("div", "ocop-popup");
    var h = el("h3");
    if (rec.url) {
      var a = el("a", null, rec.name);
      a.setAttribute("href", rec.url);
      h.appendChild(a);
    } else {
      h.textContent = rec.name;
    }
    box.appendChild(h);
    if (stop) {  // "1-3  Day 1 · Sa 2026-12-05": the stop's label as on its pin and in the itinerary table
      var line = el("p", "ocop-day");
      var chip = el("span", "ocop-chip", rec.label);
      chip.style.background = stop.day.color;
      chip.style.color = stop.day.ink;
      line.appendChild(chip);
      line.appendChild(document.createTextNode(" " + stop.day.label[lang()]));
      box.appendChild(line);
    }
    var kind = rec.kind || "producer";
    var venue = rec.venue || (isVenue ? rec : null);
    if (venue && venue.kind) { box.appendChild(el("p", "ocop-kind", t(venue.kind))); }
    else if (kind !== "producer") { box.appendChild(el("p", "ocop-kind", t(kind))); }
    if (rec.stars) {
      var s = el("p", "ocop-stars", starText(rec.stars));
      s.setAttribute("aria-label", rec.stars + " " + t("stars"));
      box.appendChild(s);
    }
    if (venue && venue.address) { box.appendChild(el("p", "ocop-address", venue.address)); }
    var where = whereText(venue || rec);
    if (where) { box.appendChild(el("p", "ocop-where", where)); }
    if (rec.products && rec.products.length) {
      box.appendChild(el("p", "ocop-label", t("products")));
      var ul = el("ul");
      rec.products.forEach(function (p) {
        var li = el("li", null, p[0] + (p[1] ? " \u2014 " + p[1] + "\u2605" : "") + (p[2] ? " (" + p[2] + ")" : ""));
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    var hours = rec.hours || (venue && venue.hours);
    if (hours) { box.appendChild(el("p", null, t("hours") + ": " + hours)); }
    if (venue && venue.dates) { box.appendChild(el("p", "ocop-dates", t("dates") + ": " + venue.dates[lang()])); }
    if (venue && venue.opened) { box.appendChild(el("p", "ocop-dates", t("opened") + ": " + venue.opened[lang()])); }
    if (venue && venue.contact) { box.appendChild(el("p", null, t("contact") + ": " + venue.contact)); }
    if (venue && (venue.links || venue.source)) {
      var src = el("p", "ocop-source", t("source") + ": ");
      (venue.links || []).forEach(function (url, i) {
        if (!/^https?:\/\//.test(url)) { return; }
        if (i) { src.appendChild(document.createTextNode(", ")); }
        var a = el("a", null, url.replace(/^https?:\/\/(www\.)?/, "").split("/")[0]);
        a.setAttribute("href", url);
        a.setAttribute("rel", "noopener noreferrer");
        a.setAttribute("target", "_blank");
        src.appendChild(a);
      });
      if (venue.source) { src.appendChild(document.createTextNode(venue.source)); }
      box.appendChild(src);
    }
    if (rec.arrival || (rec.start && kind !== "start")) {
      var plan = t("arrival") + " " + (rec.arrival || rec.start);
      if (rec.wait) { plan += " \u00b7 " + t("wait") + " " + Math.round(rec.wait) + " " + t("min"); }
      if (rec.visit) { plan += " \u00b7 " + t("visit") + " " + rec.start + "\u2013" + rec.end + " (" + Math.round(rec.visit) + " " + t("min") + ")"; }
      box.appendChild(el("p", "ocop-plan", plan));
    }
    if (rec.precision && rec.precision !== "exact") {
      var key = rec.precision === "none" ? "none_p" : rec.precision;
      box.appendChild(el("p", "ocop-approx", t("approx") + ": " + t(key)));
    }
    return box;
  }

  /* "Xã Hòa Phú, Củ Chi · 2025: Xã Củ Chi" (as ocop_geo.mapping.place_label); the 2025 unit alone when
   * no old unit is known or it repeats the old ward. */
  function fold(s) { return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase().trim(); }
  function whereText(rec) {
    var old = [rec.ward, rec.district].filter(Boolean).join(", ");
    if (!rec.unit) { return old; }
    if (!rec.district && (!rec.ward || fold(rec.ward) === fold(rec.unit))) { return rec.unit; }
    return old + " \u00b7 " + t("unit2025") + ": " + rec.unit;
  }

  function venueGlyph(icon, cls) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", cls || "ocop-vglyph");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", VENUE_PATH[icon] || VENUE_PATH.venue);
    path.setAttribute("fill-rule", "evenodd");
    svg.appendChild(path);
    return svg;
  }
  function venuePin(icon) {
    var pin = el("div", "ocop-vpin ocop-v-" + (VENUE_PATH[icon] ? icon : "venue"));
    pin.appendChild(venueGlyph(icon));
    return pin;
  }

  /* A div icon whose element carries an accessible name (Leaflet names marker icons only through `title`). */
  var NamedIcon = L.DivIcon.extend({
    createIcon: function (old) {
      var div = L.DivIcon.prototype.createIcon.call(this, old);
      if (this.options.ariaLabel) { div.setAttribute("aria-label", this.options.ariaLabel); }
      return div;
    }
  });

  /* One legend per map, in sections (route days, venue kinds), redrawn when the language changes. */
  function legendOf(map) {
    if (map._ocopLegend) { return map._ocopLegend; }
    var sections = [];
    var legend = L.control({position: "bottomright"});
    var box, sum, outer;
    function draw() {
      box.textContent = "";
      sum.textContent = t("legend");
      sections.forEach(function (fn) { fn(box); });
    }
    /* Never taller than the room between the controls above it and the attribution below: it scrolls instead of
     * covering them. Returns that room (px). */
    function fit() {
      var c = map.getContainer(), cb = c.getBoundingClientRect(), above = 0, below = 0;
      c.querySelectorAll(".leaflet-top.leaflet-right > .leaflet-control").forEach(function (x) {
        above = Math.max(above, x.getBoundingClientRect().bottom - cb.top);
      });
      c.querySelectorAll(".leaflet-bottom.leaflet-right > .leaflet-control").forEach(function (x) {
        if (x !== outer) { below += x.offsetHeight + 10; }
      });
      var room = Math.max(44, cb.height - above - below - 20), left = 0;
      c.querySelectorAll(".leaflet-bottom.leaflet-left > .leaflet-control").forEach(function (x) {
        left = Math.max(left, x.getBoundingClientRect().right - cb.left);
      });
      outer.style.maxHeight = room + "px";
      outer.style.maxWidth = Math.max(150, Math.min(230, cb.width - left - 16)) + "px";  // beside the scale bar
      return room;
    }
    legend.onAdd = function () {
      outer = el("details", "ocop-legend leaflet-bar");
      if (!narrow(map)) { outer.open = true; }
      sum = el("summary");
      box = el("div");
      outer.appendChild(sum);
      outer.appendChild(box);
      draw();
      onLang(draw);
      map.on("resize", fit);
      outer.addEventListener("toggle", fit);
      setTimeout(function () { if (fit() < 150) { outer.open = false; } }, 0);  // a short map starts with it folded
      L.DomEvent.disableClickPropagation(outer);
      L.DomEvent.disableScrollPropagation(outer);
      return outer;
    };
    legend.addTo(map);
    map._ocopLegend = {add: function (fn) { sections.push(fn); draw(); },
                       close: function () { if (outer) { outer.open = false; } }};
    return map._ocopLegend;
  }

  function narrow(map) { return map.getSize().x < 600; }

  /* Rectangles of the map's visible controls (zoom, layers, filter, legend, scale, notes), in container pixels. */
  function controlRects(map) {
    var box = map.getContainer().getBoundingClientRect();
    var out = [];
    map.getContainer().querySelectorAll(".leaflet-control-container .leaflet-control").forEach(function (c) {
      var r = c.getBoundingClientRect();
      if (r.width && r.height) {
        out.push({l: r.left - box.left, t: r.top - box.top, r: r.right - box.left, b: r.bottom - box.top});
      }
    });
    return out;
  }

  /* The smallest pan that moves rectangle `p` off every control and inside the map (margin `m`), or null. */
  function clearPan(p, obstacles, size, m) {
    var xs = [0], ys = [0];
    obstacles.forEach(function (o) {
      xs.push(o.r + m - p.l, o.l - m - p.r);
      ys.push(o.b + m - p.t, o.t - m - p.b);
    });
    xs.push(m - p.l, size.x - m - p.r);
    ys.push(m - p.t, size.y - m - p.b);
    var best = null;
    xs.forEach(function (dx) {
      ys.forEach(function (dy) {
        var q = {l: p.l + dx, t: p.t + dy, r: p.r + dx, b: p.b + dy};
        if (q.l < m || q.t < m || q.r > size.x - m || q.b > size.y - m) { return; }
        var hit = obstacles.some(function (o) { return q.l < o.r && q.r > o.l && q.t < o.b && q.b > o.t; });
        var cost = Math.abs(dx) + Math.abs(dy);
        if (!hit && (!best || cost < best.cost)) { best = {dx: dx, dy: dy, cost: cost}; }
      });
    });
    return best;
  }

  /* Popups that pan clear of the map's controls: nothing (zoom, layers, filter, legend, scale bar) covers them.
   * Replaces Leaflet's padding rule (one rectangle) by the controls' own rectangles, measured when it opens. */
  var OcopPopup = L.Popup.extend({
    /* as wide as the room between the top-left and top-right control columns (measured when it opens) */
    _updateLayout: function () {
      var map = this._map;
      if (map) {
        var size = map.getSize(), left = 0, right = 0;
        controlRects(map).forEach(function (c) {
          if (c.t > size.y / 2) { return; }
          if (c.l < size.x / 2) { left = Math.max(left, c.r); } else { right = Math.max(right, size.x - c.l); }
        });
        var width = Math.max(160, Math.min(300, size.x - left - right - 12 - 46));  // 46: the popup's own margins
        L.extend(this.options, {maxWidth: width, minWidth: Math.min(200, width), maxHeight: Math.max(160, size.y - 150)});
      }
      L.Popup.prototype._updateLayout.call(this);
    },
    _adjustPan: function () {
      var map = this._map;
      if (!this.options.autoPan || !map || !this._container) { return; }
      if (map._panAnim) { map._panAnim.stop(); }
      var box = map.getContainer().getBoundingClientRect();
      var r = this._container.getBoundingClientRect();
      var p = {l: r.left - box.left, t: r.top - box.top, r: r.right - box.left, b: r.bottom - box.top};
      var size = map.getSize();
      var best = clearPan(p, controlRects(map), size, 6);
      if (!best && map._ocopLegend && narrow(map)) {  // a phone: fold the legend away and try again
        map._ocopLegend.close();
        best = clearPan(p, controlRects(map), size, 6);
      }
      if (!best) {  // too big to clear everything: keep it inside the map, its title visible
        best = {dx: Math.min(Math.max(0, 6 - p.l), size.x - 6 - p.r), dy: 6 - p.t > 0 ? 6 - p.t : Math.min(0, size.y - 6 - p.b)};
        if (p.t + best.dy < 6) { best.dy = 6 - p.t; }
      }
      if (best.dx || best.dy) { map.fire("autopanstart").panBy([-best.dx, -best.dy]); }
    }
  });

  function popupOptions() { return {closeButtonLabel: t("close")}; }
  function bindPopup(layer, map, content) {
    layer.bindPopup(new OcopPopup(popupOptions(map), layer).setContent(content));
  }

  /* ---- route stops: grouped so that every label is visible ---- */
  var SEG = 44;   // hit area of one stop, px (WCAG 2.5.5: 44 x 44); the visible pin inside is smaller
  var COLS = 4;   // stops per row of a grouped marker
  var GLYPH = {start: "\u25B6", lunch: "\u2600", end: "\u25A0"};

  /* What a screen reader says for a stop: "1-3 · name · Day 1 · … · OCOP producer", "Start · Day 1 · … · name". */
  function stopText(e) {
    var kind = e.rec.venue && e.rec.venue.kind && e.rec.kind === "poi" ? t(e.rec.venue.kind) : t(e.rec.kind);
    var parts = GLYPH[e.rec.kind] ? [kind, e.day.label[lang()], e.rec.name] : [e.rec.label, e.rec.name, e.day.label[lang()], kind];
    return parts.join(" \u00b7 ");
  }

  function stopButton(e) {
    var rec = e.rec;
    var b = el("button", "ocop-stop ocop-" + rec.kind);
    b.type = "button";
    b.setAttribute("data-key", e.key);
    b.setAttribute("data-label", rec.label);
    var pin = el("span", "ocop-pin");
    pin.style.background = e.day.color;
    pin.style.color = e.day.ink;
    pin.appendChild(el("span", "ocop-num", rec.label));
    pin.setAttribute("aria-hidden", "true");
    if (rec.venue) {  // a venue used as a stop: its own square badge beside the label
      var badge = el("span", "ocop-ico ocop-vbadge ocop-v-" + (VENUE_PATH[rec.venue.icon] ? rec.venue.icon : "venue"));
      badge.appendChild(venueGlyph(rec.venue.icon));
      pin.appendChild(badge);
    } else if (rec.kind === "producer") {
      pin.appendChild(el("span", "ocop-ico", ICON[rec.icon] || ICON.other));
    }
    if (rec.kind === "producer" && rec.stars) { pin.appendChild(el("span", "ocop-star", rec.stars + "\u2605")); }
    b.appendChild(pin);
    b.appendChild(el("span", "visually-hidden", stopText(e)));
    return b;
  }

  /* Greedy grouping in screen space: stops at one place, or whose hit areas would overlap at this zoom, share one
   * marker listing every label (in day and visiting order); groups that still overlap are merged again. */
  function groupStops(map, entries) {
    var groups = [];
    entries.forEach(function (e) {
      var pt = map.latLngToLayerPoint(e.latlng);
      groups.push({members: [e], x: pt.x, y: pt.y});
    });
    function dims(g) {
      var n = g.members.length;
      return {w: Math.min(n, COLS) * SEG, h: Math.ceil(n / COLS) * SEG};
    }
    var merged = true;
    while (merged) {
      merged = false;
      for (var i = 0; i < groups.length && !merged; i++) {
        for (var j = i + 1; j < groups.length && !merged; j++) {
          var a = groups[i], b = groups[j], da = dims(a), db = dims(b);
          if (Math.abs(a.x - b.x) < (da.w + db.w) / 2 && Math.abs(a.y - b.y) < (da.h + db.h) / 2) {
            var na = a.members.length, nb = b.members.length;
            a.x = (a.x * na + b.x * nb) / (na + nb);
            a.y = (a.y * na + b.y * nb) / (na + nb);
            a.members = a.members.concat(b.members);
            groups.splice(j, 1);
            merged = true;
          }
        }
      }
    }
    groups.forEach(function (g) {
      g.members.sort(function (p, q) { return p.order - q.order; });
      var d = dims(g);
      g.w = d.w;
      g.h = d.h;
      g.latlng = g.members.every(function (m) { return m.latlng.equals(g.members[0].latlng); })
        ? g.members[0].latlng : map.layerPointToLatLng(L.point(g.x, g.y));
    });
    return groups;
  }

  function drawStops(map, data, layers) {
    var entries = [];
    data.days.forEach(function (day) {
      day.stops.forEach(function (rec) {
        entries.push({rec: rec, day: day, latlng: L.latLng(rec.lat, rec.lon), key: day.day + ":" + rec.seq,
                      order: entries.length});
      });
    });
    var layer = L.layerGroup().addTo(map);
    var popups = {};
    /* A stop's popup points at the top of its marker, so it never covers the other stops of a group. */
    function open(e, g) {
      if (!popups[e.key]) {
        popups[e.key] = new OcopPopup(popupOptions(map)).setContent(function () { return popup(e.rec, false, e); });
      }
      var p = popups[e.key];
      p.options.closeButtonLabel = t("close");
      p.options.offset = [0, -g.h / 2 + 4];
      map.openPopup(p.setLatLng(g.latlng));
    }
    function shown(e) {
      var l = layers[String(e.day.day)];
      return !l || map.hasLayer(l);
    }
    function redraw() {
      var active = document.activeElement;
      var focused = active && active.getAttribute && active.getAttribute("data-key");
      layer.clearLayers();
      var groups = groupStops(map, entries.filter(shown));
      groups.forEach(function (g) {
        var box = el("div", "ocop-stopgroup" + (g.members.length > 1 ? " ocop-stopgroup-many" : ""));
        box.style.width = g.w + "px";
        g.members.forEach(function (e) {
          var b = stopButton(e);
          L.DomEvent.on(b, "click", function (ev) { L.DomEvent.stop(ev); open(e, g); });
          box.appendChild(b);
        });
        L.DomEvent.disableClickPropagation(box);
        var m = L.marker(g.latlng, {
          icon: L.divIcon({className: "ocop-stops", html: box, iconSize: [g.w, g.h], iconAnchor: [g.w / 2, g.h / 2]}),
          keyboard: false, interactive: false, zIndexOffset: 1000});
        m.ocopKeys = g.members.map(function (e) { return e.key; });
        m.addTo(layer);
      });
      /* the stops first in the map's tab order, in visiting order (the pane's DOM order; z-index draws them on top) */
      var pane = map.getPane("markerPane"), icons = [];
      layer.eachLayer(function (m) { if (m._icon) { icons.push(m._icon); } });
      icons.reverse().forEach(function (icon) { pane.insertBefore(icon, pane.firstChild); });
      state.stopGroups = groups.length;
      watchClutter(map)();
      if (focused) {
        var again = map.getContainer().querySelector('.ocop-stop[data-key="' + focused + '"]');
        if (again) { again.focus(); }
      }
    }
    redraw();
    map.on("zoomend overlayadd overlayremove", redraw);
    onLang(redraw);
    state.stopMarkers += entries.length;
    state.stopLabels = entries.map(function (e) { return e.rec.label; });
    return entries;
  }

  /* ---- declutter: producer, venue and cluster pins are pushed off the route's stops and off each other, so
   * no pin hides another (each keeps a free 44 px target); recomputed after every zoom, pan or redraw ---- */
  function declutter(map) {
    var items = [];
    Array.prototype.forEach.call(map.getPane("markerPane").children, function (icon) {
      if (!icon.classList.contains("leaflet-marker-icon") || !icon.offsetWidth) { return; }
      var ml = parseFloat(icon.style.marginLeft) || 0, mt = parseFloat(icon.style.marginTop) || 0;
      var off = icon._ocopOff;
      if (!off || ml !== off.l + off.x || mt !== off.t + off.y) {  // new, or Leaflet set its anchor again
        off = icon._ocopOff = {l: ml, t: mt, x: 0, y: 0};
      }
      var pos = L.DomUtil.getPosition(icon) || L.point(0, 0);
      items.push({icon: icon, fixed: icon.classList.contains("ocop-stops"), x: 0, y: 0,
                  l: pos.x + off.l, t: pos.y + off.t, w: icon.offsetWidth, h: icon.offsetHeight});
    });
    controlRects(map).forEach(function (c) {  // the controls are fixed obstacles too (a pin under them is lost)
      var tl = map.containerPointToLayerPoint(L.point(c.l, c.t));
      items.push({fixed: true, x: 0, y: 0, l: tl.x, t: tl.y, w: c.r - c.l, h: c.b - c.t});
    });
    function box(a) { return {l: a.l + a.x, t: a.t + a.y, r: a.l + a.x + a.w, b: a.t + a.y + a.h}; }
    for (var pass = 0; pass < 40; pass++) {
      var moved = false;
      for (var i = 0; i < items.length; i++) {
        var a = items[i];
        if (a.fixed) { continue; }
        for (var j = 0; j < items.length; j++) {
          var b = items[j];
          if (i === j) { continue; }
          var p = box(a), q = box(b);
          var ox = Math.min(p.r, q.r) - Math.max(p.l, q.l), oy = Math.min(p.b, q.b) - Math.max(p.t, q.t);
          if (ox <= 0 || oy <= 0) { continue; }
          var share = b.fixed ? 1 : 0.5;
          var ax = (p.l + p.r) / 2, bx = (q.l + q.r) / 2, ay = (p.t + p.b) / 2, by = (q.t + q.b) / 2;
          if (ox <= oy) {
            var sx = ax < bx || (ax === bx && i < j) ? -1 : 1;
            a.x += sx * ox * share;
            if (!b.fixed) { b.x -= sx * ox * share; }
          } else {
            var sy = ay < by || (ay === by && i < j) ? -1 : 1;
            a.y += sy * oy * share;
            if (!b.fixed) { b.y -= sy * oy * share; }
          }
          moved = true;
        }
      }
      if (!moved) { break; }
    }
    items.forEach(function (a) {
      if (a.fixed) { return; }
      var off = a.icon._ocopOff;
      off.x = Math.round(a.x);
      off.y = Math.round(a.y);
      a.icon.style.marginLeft = (off.l + off.x) + "px";
      a.icon.style.marginTop = (off.t + off.y) + "px";
    });
  }
  function watchClutter(map) {
    if (map._ocopDeclutter) { return map._ocopDeclutter; }
    var pending = false;
    function schedule() {
      if (pending) { return; }
      pending = true;
      state.declutterPending = true;
      setTimeout(function () {
        pending = false;
        state.declutterPending = false;
        declutter(map);
      }, 30);
    }
    map.on("zoomend moveend viewreset layeradd overlayadd overlayremove resize", schedule);
    schedule();
    map._ocopDeclutter = schedule;
    return schedule;
  }

  window.ocopDrawRoute = function (map, data, layers) {
    state.dayLayers += data.days.length;
    var onRoute = map._ocopOnRoute = map._ocopOnRoute || {};
    data.days.forEach(function (day) {
      day.stops.forEach(function (rec) { (rec.ids || []).forEach(function (id) { onRoute[id] = true; }); });
    });
    drawStops(map, data, layers);
    var routeName = function () {
      var name = data.title[lang()] || data.title.vi || data.title.en;
      return t("map_route") + (name ? ": " + name : "");
    };
    routeName.route = true;
    nameMap(map, routeName);
    legendOf(map).add(function (box) {
      data.days.forEach(function (day) {
        var row = el("div", "ocop-legend-row");
        var sw = el("span", "ocop-chip", String(day.day));
        sw.style.background = day.color;
        sw.style.color = day.ink;
        sw.setAttribute("aria-hidden", "true");
        row.appendChild(sw);
        row.appendChild(el("span", null, day.label[lang()]));
        box.appendChild(row);
      });
      var help = el("div", "ocop-legend-row ocop-legend-sep");
      var ex = el("span", "ocop-chip ocop-chip-plain", "1-3");
      ex.setAttribute("aria-hidden", "true");
      help.appendChild(ex);
      help.appendChild(el("span", null, "1-3: " + t("label_help")));
      box.appendChild(help);
      ["start", "lunch", "end"].forEach(function (k) {
        var row = el("div", "ocop-legend-row");
        var chip = el("span", "ocop-chip ocop-chip-plain", GLYPH[k] + "1");
        chip.setAttribute("aria-hidden", "true");
        row.appendChild(chip);
        row.appendChild(el("span", null, t(k) + " (" + t("role_help") + ")"));
        box.appendChild(row);
      });
      var off = el("div", "ocop-legend-row");
      off.appendChild(el("span", "ocop-dash"));
      off.appendChild(el("span", null, t("offnet")));
      box.appendChild(off);
    });
  };

  window.ocopDrawVenues = function (map, data, layers) {
    var layer = layers.venues || map;
    var icons = (data.icons || []).filter(function (i) { return VENUE_PATH[i]; });
    data.venues.forEach(function (rec) {
      var icon = VENUE_PATH[rec.icon] ? rec.icon : "venue";
      if (icons.indexOf(icon) < 0) { icons.push(icon); }
      var m = L.marker([rec.lat, rec.lon], {
        icon: L.divIcon({className: "ocop-venue", html: venuePin(icon), iconSize: [SEG, SEG], iconAnchor: [SEG / 2, SEG / 2]}),
        keyboard: true, title: rec.name, zIndexOffset: 500});
      bindPopup(m, map, function () { return popup(rec, true); });
      m.addTo(layer);
      state.venues += 1;
    });
    watchClutter(map);
    if (!icons.length) { return; }
    var order = ["shop", "fair", "farm", "hotel", "restaurant", "venue"];
    icons.sort(function (a, b) { return order.indexOf(a) - order.indexOf(b); });
    legendOf(map).add(function (box) {
      box.appendChild(el("div", "ocop-legend-head ocop-legend-sep", t("venues")));
      icons.forEach(function (icon) {
        var row = el("div", "ocop-legend-row ocop-legend-venue");
        var pin = venuePin(icon);
        pin.classList.add("ocop-vpin-small");
        row.appendChild(pin);
        row.appendChild(el("span", null, t("v_" + icon)));
        box.appendChild(row);
      });
    });
  };

  var FUNNEL = "M2 3h20l-7.5 9v7l-5 2.5V12z";

  /* ---- the producers' map page: markers from markers.js, popup details from data/<slug>.js, both loaded by a
   * script tag (fetch() does not work from file://) ---- */
  var markerQueue = [], details = {}, waiting = {};
  function loadScript(src, onerror) {
    var s = document.createElement("script");
    s.src = src;
    if (onerror) { s.onerror = onerror; }
    document.head.appendChild(s);
  }
  window.ocopProducerMarkers = function (c) {
    var q = markerQueue.shift();
    if (!q) { return; }
    var hide = {};
    (q.data.hide || []).forEach(function (slug) { hide[slug] = true; });  /* already stops of the route */
    var recs = c.producers.filter(function (r) { return !hide[r[0]]; }).map(function (r) {
      var g = r[4].map(function (i) { return c.groups[i]; });
      return {id: r[0], name: r[1], lon: r[2], lat: r[3], stars: r[5] || null, precision: c.precision[r[6]] || "",
              groups: g.map(function (x) { return x[0]; }), groups_en: g.map(function (x) { return x[1]; }),
              icon: g.length ? g[0][2] : "other", url: (q.data.pages || "") + r[0] + ".html",
              detail: (q.data.details || "data/") + r[0] + ".js"};
    });
    drawProducers(q.map, {producers: recs, fit: q.data.fit});
  };
  window.ocopProducerDetail = function (slug, d) {
    details[slug] = d;
    (waiting[slug] || []).forEach(function (fn) { fn(); });
    delete waiting[slug];
  };
  /* A record with its details when they are loaded; `then` runs once they are (loading them the first time). */
  function withDetails(rec, then) {
    if (!rec.detail) { return rec; }
    var d = details[rec.id];
    if (d) { return L.extend({}, rec, d); }
    if (then) {
      if (!waiting[rec.id]) {
        waiting[rec.id] = [];
        loadScript(rec.detail, function () { delete waiting[rec.id]; });
      }
      waiting[rec.id].push(then);
    }
    return rec;
  }

  window.ocopDrawProducers = function (map, data) {
    if (data.markers) {  // the producers' map: the markers come in their own script
      markerQueue.push({map: map, data: data});
      loadScript(data.markers);
      if (!map._ocopName.route) { nameMap(map, function () { return t("map_producers"); }); }
      return;
    }
    drawProducers(map, data);
  };

  function drawProducers(map, data) {
    var onRoute = map._ocopOnRoute || {};
    var shownProducers = data.producers.filter(function (rec) { return !onRoute[rec.id]; });
    var cluster = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 50,
      iconCreateFunction: function (c) {
        var n = c.getChildCount();
        var size = n < 10 ? "small" : (n < 100 ? "medium" : "large");
        var inner = el("div");
        inner.appendChild(el("span", null, String(n)));
        return new NamedIcon({html: inner, className: "marker-cluster marker-cluster-" + size, iconSize: [SEG, SEG],
                              ariaLabel: n + " " + t("cluster")});
      }
    });
    var markers = shownProducers.map(function (rec) {
      var pin = el("div", "ocop-ppin", ICON[rec.icon] || ICON.other);
      pin.setAttribute("aria-hidden", "true");
      var m = L.marker([rec.lat, rec.lon], {
        icon: L.divIcon({className: "ocop-producer", html: pin, iconSize: [SEG, SEG], iconAnchor: [SEG / 2, SEG / 2]}),
        keyboard: true, title: rec.name});
      bindPopup(m, map, function () { return popup(withDetails(rec)); });
      if (rec.detail) {  // the products and the place come with the popup
        m.on("popupopen", function () {
          withDetails(rec, function () { m.getPopup().setContent(function () { return popup(withDetails(rec)); }); });
        });
      }
      m.ocopGroups = rec.groups;
      return m;
    });
    state.producers += data.producers.length;
    cluster.addLayers(markers);
    cluster.addTo(map);
    cluster.on("animationend", watchClutter(map));
    onLang(function () { cluster.refreshClusters(); });
    if (!map._ocopName.route) { nameMap(map, function () { return t("map_producers"); }); }
    if (markers.length) {
      legendOf(map).add(function (box) {
        var row = el("div", "ocop-legend-row ocop-legend-sep");
        var pin = el("span", "ocop-ppin ocop-ppin-small", ICON.food);
        pin.setAttribute("aria-hidden", "true");
        row.appendChild(pin);
        row.appendChild(el("span", null, t("producers")));
        box.appendChild(row);
      });
    }
    var groups = [], english = {};
    shownProducers.forEach(function (r) {
      r.groups.forEach(function (g, i) {
        if (groups.indexOf(g) < 0) { groups.push(g); }
        english[g] = (r.groups_en && r.groups_en[i]) || english[g] || g;
      });
    });
    groups.sort();
    var ctl = L.control({position: "topright"});
    ctl.onAdd = function () {
      /* On a phone the filter folds into a 44 px button (it would cover popups); on wider maps it stays open. */
      var box = el("div", "ocop-filter leaflet-bar");
      var toggle = el("button", "ocop-filter-toggle");
      toggle.type = "button";
      toggle.setAttribute("aria-expanded", "false");
      var ns = "http://www.w3.org/2000/svg";
      var svg = document.createElementNS(ns, "svg");
      svg.setAttribute("viewBox", "0 0 24 24");
      svg.setAttribute("aria-hidden", "true");
      var path = document.createElementNS(ns, "path");
      path.setAttribute("d", FUNNEL);
      svg.appendChild(path);
      toggle.appendChild(svg);
      var panel = el("div", "ocop-filter-panel");
      panel.id = L.Util.stamp(panel) + "-ocop-filter";
      toggle.setAttribute("aria-controls", panel.id);
      var label = el("label");
      var cap = el("span");
      var sel = el("select");
      function draw() {
        var keep = sel.value;
        cap.textContent = t("producers") + " ";
        toggle.setAttribute("aria-label", t("filter"));
        toggle.title = t("filter");
        sel.textContent = "";
        var opts = [["*", t("all")]].concat(groups.map(function (g) {
          return [g, lang() === "en" ? english[g] : g];
        }), [["-", t("none")]]);
        opts.forEach(function (o) {
          var op = el("option", null, o[1]);
          op.value = o[0];
          sel.appendChild(op);
        });
        sel.value = keep || "*";
      }
      draw();
      onLang(draw);
      sel.addEventListener("change", function () {
        cluster.clearLayers();
        var v = sel.value;
        cluster.addLayers(markers.filter(function (m) {
          return v === "*" || (v !== "-" && m.ocopGroups.indexOf(v) >= 0);
        }));
      });
      toggle.addEventListener("click", function () {
        var open = !box.classList.contains("ocop-open");
        box.classList.toggle("ocop-open", open);
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        if (open) { sel.focus(); }
      });
      map.on("popupopen", function () {
        if (narrow(map)) { box.classList.remove("ocop-open"); toggle.setAttribute("aria-expanded", "false"); }
      });
      label.appendChild(cap);
      label.appendChild(sel);
      panel.appendChild(label);
      box.appendChild(toggle);
      box.appendChild(panel);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    ctl.addTo(map);
    state.producerCluster = cluster;
    if (data.fit && markers.length) {  // a producer page: its producer(s) in view, never closer than street level
      map.fitBounds(L.latLngBounds(markers.map(function (m) { return m.getLatLng(); })), {padding: [20, 20], maxZoom: 15});
    }
  }

  /* The map container is focusable (arrow keys pan it): a region with a real name, not its icons' text. */
  function nameMap(map, name) {
    map._ocopName = name;
    var c = map.getContainer();
    c.setAttribute("role", "region");
    c.setAttribute("aria-label", name() + " (" + t("map_keys") + ")");
  }

  /* Leaflet's and the plugins' English titles, in the page's language. */
  function localizeControls(map, ctl) {
    var c = map.getContainer();
    [[".leaflet-control-zoom-in", "zoom_in"], [".leaflet-control-zoom-out", "zoom_out"],
     [".leaflet-control-layers-toggle", "layers"]].forEach(function (p) {
      c.querySelectorAll(p[0]).forEach(function (a) { a.title = t(p[1]); a.setAttribute("aria-label", t(p[1])); });
    });
    if (ctl.full) {
      ctl.full.options.title = t("fullscreen");
      ctl.full.options.titleCancel = t("fullscreen_exit");
      var fl = c.querySelector(".leaflet-control-zoom-fullscreen");
      if (fl) {
        fl.title = map.isFullscreen && map.isFullscreen() ? t("fullscreen_exit") : t("fullscreen");
        fl.setAttribute("aria-label", fl.title);
      }
    }
    if (ctl.locate) {
      L.extend(ctl.locate.options.strings, {title: t("locate"), popup: t("locate_popup"), metersUnit: t("meters"),
                                            outsideMapBoundsMsg: t("outside")});
      c.querySelectorAll(".leaflet-control-locate a").forEach(function (a) {
        a.title = t("locate");
        a.setAttribute("aria-label", t("locate"));
      });
    }
    if (map.gestureHandling) {
      var mac = /mac/i.test(navigator.platform || "");
      map.options.gestureHandlingOptions.text = {touch: t("touch"), scroll: t("scroll"), scrollMac: t("scroll_mac")};
      c.setAttribute("data-gesture-handling-touch-content", t("touch"));
      c.setAttribute("data-gesture-handling-scroll-content", t(mac ? "scroll_mac" : "scroll"));
    }
  }

  window.ocopMapControls = function (map) {
    var ctl = {};
    if (L.Control.FullScreen) { ctl.full = new L.Control.FullScreen({position: "topleft"}).addTo(map); }
    if (L.control.locate) { ctl.locate = L.control.locate({position: "topleft", flyTo: true}).addTo(map); }
    L.control.scale({position: "bottomleft", imperial: false, maxWidth: 100}).addTo(map);
    if (map.attributionControl) { map.attributionControl.setPrefix(false); }
    /* The page scrolls over the map: two fingers pan it on a touch screen, Ctrl / ⌘ + wheel zooms it
     * (leaflet-gesture-handling); in full screen the map takes every gesture. */
    if (map.gestureHandling) {
      localizeControls(map, ctl);
      map.gestureHandling.enable();
      map.on("enterFullscreen", function () { map.gestureHandling.disable(); });
      map.on("exitFullscreen", function () { map.gestureHandling.enable(); });
      /* after a two-finger gesture the plugin leaves dragging on, so the next one-finger swipe would pan the map
       * instead of scrolling the page: switch it off again when the fingers are lifted */
      map.getContainer().addEventListener("touchend", function (ev) {
        if (map.gestureHandling.enabled() && !ev.touches.length) { map.dragging.disable(); }
      });
    }
    /* Route lines repeat the itinerary table: hidden from screen readers and out of the tab order (Chrome makes
     * interactive SVG paths focusable); their tooltips are for the mouse. */
    map.getPane("overlayPane").setAttribute("aria-hidden", "true");
    function unfocusable(layer) { if (layer._path) { layer._path.setAttribute("tabindex", "-1"); } }
    map.on("layeradd", function (e) { unfocusable(e.layer); });
    map.eachLayer(unfocusable);
    nameMap(map, function () { return t("map"); });
    onLang(function () { nameMap(map, map._ocopName); });
    function layout() { map.getContainer().classList.toggle("ocop-narrow", narrow(map)); }
    layout();
    map.on("resize", layout);
    var note = L.control({position: "bottomleft"});
    var box;
    note.onAdd = function () {
      box = el("div", "ocop-offline");
      box.setAttribute("role", "status");
      box.hidden = true;
      function draw() { box.textContent = "\u26a0 " + t("offline_short"); box.title = t("offline"); }
      draw();
      onLang(draw);
      return box;
    };
    note.addTo(map);
    function show() { if (box) { box.hidden = false; } }
    if (navigator.onLine === false) { show(); }
    map.eachLayer(function (l) { if (l instanceof L.TileLayer) { l.on("tileerror", show); } });
    map.on("layeradd", function (e) { if (e.layer instanceof L.TileLayer) { e.layer.on("tileerror", show); } });
    setTimeout(function () { localizeControls(map, ctl); }, 0);  // after the page's script added the layer control
    onLang(function () { localizeControls(map, ctl); });
    state.map = map;
  };
})();
