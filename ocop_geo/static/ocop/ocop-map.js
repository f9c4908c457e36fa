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
         commune: "tâm xã", ward: "tâm phường/xã", district: "tâm quận/huyện", street: "theo đường", none_p: "không rõ",
         unit2025: "Đơn vị 2025", venues: "Điểm bán, hội chợ, lưu trú", address: "Địa chỉ", dates: "Thời gian",
         contact: "Liên hệ", source: "Nguồn", venue: "Địa điểm OCOP", opened: "Khai trương",
         showroom: "Showroom OCOP", display_point: "Điểm trưng bày OCOP", point_of_sale: "Điểm bán sản phẩm OCOP",
         fair: "Hội chợ OCOP", market: "Phiên chợ OCOP", agritourism: "Du lịch nông nghiệp",
         hotel: "Khách sạn", restaurant: "Nhà hàng",
         v_shop: "Showroom, điểm trưng bày, điểm bán OCOP", v_fair: "Hội chợ, phiên chợ",
         v_farm: "Du lịch nông nghiệp", v_hotel: "Khách sạn", v_restaurant: "Nhà hàng", v_venue: "Địa điểm khác"},
    en: {arrival: "Arrive", visit: "Visit", wait: "Wait", min: "min", hours: "Opening hours",
         products: "OCOP products", stars: "stars", approx: "Approximate location", page: "Producer page",
         start: "Start", end: "End", lunch: "Lunch break", producer: "OCOP producer", poi: "Sight",
         offnet: "Off the road network (straight line)", legend: "Legend", all: "All groups",
         none: "Hide producers", producers: "OCOP producers", filter: "Filter by group",
         offline: "The basemap needs an internet connection; the route, stops and itinerary still work.",
         food: "Food", drink: "Drinks", herb: "Herbal", textile: "Textiles",
         craft: "Souvenirs, decor", tourism: "Community tourism", other: "Other group",
         commune: "commune centre", ward: "ward centre", district: "district centre", street: "street level", none_p: "unknown",
         unit2025: "2025", venues: "OCOP shops, fairs, stays", address: "Address", dates: "Dates",
         contact: "Contact", source: "Source", venue: "OCOP venue", opened: "Opened",
         showroom: "OCOP showroom", display_point: "OCOP display point", point_of_sale: "OCOP point of sale",
         fair: "OCOP fair", market: "OCOP market", agritourism: "Agritourism",
         hotel: "Hotel", restaurant: "Restaurant",
         v_shop: "OCOP showroom, display point, shop", v_fair: "Fair, market",
         v_farm: "Agritourism", v_hotel: "Hotel", v_restaurant: "Restaurant", v_venue: "Other venue"}
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

  function popup(rec, isVenue) {
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

  /* One legend per map, in sections (route days, venue kinds), redrawn when the language changes. */
  function legendOf(map) {
    if (map._ocopLegend) { return map._ocopLegend; }
    var sections = [];
    var legend = L.control({position: "bottomleft"});
    var box, sum;
    function draw() {
      box.textContent = "";
      sum.textContent = t("legend");
      sections.forEach(function (fn) { fn(box); });
    }
    legend.onAdd = function () {
      var outer = el("details", "ocop-legend leaflet-bar");
      if (window.innerWidth > 600) { outer.open = true; }
      sum = el("summary");
      box = el("div");
      outer.appendChild(sum);
      outer.appendChild(box);
      draw();
      onLang(draw);
      L.DomEvent.disableClickPropagation(outer);
      L.DomEvent.disableScrollPropagation(outer);
      return outer;
    };
    legend.addTo(map);
    map._ocopLegend = {add: function (fn) { sections.push(fn); draw(); }};
    return map._ocopLegend;
  }

  /* Popups pan clear of the map's controls: on a phone the zoom / filter controls span the top of the map. */
  function popupOptions(map) {
    var size = map.getSize();
    var narrow = size.x < 600;
    return {maxWidth: Math.min(280, size.x - 40), autoPanPaddingTopLeft: L.point(10, narrow ? 150 : 60),
            autoPanPaddingBottomRight: L.point(10, narrow ? 60 : 40)};
  }

  function stopIcon(rec, color) {
    var pin = el("div", "ocop-pin ocop-" + rec.kind);
    pin.style.background = color;
    var label = rec.kind === "producer" || rec.kind === "poi" ? String(rec.seq) : ICON[rec.kind];
    pin.appendChild(el("span", "ocop-num", label));
    if (rec.venue) {  // a venue used as a stop: its own square badge beside the number
      var badge = el("span", "ocop-ico ocop-vbadge ocop-v-" + (VENUE_PATH[rec.venue.icon] ? rec.venue.icon : "venue"));
      badge.appendChild(venueGlyph(rec.venue.icon));
      pin.appendChild(badge);
    }
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
        m.bindPopup(function () { return popup(rec); }, popupOptions(map));
        m.addTo(layer);
        state.stopMarkers += 1;
      });
    });
    legendOf(map).add(function (box) {
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
    });
  };

  window.ocopDrawVenues = function (map, data, layers) {
    var layer = layers.venues || map;
    var icons = (data.icons || []).filter(function (i) { return VENUE_PATH[i]; });
    data.venues.forEach(function (rec) {
      var icon = VENUE_PATH[rec.icon] ? rec.icon : "venue";
      if (icons.indexOf(icon) < 0) { icons.push(icon); }
      var m = L.marker([rec.lat, rec.lon], {
        icon: L.divIcon({className: "ocop-venue", html: venuePin(icon), iconSize: [24, 24], iconAnchor: [12, 12],
                         popupAnchor: [0, -10]}),
        keyboard: true, title: rec.name, zIndexOffset: 500});
      m.bindPopup(function () { return popup(rec, true); }, popupOptions(map));
      m.addTo(layer);
      state.venues += 1;
    });
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

  window.ocopDrawProducers = function (map, data) {
    var cluster = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 40});
    var markers = data.producers.map(function (rec) {
      var pin = el("div", "ocop-ppin", ICON[rec.icon] || ICON.other);
      pin.setAttribute("aria-hidden", "true");
      var m = L.marker([rec.lat, rec.lon], {
        icon: L.divIcon({className: "ocop-producer", html: pin, iconSize: [22, 22], iconAnchor: [11, 11]}),
        keyboard: true, title: rec.name});
      m.bindPopup(function () { return popup(rec); }, popupOptions(map));
      m.ocopGroups = rec.groups;
      return m;
    });
    state.producers += markers.length;
    cluster.addLayers(markers);
    cluster.addTo(map);
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
    var note = L.control({position: "bottomleft"});
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
