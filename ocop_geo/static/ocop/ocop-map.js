/* ocop_geo map script: draws stops and producers from JSON emitted once per page.
 * Every text is set with textContent / setAttribute, never innerHTML, so registry
 * strings render as text. (c) ocop_geo contributors, MIT. */
(function () {
  "use strict";
  var T = {
    vi: {arrival: "Đến", visit: "Tham quan", wait: "Chờ", min: "phút", hours: "Giờ mở cửa",
         products: "Sản phẩm OCOP", stars: "sao", approx: "Vị trí gần đúng", page: "Trang cơ sở",
         start: "Xuất phát", end: "Kết thúc", lunch: "Nghỉ trưa", producer: "Cơ sở OCOP", poi: "Điểm tham quan",
         offnet: "Đoạn ngoài mạng đường (đường thẳng)", legend: "Chú giải", all: "Tất cả nhóm",
         none: "Ẩn cơ sở", producers: "Cơ sở OCOP", filter: "Lọc theo nhóm",
         offline: "Bản đồ nền cần kết nối Internet; tuyến, điểm dừng và lịch trình vẫn dùng được.",
         food: "Thực phẩm", drink: "Đồ uống", herb: "Thảo dược", textile: "Vải, may mặc",
         craft: "Lưu niệm, nội thất", tourism: "Du lịch cộng đồng", other: "Nhóm khác",
         commune: "tâm xã", ward: "tâm phường/xã", district: "tâm quận/huyện", street: "theo đường", none_p: "không rõ"},
    en: {arrival: "Arrive", visit: "Visit", wait: "Wait", min: "min", hours: "Opening hours",
         products: "OCOP products", stars: "stars", approx: "Approximate location", page: "Producer page",
         start: "Start", end: "End", lunch: "Lunch break", producer: "OCOP producer", poi: "Sight",
         offnet: "Off the road network (straight line)", legend: "Legend", all: "All groups",
         none: "Hide producers", producers: "OCOP producers", filter: "Filter by group",
         offline: "The basemap needs an internet connection; the route, stops and itinerary still work.",
         food: "Food", drink: "Drinks", herb: "Herbal", textile: "Textiles",
         craft: "Souvenirs, decor", tourism: "Community tourism", other: "Other group",
         commune: "commune centre", ward: "ward centre", district: "district centre", street: "street level", none_p: "unknown"}
  };
  var ICON = {food: "\u2668", drink: "\u2615", herb: "\u2740", textile: "\u2702", craft: "\u2726",
              tourism: "\u2302", other: "\u25CF", start: "\u25B6", end: "\u25A0", lunch: "\u2600"};
  var state = window.ocop = window.ocop || {stopMarkers: 0, dayLayers: 0, producers: 0, redraw: []};

  function lang() {
    var l = document.documentElement.getAttribute("data-lang");
    return l === "en" ? "en" : "vi";
  }
  function t(key) { return T[lang()][key] || key; }
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

  function popup(rec) {
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
    var kind = rec.kind || "producer";
    if (kind !== "producer") { box.appendChild(el("p", "ocop-kind", t(kind))); }
    if (rec.stars) {
      var s = el("p", "ocop-stars", starText(rec.stars));
      s.setAttribute("aria-label", rec.stars + " " + t("stars"));
      box.appendChild(s);
    }
    var where = [rec.ward, rec.district].filter(Boolean).join(", ");
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
    if (rec.hours) { box.appendChild(el("p", null, t("hours") + ": " + rec.hours)); }
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

  function stopIcon(rec, color) {
    var pin = el("div", "ocop-pin ocop-" + rec.kind);
    pin.style.background = color;
    var label = rec.kind === "producer" || rec.kind === "poi" ? String(rec.seq) : ICON[rec.kind];
    pin.appendChild(el("span", "ocop-num", label));
    if (rec.kind === "producer") {
      var ico = el("span", "ocop-ico", ICON[rec.icon] || ICON.other);
      ico.setAttribute("aria-hidden", "true");
      pin.appendChild(ico);
      if (rec.stars) { pin.appendChild(el("span", "ocop-star", rec.stars + "\u2605")); }
    }
    return L.divIcon({className: "ocop-stop", html: pin, iconSize: [30, 30], iconAnchor: [15, 15],
                      popupAnchor: [0, -14]});
  }

  window.ocopDrawRoute = function (map, data, layers) {
    data.days.forEach(function (day) {
      var layer = layers[String(day.day)] || map;
      state.dayLayers += 1;
      day.stops.forEach(function (rec) {
        var m = L.marker([rec.lat, rec.lon], {icon: stopIcon(rec, day.color), keyboard: true,
                                              title: rec.seq + ". " + rec.name, riseOnHover: true,
                                              zIndexOffset: 1000});
        m.bindPopup(function () { return popup(rec); }, {maxWidth: 280});
        m.addTo(layer);
        state.stopMarkers += 1;
      });
    });
    var legend = L.control({position: "bottomleft"});
    legend.onAdd = function () {
      var outer = el("details", "ocop-legend leaflet-bar");
      if (window.innerWidth > 600) { outer.open = true; }
      var sum = el("summary");
      var box = el("div");
      outer.appendChild(sum);
      outer.appendChild(box);
      function draw() {
        box.textContent = "";
        sum.textContent = t("legend");
        data.days.forEach(function (day) {
          var row = el("div", "ocop-legend-row");
          var sw = el("span", "ocop-swatch");
          sw.style.background = day.color;
          row.appendChild(sw);
          row.appendChild(el("span", null, day.label[lang()]));
          box.appendChild(row);
        });
        ["start", "lunch", "end"].forEach(function (k) {
          box.appendChild(el("div", "ocop-legend-row", ICON[k] + " " + t(k)));
        });
        var off = el("div", "ocop-legend-row");
        off.appendChild(el("span", "ocop-dash"));
        off.appendChild(el("span", null, t("offnet")));
        box.appendChild(off);
      }
      draw();
      onLang(draw);
      L.DomEvent.disableClickPropagation(outer);
      return outer;
    };
    legend.addTo(map);
  };

  window.ocopDrawProducers = function (map, data) {
    var cluster = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 40});
    var markers = data.producers.map(function (rec) {
      var pin = el("div", "ocop-ppin", ICON[rec.icon] || ICON.other);
      pin.setAttribute("aria-hidden", "true");
      var m = L.marker([rec.lat, rec.lon], {
        icon: L.divIcon({className: "ocop-producer", html: pin, iconSize: [22, 22], iconAnchor: [11, 11]}),
        keyboard: true, title: rec.name});
      m.bindPopup(function () { return popup(rec); }, {maxWidth: 280});
      m.ocopGroups = rec.groups;
      return m;
    });
    state.producers += markers.length;
    cluster.addLayers(markers);
    cluster.addTo(map);
    var groups = [], english = {};
    data.producers.forEach(function (r) {
      r.groups.forEach(function (g, i) {
        if (groups.indexOf(g) < 0) { groups.push(g); }
        english[g] = (r.groups_en && r.groups_en[i]) || english[g] || g;
      });
    });
    groups.sort();
    var ctl = L.control({position: "topright"});
    ctl.onAdd = function () {
      var box = el("div", "ocop-filter leaflet-bar");
      var label = el("label");
      var cap = el("span");
      var sel = el("select");
      sel.setAttribute("aria-label", t("filter"));
      function draw() {
        var keep = sel.value;
        cap.textContent = t("producers") + " ";
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
      label.appendChild(cap);
      label.appendChild(sel);
      box.appendChild(label);
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    ctl.addTo(map);
    state.producerCluster = cluster;
  };

  window.ocopMapControls = function (map) {
    if (L.Control.FullScreen) { new L.Control.FullScreen({position: "topleft"}).addTo(map); }
    if (L.control.locate) { L.control.locate({position: "topleft", flyTo: true}).addTo(map); }
    var note = L.control({position: "bottomright"});
    var box;
    note.onAdd = function () {
      box = el("div", "ocop-offline");
      box.setAttribute("role", "status");
      box.hidden = true;
      function draw() { box.textContent = t("offline"); }
      draw();
      onLang(draw);
      return box;
    };
    note.addTo(map);
    function show() { if (box) { box.hidden = false; } }
    if (navigator.onLine === false) { show(); }
    map.eachLayer(function (l) { if (l instanceof L.TileLayer) { l.on("tileerror", show); } });
    map.on("layeradd", function (e) { if (e.layer instanceof L.TileLayer) { e.layer.on("tileerror", show); } });
    state.map = map;
  };
})();
