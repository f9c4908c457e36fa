/* The route studio's page (ocop-geo studio): route form, plan editing, registry view, publishing.
 * Talks only to the studio's own JSON API (same origin, CSRF token from the page). Every text is a catalogue
 * message marked N_("English") and looked up when shown (messages.js, window.ocopMsg). Data from the registry or a
 * spec only ever reaches the page as textContent, never as HTML. */
(function () {
  "use strict";

  var state = {
    lang: document.documentElement.getAttribute("data-lang") || "vi",
    vocab: null, file: { name: "", version: "new" }, data: null, plan: null, orders: [], locked: {}, removed: {},
    client: Math.random().toString(36).slice(2), reg: null, regVersion: 0, regById: {}, selected: null,
    busy: 0, planSeq: 0
  };
  var CSRF = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var WEEKDAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

  function N_(en) { return window.ocopMsg ? window.ocopMsg(en, state.lang) : en; }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return values && k in values ? String(values[k]) : m; });
  }
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  function pick(text) { return text && typeof text === "object" ? (text[state.lang] || text.vi || text.en || "") : (text || ""); }
  function setStatus(text, busy) {
    var s = $("status");
    s.textContent = text || "";
    s.classList.toggle("busy", !!busy);
  }

  // --- the API ----------------------------------------------------------------------------------------------
  function api(method, path, body) {
    var opts = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.headers["X-CSRF-Token"] = CSRF;
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return { error: N_("The studio did not answer; is it still running?") }; })
        .then(function (j) {
          if (!r.ok) { var e = new Error(j.error || String(r.status)); e.status = r.status; e.body = j; throw e; }
          return j;
        });
    }, function () {
      var e = new Error(N_("The studio did not answer; is it still running?")); e.status = 0; e.body = {}; throw e;
    });
  }

  // --- form errors ------------------------------------------------------------------------------------------
  function showErrors(err) {
    var box = $("form-errors");
    box.textContent = "";
    document.querySelectorAll('[aria-invalid="true"]').forEach(function (x) { x.removeAttribute("aria-invalid"); });
    if (!err) { box.hidden = true; return; }
    var problems = (err.body && err.body.problems) || [];
    box.appendChild(el("strong", { text: problems.length > 1 || / problem\(s\) /.test(err.message) ?
      fill(N_("{n} problem(s) to fix:"), { n: problems.length }) : err.message }));
    if (problems.length) {
      var ul = el("ul");
      problems.forEach(function (p) {
        var text = String(p).replace(/^(studio|RouteSpec\.build|[\w-]+\.toml): /, "");
        ul.appendChild(el("li", { text: text }));
        var field = text.split(":")[0].split(/[.[]/)[0];
        var input = $("f-" + field) || document.querySelector('[data-field="' + field + '"] input');
        if (input) input.setAttribute("aria-invalid", "true");
      });
      box.appendChild(ul);
    }
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  // --- the spec form ----------------------------------------------------------------------------------------
  function blankSpec() {
    return { id: "", title_vi: "", mode: "motorbike", days: [], day_window: ["08:00", "17:30"],
             start: { poi: "Chợ Bến Thành" }, lunch: { window: ["11:00", "13:00"], minutes: 60 } };
  }
  function setKey(obj, key, value) {
    var empty = value === "" || value === null || value === undefined || (Array.isArray(value) && !value.length);
    if (empty) delete obj[key]; else obj[key] = value;
  }
  function num(v) { var n = Number(v); return v === "" || !isFinite(n) ? null : n; }
  function int(v) { var n = num(v); return n === null ? null : Math.round(n); }

  function placeLabel(p) {
    if (!p) return "";
    if (typeof p === "string") return p;
    if (p.poi) return p.poi;
    if (p.venue) { var v = state.regById[p.venue]; return (p.name || (v ? v.name : p.venue)) + " (" + p.venue + ")"; }
    if (p.producer) { var r = state.regById[p.producer]; return (r ? r.name : p.producer) + " (" + p.producer + ")"; }
    if (p.osm) return p.name || p.osm;
    if (p.lat !== undefined) return (p.name || "") + " (" + Number(p.lat).toFixed(4) + ", " + Number(p.lon).toFixed(4) + ")";
    return "";
  }
  function placeFromHit(h) {
    if (h.kind === "venue") return { venue: h.ref };
    if (h.kind === "producer") return { producer: h.ref };
    return { poi: h.label };
  }

  // A search box with a list of hits (producers, venues, POIs; or districts from the vocabulary).
  function searchBox(kinds, placeholder, onPick, id) {
    var input = el("input", { type: "search", placeholder: placeholder, autocomplete: "off", "aria-autocomplete": "list",
                              id: id || null, "aria-label": id ? null : placeholder });
    var list = el("ul", { class: "hits", role: "listbox", hidden: true });
    var timer = null, hits = [], active = -1;
    function render() {
      list.textContent = "";
      hits.forEach(function (h, i) {
        var li = el("li", { role: "option", "aria-selected": i === active ? "true" : "false",
                            onmousedown: function (ev) { ev.preventDefault(); choose(i); } },
                    [el("span", { text: h.label }), el("small", { text: h.detail ? h.detail : kindName(h.kind) })]);
        list.appendChild(li);
      });
      list.hidden = !hits.length;
    }
    function choose(i) {
      var h = hits[i];
      if (!h) return;
      input.value = ""; hits = []; render();
      onPick(h);
    }
    function query() {
      var q = input.value.trim();
      if (!q) { hits = []; render(); return; }
      if (kinds === "district") {
        var f = fold(q);
        hits = state.vocab.districts.filter(function (d) { return fold(d).indexOf(f) >= 0; })
          .map(function (d) { return { ref: d, label: d, kind: "district", detail: "" }; }).slice(0, 12);
        active = hits.length ? 0 : -1; render(); return;
      }
      api("GET", "/api/search?q=" + encodeURIComponent(q) + "&kinds=" + encodeURIComponent(kinds)).then(function (j) {
        if (input.value.trim() !== q) return;
        hits = j.hits; active = hits.length ? 0 : -1; render();
      }, function () {});
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(query, 140); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") { active = Math.min(hits.length - 1, active + 1); render(); ev.preventDefault(); }
      else if (ev.key === "ArrowUp") { active = Math.max(0, active - 1); render(); ev.preventDefault(); }
      else if (ev.key === "Enter") { if (hits.length) { choose(Math.max(0, active)); ev.preventDefault(); } }
      else if (ev.key === "Escape") { hits = []; render(); }
    });
    input.addEventListener("blur", function () { setTimeout(function () { hits = []; render(); }, 150); });
    return el("div", { class: "search-box" }, [input, list]);
  }
  function fold(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  function kindName(kind) {
    return { producer: N_("producer"), venue: N_("venue"), poi: N_("place"), district: N_("district") }[kind] || kind;
  }

  // A place field: the value, a search to change it, a button to clear it (optional fields).
  function placeField(container, get, set, optional) {
    container.querySelectorAll(".place-value, .search-box").forEach(function (x) { x.remove(); });
    var value = get();
    if (value) {
      var row = el("div", { class: "place-value" }, [el("span", { text: placeLabel(value) })]);
      if (optional) row.appendChild(el("button", { type: "button", class: "small", text: N_("Remove"),
        onclick: function () { set(null); placeField(container, get, set, optional); } }));
      container.appendChild(row);
    }
    container.appendChild(searchBox("poi,venue,producer", value ? N_("Change: type a place name") : N_("Type a place name"),
      function (h) { set(placeFromHit(h)); placeField(container, get, set, optional); }));
  }

  // A list of chips (producer ids or district names) with a search to add one.
  function chipsField(container, key, kinds) {
    container.querySelectorAll(".chips, .search-box").forEach(function (x) { x.remove(); });
    var path = key.split("."), owner = path.length > 1 ? (state.data[path[0]] = state.data[path[0]] || {}) : state.data;
    var last = path[path.length - 1];
    var values = (owner[last] || []).slice();
    var chips = el("div", { class: "chips" });
    values.forEach(function (v) {
      var r = state.regById[v];
      chips.appendChild(el("span", { class: "chip" }, [el("span", { text: r ? r.name + " (" + v + ")" : v }),
        el("button", { type: "button", "aria-label": N_("Remove") + " " + v, text: "×", onclick: function () {
          setKey(owner, last, values.filter(function (x) { return x !== v; }));
          chipsField(container, key, kinds);
        } })]));
    });
    container.appendChild(chips);
    container.appendChild(searchBox(kinds, kinds === "district" ? N_("Add a district") : N_("Add a producer"), function (h) {
      if (values.indexOf(h.ref) < 0) values.push(h.ref);
      setKey(owner, last, values);
      chipsField(container, key, kinds);
    }));
  }

  function dayEntry(d) { return typeof d === "object" && d !== null ? d : { date: d }; }
  function dayText(d) { d = dayEntry(d); return d.date || d.weekday || ""; }

  function renderDays() {
    var box = $("days");
    box.textContent = "";
    (state.data.days || []).forEach(function (d, i) {
      var entry = dayEntry(d);
      var input = el("input", { value: dayText(d), id: i === 0 ? "f-days" : null, placeholder: "2026-12-05 / Sa",
        "aria-label": fill(N_("Day {n}: date (YYYY-MM-DD) or weekday (Mo … Su)"), { n: i + 1 }) });
      input.addEventListener("change", function () {
        var v = input.value.trim();
        var key = WEEKDAYS.indexOf(v) >= 0 ? "weekday" : "date";
        if (typeof d === "object" && d !== null) { delete d.date; delete d.weekday; d[key] = v; }
        else state.data.days[i] = v;
      });
      var row = el("div", { class: "day-row" }, [
        el("label", {}, [fill(N_("Day {n}"), { n: i + 1 }), input]),
        el("button", { type: "button", class: "small", text: N_("Remove"), onclick: function () {
          state.data.days.splice(i, 1); renderDays();
        } })
      ]);
      ["start", "end"].forEach(function (k) {
        var f = el("div", { class: "place-field" }, [el("span", { class: "lbl", text: k === "start" ?
          N_("This day starts at (optional)") : N_("This day ends at (optional)") })]);
        row.appendChild(f);
        placeField(f, function () { return entry[k]; }, function (v) {
          var obj = dayEntry(state.data.days[i]);
          if (v) obj[k] = v; else delete obj[k];
          var keys = Object.keys(obj);
          state.data.days[i] = keys.length === 1 && keys[0] === "date" ? obj.date : obj;
          entry = obj;
        }, true);
      });
      box.appendChild(row);
    });
  }

  function renderPoiStops() {
    var box = $("poi-stops");
    box.textContent = "";
    (state.data.poi_stops || []).forEach(function (s, i) {
      var minutes = el("input", { type: "number", min: "5", max: "480", value: s.minutes || 60,
        "aria-label": N_("Minutes") });
      minutes.addEventListener("change", function () { s.minutes = int(minutes.value) || 60; });
      box.appendChild(el("div", { class: "poi-row" }, [el("span", { text: placeLabel(s) || s.name || "" }), minutes,
        el("button", { type: "button", class: "small", "aria-label": N_("Remove"), text: "×", onclick: function () {
          state.data.poi_stops.splice(i, 1);
          if (!state.data.poi_stops.length) delete state.data.poi_stops;
          renderPoiStops();
        } })]));
    });
    box.appendChild(searchBox("poi,venue", N_("Add a sight or showroom"), function (h) {
      var stop = h.kind === "venue" ? { venue: h.ref, minutes: 45 } : { poi: h.label, minutes: 60 };
      (state.data.poi_stops = state.data.poi_stops || []).push(stop);
      renderPoiStops();
    }));
  }

  function fillForm() {
    var d = state.data;
    $("f-file").value = state.file.name || "";
    ["id", "title_vi", "title_en", "description_vi", "description_en"].forEach(function (k) { $("f-" + k).value = d[k] || ""; });
    var mode = $("f-mode");
    mode.textContent = "";
    state.vocab.modes.forEach(function (m) { mode.appendChild(el("option", { value: m, text: modeName(m) })); });
    mode.value = d.mode || "motorbike";
    var w = d.day_window || ["08:00", "17:30"];
    $("f-window-0").value = w[0]; $("f-window-1").value = w[1];
    renderDays();
    placeField(document.querySelector('[data-field="start"]'), function () { return d.start; },
      function (v) { setKey(d, "start", v); }, false);
    placeField(document.querySelector('[data-field="end"]'), function () { return d.end; },
      function (v) { setKey(d, "end", v); }, true);
    var lunch = d.lunch;
    $("f-lunch").checked = !!lunch;
    $("lunch-fields").hidden = !lunch;
    var lw = (lunch && lunch.window) || ["11:00", "13:00"];
    $("f-lunch-0").value = lw[0]; $("f-lunch-1").value = lw[1];
    $("f-lunch-minutes").value = (lunch && lunch.minutes) || 60;
    $("f-lunch-detour").value = lunch && lunch.detour_minutes !== undefined ? lunch.detour_minutes : "";
    $("f-lunch-detour").placeholder = "15";
    placeField(document.querySelector('[data-field="lunch"]'), function () {
      var l = d.lunch || {};
      return l.poi ? { poi: l.poi } : l.venue ? { venue: l.venue } : l.lat !== undefined ? { lat: l.lat, lon: l.lon, name: l.name } : null;
    }, function (v) {
      var l = d.lunch = d.lunch || { window: ["11:00", "13:00"] };
      ["poi", "venue", "osm", "lat", "lon", "name"].forEach(function (k) { delete l[k]; });
      if (v) Object.keys(v).forEach(function (k) { if (k !== "producer") l[k] = v[k]; });
    }, true);
    var themes = $("themes");
    themes.textContent = "";
    var chosen = (d.themes || []).map(fold);
    state.vocab.groups.forEach(function (g) {
      var box = el("input", { type: "checkbox", value: g.vi });
      box.checked = chosen.indexOf(fold(g.vi)) >= 0 || chosen.indexOf(fold(g.en)) >= 0;
      box.addEventListener("change", readThemes);
      themes.appendChild(el("label", {}, [box, el("span", { text: state.lang === "vi" ? g.vi : g.en })]));
    });
    $("f-min_stars").value = String(d.min_stars || 0);
    ["max_stops_per_day", "default_visit_minutes", "max_km_per_day", "max_travel_minutes_per_day"].forEach(function (k) {
      $("f-" + k).value = d[k] === undefined ? "" : d[k];
    });
    $("f-default_visit_minutes").placeholder = "45";
    document.querySelectorAll(".chips-field").forEach(function (c) { chipsField(c, c.dataset.field, c.dataset.kinds); });
    renderPoiStops();
    var kinds = $("venue-kinds");
    kinds.textContent = "";
    var vs = d.venue_stops, have = Array.isArray(vs) ? vs : vs && vs.kinds ? vs.kinds : [];
    state.vocab.venue_kinds.forEach(function (k) {
      if (["hotel", "restaurant", "market"].indexOf(k.code) >= 0) return;
      var box = el("input", { type: "checkbox", value: k.code });
      box.checked = have.indexOf(k.code) >= 0;
      box.addEventListener("change", readVenueKinds);
      kinds.appendChild(el("label", {}, [box, el("span", { text: state.lang === "vi" ? k.vi : k.en })]));
    });
  }
  function readThemes() {
    var out = [];
    document.querySelectorAll("#themes input:checked").forEach(function (b) { out.push(b.value); });
    var before = (state.data.themes || []).map(fold), same = out.length === before.length;
    if (!same || out.some(function (t) { return before.indexOf(fold(t)) < 0; })) setKey(state.data, "themes", out);
  }
  function readVenueKinds() {
    var out = [];
    document.querySelectorAll("#venue-kinds input:checked").forEach(function (b) { out.push(b.value); });
    var vs = state.data.venue_stops;
    if (vs && !Array.isArray(vs)) { if (out.length) vs.kinds = out; else delete state.data.venue_stops; }
    else setKey(state.data, "venue_stops", out);
  }
  function modeName(m) {
    return { motorbike: N_("Motorbike"), car: N_("Car"), coach: N_("Coach"), bicycle: N_("Bicycle"), walk: N_("Walking") }[m] || m;
  }

  function bindForm() {
    ["id", "title_vi", "title_en", "description_vi", "description_en"].forEach(function (k) {
      $("f-" + k).addEventListener("change", function () { setKey(state.data, k, $("f-" + k).value.trim()); });
    });
    $("f-file").addEventListener("change", function () { state.file.name = $("f-file").value.trim(); });
    $("f-mode").addEventListener("change", function () { state.data.mode = $("f-mode").value; });
    function windowChanged() {
      var w = [$("f-window-0").value, $("f-window-1").value];
      var old = state.data.day_window;
      if (!old || old[0] !== w[0] || old[1] !== w[1]) state.data.day_window = w;
    }
    $("f-window-0").addEventListener("change", windowChanged);
    $("f-window-1").addEventListener("change", windowChanged);
    $("f-lunch").addEventListener("change", function () {
      if ($("f-lunch").checked) state.data.lunch = state.data.lunch || { window: [$("f-lunch-0").value || "11:00", $("f-lunch-1").value || "13:00"], minutes: 60 };
      else delete state.data.lunch;
      $("lunch-fields").hidden = !state.data.lunch;
    });
    function lunchChanged() {
      var l = state.data.lunch;
      if (!l) return;
      var w = [$("f-lunch-0").value, $("f-lunch-1").value];
      if (!l.window || l.window[0] !== w[0] || l.window[1] !== w[1]) l.window = w;
      var m = int($("f-lunch-minutes").value);
      if (m !== null && m !== l.minutes) l.minutes = m;
      var dt = int($("f-lunch-detour").value);
      if (dt === null) delete l.detour_minutes; else if (dt !== l.detour_minutes) l.detour_minutes = dt;
    }
    ["f-lunch-0", "f-lunch-1", "f-lunch-minutes", "f-lunch-detour"].forEach(function (i) { $(i).addEventListener("change", lunchChanged); });
    $("f-min_stars").addEventListener("change", function () {
      var v = int($("f-min_stars").value);
      if (!v) { if (state.data.min_stars !== undefined) state.data.min_stars = 0; } else state.data.min_stars = v;
    });
    [["max_stops_per_day", int], ["default_visit_minutes", int], ["max_km_per_day", num], ["max_travel_minutes_per_day", num]]
      .forEach(function (p) {
        $("f-" + p[0]).addEventListener("change", function () {
          var v = p[1]($("f-" + p[0]).value);
          if (v !== state.data[p[0]]) setKey(state.data, p[0], v);
        });
      });
    $("add-day").addEventListener("click", function () {
      var days = state.data.days = state.data.days || [];
      var last = days.length ? dayText(days[days.length - 1]) : "";
      var next = "";
      if (/^\d{4}-\d{2}-\d{2}$/.test(last)) {
        var t = new Date(last + "T12:00:00Z"); t.setUTCDate(t.getUTCDate() + 1); next = t.toISOString().slice(0, 10);
      } else if (!last) {
        var n = new Date(); n.setUTCDate(n.getUTCDate() + ((6 - n.getUTCDay() + 7) % 7 || 7)); next = n.toISOString().slice(0, 10);
      }
      days.push(next || "Sa");
      renderDays();
    });
  }

  // --- route files ------------------------------------------------------------------------------------------
  function renderRouteList(routes) {
    var sel = $("route-file");
    sel.textContent = "";
    sel.appendChild(el("option", { value: "", text: N_("— open a route file —") }));
    routes.forEach(function (r) {
      sel.appendChild(el("option", { value: r.name, text: r.name + (r.title ? " · " + r.title : "") }));
    });
    sel.value = state.file.version === "new" ? "" : state.file.name;
  }
  function openRoute(name) {
    if (!name) return;
    setStatus(N_("Opening…"), true);
    api("GET", "/api/routes/" + encodeURIComponent(name)).then(function (j) {
      state.file = { name: j.name, version: j.version };
      state.data = j.data;
      state.locked = {}; state.removed = {};
      fillForm(); showErrors(null); setStatus(fill(N_("Opened {name}.toml"), { name: j.name }));
    }, function (e) { showErrors(e); setStatus(""); });
  }
  function newRoute() {
    state.file = { name: "", version: "new" };
    state.data = blankSpec();
    state.locked = {}; state.removed = {};
    $("route-file").value = "";
    fillForm(); showErrors(null);
    $("f-file").focus();
    setStatus(N_("New route: fill in the form, then Plan"));
  }
  function save() {
    readThemes();
    var name = state.file.name || $("f-file").value.trim();
    if (!name) {
      showErrors({ message: N_("Give the route a file name (letters, digits, - and _)"), body: { problems: [] } });
      $("f-file").setAttribute("aria-invalid", "true"); $("f-file").focus(); return;
    }
    setStatus(N_("Saving…"), true);
    api("POST", "/api/routes/" + encodeURIComponent(name), { data: state.data, version: state.file.version })
      .then(function (j) {
        state.file = { name: j.name, version: j.version };
        renderRouteList(j.routes); showErrors(null);
        setStatus(fill(N_("Saved to data/routes/{name}.toml"), { name: j.name }));
      }, function (e) { showErrors(e); setStatus(N_("Not saved")); });
  }

  // --- planning ---------------------------------------------------------------------------------------------
  function plan() {
    readThemes();
    var seq = ++state.planSeq;
    $("plan").disabled = true; $("reoptimise").disabled = true;
    setStatus(N_("Planning…"), true);
    api("POST", "/api/plan", { data: state.data, client: state.client }).then(function (j) {
      if (seq !== state.planSeq) return;
      showErrors(null); showPlan(j);
      setStatus(N_("Planned"));
    }, function (e) {
      if (e.body && e.body.superseded) return;
      if (seq !== state.planSeq) return;
      showErrors(e); setStatus(N_("Not planned"));
    }).then(function () {
      if (seq === state.planSeq) { $("plan").disabled = false; $("reoptimise").disabled = false; }
    });
  }
  function showPlan(j) {
    state.plan = j;
    state.orders = j.itinerary.days.map(function (d) {
      return d.stops.filter(function (s) { return s.uid; }).map(function (s) { return s.uid; });
    });
    $("plan-empty").hidden = true; $("plan-body").hidden = false;
    renderPlan(); drawPlan();
  }
  function retime() {
    if (!state.plan) return;
    setStatus(N_("Re-timing…"), true);
    api("POST", "/api/plans/" + state.plan.plan_id + "/retime", { days: state.orders }).then(function (j) {
      state.plan = j; renderPlan(); drawPlan(); setStatus(N_("Re-timed"));
    }, function (e) { setStatus(e.message); });
  }
  function reoptimise() {
    if (!state.plan) return;
    var d = state.data, must = (d.must_visit || []).slice(), excl = (d.exclude || []).slice();
    var stops = {};
    state.plan.itinerary.days.forEach(function (day) { day.stops.forEach(function (s) { if (s.uid) stops[s.uid] = s; }); });
    Object.keys(state.locked).forEach(function (uid) {
      var s = stops[uid];
      if (!s) return;
      if (s.kind === "producer") { if (must.indexOf(uid) < 0) must.push(uid); excl = excl.filter(function (x) { return x !== uid; }); }
      else if (s.kind === "poi" && !(d.poi_stops || []).some(function (p) { return p.venue === uid || ("poi-" + p.name) === uid; })
               && /^HCM-V/.test(uid)) {
        (d.poi_stops = d.poi_stops || []).push({ venue: uid, minutes: Math.round(s.visit_min) || 30 });
      }
    });
    Object.keys(state.removed).forEach(function (uid) {
      var s = state.removed[uid];
      if (s === "producer" && must.indexOf(uid) < 0 && excl.indexOf(uid) < 0) excl.push(uid);
    });
    setKey(d, "must_visit", must); setKey(d, "exclude", excl);
    fillForm();
    plan();
  }

  function ink(color) {
    var c = color.replace("#", ""), r = parseInt(c.slice(0, 2), 16), g = parseInt(c.slice(2, 4), 16), b = parseInt(c.slice(4, 6), 16);
    function lin(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
    var L = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    return (1.05 / (L + 0.05)) >= ((L + 0.05) / 0.05) ? "#fff" : "#111";
  }
  function minutes(x) { return Math.round(x); }

  function renderPlan() {
    var it = state.plan.itinerary, box = $("days-plan");
    box.textContent = "";
    var warnings = state.plan.edit_warnings || [];
    var general = $("plan-warnings");
    general.textContent = "";
    it.days.forEach(function (day, di) {
      var km = day.totals.distance_m / 1000, ride = day.totals.travel_s / 60;
      var head = el("h2", { class: ink(day.color) === "#111" ? "ink-dark" : "", style: "background:" + day.color }, [
        el("span", { text: fill(N_("Day {n}"), { n: day.day }) + (day.date ? " · " + day.date : " · " + day.weekday) }),
        el("span", { text: fill(N_("{km} km · {min} min riding"), { km: km.toFixed(1), min: minutes(ride) }) })
      ]);
      var sec = el("section", { class: "day", "data-day": String(day.day) }, [head]);
      var v = day.verdict;
      if (v) {
        var summary = pick(v.summary), badge = statusName(v.status);
        if (summary.toLowerCase().indexOf(badge.toLowerCase() + ":") === 0) summary = summary.slice(badge.length + 1).trim();
        var vb = el("div", { class: "verdict" }, [el("span", { class: "badge " + v.status, text: badge }),
          el("span", { text: summary })]);
        if (v.reasons && v.reasons.length > 1) {
          var ul = el("ul");
          v.reasons.slice(1).forEach(function (r) { ul.appendChild(el("li", { text: state.lang === "vi" ? r.vi : r.en })); });
          vb.appendChild(ul);
        }
        sec.appendChild(vb);
      }
      var dayWarn = warnings.filter(function (w) { return w.day === day.day && w.seq === null; });
      if (dayWarn.length) {
        var wl = el("ul", { class: "day-warn" });
        dayWarn.forEach(function (w) { wl.appendChild(el("li", { text: pick(w.text) })); });
        sec.appendChild(wl);
      }
      var ol = el("ol", { class: "stops", "data-day": String(di), "aria-label": fill(N_("Stops of day {n}"), { n: day.day }) });
      ol.addEventListener("dragover", function (ev) { ev.preventDefault(); });
      ol.addEventListener("drop", function (ev) { ev.preventDefault(); dropOn(di, null, ev); });
      day.stops.forEach(function (s) { ol.appendChild(stopItem(day, di, s, warnings)); });
      sec.appendChild(ol);
      box.appendChild(sec);
    });
    var left = $("left-out"), lu = left.querySelector("ul");
    left.querySelector("summary").textContent = fill(N_("Left out: {n} producers and places, with the reason"), { n: it.not_chosen.length });
    lu.textContent = "";
    it.not_chosen.forEach(function (n) {
      var li = el("li", {}, [el("strong", { text: n.name }), " ", el("span", { class: "code", text: "(" + n.site_id + ")" }),
        ": " + (state.lang === "vi" && n.reason_vi ? n.reason_vi : n.reason)]);
      if (state.regById[n.site_id] && state.regById[n.site_id].lat !== null && !state.removed[n.site_id]) {
        li.appendChild(el("button", { type: "button", class: "small", text: N_("Add"), onclick: function () { addStop(n.site_id, 0); } }));
      }
      lu.appendChild(li);
    });
    if ((it.warnings || []).length) {
      var d = el("details", {}, [el("summary", { text: fill(N_("{n} notes of the planner"), { n: it.warnings.length }) })]);
      var ul2 = el("ul");
      it.warnings.forEach(function (w) { ul2.appendChild(el("li", { text: w })); });
      d.appendChild(ul2);
      general.appendChild(d);
    }
  }
  function statusName(s) { return { good: N_("good"), thin: N_("thin"), empty: N_("empty") }[s] || s; }
  function kindLabel(k) {
    return { start: N_("Start"), end: N_("End"), lunch: N_("Lunch"), producer: N_("producer"), poi: N_("place") }[k] || k;
  }

  /* The visit's number in its day, as on the published pages (1, 2, 3 … with start, lunch and end not counted). */
  function visitNo(day, s) {
    var n = 0;
    for (var i = 0; i < day.stops.length; i++) {
      var k = day.stops[i].kind;
      if (k !== "start" && k !== "end" && k !== "lunch") { n += 1; }
      if (day.stops[i] === s) { return n; }
    }
    return s.seq;
  }

  function stopItem(day, di, s, warnings) {
    var visit = !!s.uid;
    var label = s.kind === "start" ? "▶" : s.kind === "end" ? "■" : s.kind === "lunch" ? "☀" : String(visitNo(day, s));
    var times = s.kind === "start" ? fill(N_("leave {t}"), { t: s.start })
      : s.kind === "end" ? fill(N_("back {t}"), { t: s.arrival })
      : fill(N_("arrive {a} · {s}–{e}"), { a: s.arrival, s: s.start, e: s.end }) +
        (s.wait_min >= 1 ? " · " + fill(N_("wait {n} min"), { n: minutes(s.wait_min) }) : "");
    var li = el("li", { class: "stop " + (visit ? "visit" : "fixed") + (state.locked[s.uid] ? " locked" : ""),
                        "data-uid": s.uid || null, draggable: visit ? "true" : null, tabindex: visit ? "0" : null }, [
      el("span", { class: "num", style: "background:" + day.color + ";color:" + ink(day.color), text: label, "aria-hidden": "true" }),
      el("span", { class: "name", text: s.name + (s.stars ? " · " + s.stars + "★" : "") }),
    ]);
    if (visit) {
      var tools = el("span", { class: "tools" });
      var locked = !!state.locked[s.uid];
      if (s.kind !== "lunch") tools.appendChild(el("button", { type: "button", class: "lock", "aria-pressed": locked ? "true" : "false",
        title: N_("Lock: keep this stop when re-optimising"), "aria-label": N_("Lock") + ": " + s.name,
        onclick: function () {
          if (state.locked[s.uid]) delete state.locked[s.uid]; else state.locked[s.uid] = s.kind;
          renderPlan();
        } }, [padlock(locked)]));
      if (state.plan.itinerary.days.length > 1) {
        var sel = el("select", { "aria-label": N_("Move to day") + ": " + s.name });
        state.plan.itinerary.days.forEach(function (d, k) {
          sel.appendChild(el("option", { value: String(k), text: fill(N_("Day {n}"), { n: d.day }) }));
        });
        sel.value = String(di);
        sel.addEventListener("change", function () { moveStop(s.uid, Number(sel.value), null); });
        tools.appendChild(sel);
      }
      tools.appendChild(el("button", { type: "button", class: "remove", "aria-label": N_("Remove") + ": " + s.name,
        title: N_("Remove from the route"), text: "×", onclick: function () { removeStop(s.uid, s.kind); } }));
      li.appendChild(tools);
      li.addEventListener("dragstart", function (ev) { ev.dataTransfer.setData("text/plain", s.uid); ev.dataTransfer.effectAllowed = "move"; li.classList.add("dragging"); });
      li.addEventListener("dragend", function () { li.classList.remove("dragging"); });
      li.addEventListener("dragover", function (ev) { ev.preventDefault(); li.classList.add("drop-before"); });
      li.addEventListener("dragleave", function () { li.classList.remove("drop-before"); });
      li.addEventListener("drop", function (ev) { ev.preventDefault(); ev.stopPropagation(); li.classList.remove("drop-before"); dropOn(di, s.uid, ev); });
      li.addEventListener("keydown", function (ev) {
        if (!ev.altKey || (ev.key !== "ArrowUp" && ev.key !== "ArrowDown")) return;
        ev.preventDefault();
        var order = state.orders[di], i = order.indexOf(s.uid), j = ev.key === "ArrowUp" ? i - 1 : i + 1;
        if (j < 0 || j >= order.length) return;
        order.splice(i, 1); order.splice(j, 0, s.uid);
        retime();
      });
    }
    li.appendChild(el("span", { class: "times", text: kindLabel(s.kind) + " · " + times }));
    warnings.filter(function (w) { return w.day === day.day && w.seq === s.seq; }).forEach(function (w) {
      li.appendChild(el("span", { class: "warn", text: pick(w.text) }));
    });
    return li;
  }
  function padlock(closed) {  // drawn, not an emoji: the department's fonts may have none
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 16 16"); svg.setAttribute("width", "16"); svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    var body = document.createElementNS(ns, "rect");
    [["x", "3"], ["y", "7"], ["width", "10"], ["height", "8"], ["rx", "1.5"], ["fill", "currentColor"]].forEach(function (a) { body.setAttribute(a[0], a[1]); });
    var shackle = document.createElementNS(ns, "path");
    shackle.setAttribute("d", closed ? "M5 7V5a3 3 0 0 1 6 0v2" : "M5 7V5a3 3 0 0 1 6 0");
    shackle.setAttribute("fill", "none"); shackle.setAttribute("stroke", "currentColor"); shackle.setAttribute("stroke-width", "2");
    if (!closed) shackle.setAttribute("transform", "translate(3 -1)");
    svg.appendChild(shackle); svg.appendChild(body);
    return svg;
  }
  function dropOn(di, beforeUid, ev) {
    var uid = ev.dataTransfer.getData("text/plain");
    if (!uid || uid === beforeUid) return;
    moveStop(uid, di, beforeUid);
  }
  function moveStop(uid, di, beforeUid) {
    state.orders.forEach(function (o) { var i = o.indexOf(uid); if (i >= 0) o.splice(i, 1); });
    var order = state.orders[di], at = beforeUid ? order.indexOf(beforeUid) : -1;
    if (at < 0) order.push(uid); else order.splice(at, 0, uid);
    retime();
  }
  function removeStop(uid, kind) {
    state.orders.forEach(function (o) { var i = o.indexOf(uid); if (i >= 0) o.splice(i, 1); });
    delete state.locked[uid];
    if (kind !== "lunch") state.removed[uid] = kind;
    retime();
  }
  function addStop(uid, di) {
    if (state.orders.some(function (o) { return o.indexOf(uid) >= 0; })) return;
    delete state.removed[uid];
    var order = state.orders[di || 0];
    var lunchAt = order.findIndex(function (u) { return /^lunch-/.test(u); });
    order.push(uid);
    if (lunchAt < 0) { /* nothing to keep in place */ }
    retime();
  }

  // --- maps -------------------------------------------------------------------------------------------------
  var maps = {};
  function makeMap(id) {
    var m = L.map(id, { zoomControl: true, preferCanvas: false }).setView([10.85, 106.65], 10);
    var osm = "© <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap contributors</a>";
    L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", { maxZoom: 19, attribution: osm }).addTo(m);
    L.control.scale({ imperial: false }).addTo(m);
    if (window.ocopBasemap && window.ocopBasemap.attach) { window.ocopBasemap.attach(m, { attribution: osm }); }  // no internet needed
    return m;
  }
  function drawPlan() {
    var m = maps.route;
    if (!m) return;
    if (maps.routeLayer) maps.routeLayer.remove();
    var layer = maps.routeLayer = L.layerGroup().addTo(m);
    var bounds = [];
    state.plan.itinerary.days.forEach(function (day) {
      day.stops.forEach(function (s) {
        if (s.leg_in && s.leg_in.coordinates.length > 1) {
          L.polyline(s.leg_in.coordinates.map(function (c) { return [c[1], c[0]]; }),
            { color: day.color, weight: 5, opacity: 0.8, dashArray: s.leg_in.off_network ? "6 8" : null, interactive: false }).addTo(layer);
        }
        var label = s.kind === "start" ? "▶" : s.kind === "end" ? "■" : s.kind === "lunch" ? "☀" : day.day + "-" + visitNo(day, s);
        if (s.kind === "end" && day.stops[0].lat === s.lat && day.stops[0].lon === s.lon) return;
        var icon = L.divIcon({ className: "", html: "", iconSize: [30, 30], iconAnchor: [15, 15] });
        var mk = L.marker([s.lat, s.lon], { icon: icon, title: s.name, keyboard: true, riseOnHover: true }).addTo(layer);
        var pin = mk.getElement();
        if (pin) {
          var span = el("span", { class: "stop-pin", style: "width:30px;height:30px;background:" + day.color + ";color:" + ink(day.color), text: label });
          pin.appendChild(span);
        }
        mk.bindPopup(function () {
          return el("div", {}, [el("strong", { text: s.name }), el("br"),
            el("span", { text: (s.arrival ? s.arrival + " → " : "") + s.start + "–" + s.end })]);
        });
        bounds.push([s.lat, s.lon]);
      });
    });
    var inRoute = {};
    state.orders.forEach(function (o) { o.forEach(function (u) { inRoute[u] = true; }); });
    (state.reg || []).forEach(function (r) {
      if (r.lat === null || inRoute[r.id] || (r.kind === "producer" && r.status !== "certified")) return;
      L.circleMarker([r.lat, r.lon], { radius: 6, color: "#fff", weight: 2, fillColor: r.kind === "venue" ? "#6a51a3" : "#6b7b73", fillOpacity: 0.9 })
        .bindPopup(function () {
          var box = el("div", {}, [el("strong", { text: r.name }), el("br"), el("span", { text: (r.district || r.unit_2025 || "") + (r.stars ? " · " + r.stars + "★" : "") }), el("br")]);
          state.plan.itinerary.days.forEach(function (d, k) {
            box.appendChild(el("button", { type: "button", class: "small", text: fill(N_("Add to day {n}"), { n: d.day }),
              onclick: function () { m.closePopup(); addStop(r.id, k); } }));
          });
          return box;
        }).addTo(layer);
    });
    if (bounds.length) m.fitBounds(bounds, { padding: [30, 30], maxZoom: 13 });
  }

  // --- registry view ----------------------------------------------------------------------------------------
  function loadRegistry() {
    return api("GET", "/api/registry").then(function (j) {
      state.reg = j.rows; state.regVersion = j.version; state.regById = {};
      j.rows.forEach(function (r) { state.regById[r.id] = r; });
      fillRegistryFilters();
      renderRegistry();
    });
  }
  function option(sel, value, text) { sel.appendChild(el("option", { value: value, text: text })); }
  function fillRegistryFilters() {
    var keep = {};
    ["r-district", "r-group", "r-status", "r-precision"].forEach(function (i) { keep[i] = $(i).value; });
    var d = $("r-district"); d.textContent = ""; option(d, "", N_("All"));
    var names = {};
    state.reg.forEach(function (r) { if (r.district) names["d:" + r.district] = r.district; if (r.unit_2025) names["u:" + r.unit_2025] = r.unit_2025 + " (2025)"; });
    Object.keys(names).sort(function (a, b) { return names[a].localeCompare(names[b], "vi"); }).forEach(function (k) { option(d, k, names[k]); });
    var g = $("r-group"); g.textContent = ""; option(g, "", N_("All"));
    state.vocab.groups.forEach(function (x) { option(g, x.vi, state.lang === "vi" ? x.vi : x.en); });
    var s = $("r-status"); s.textContent = ""; option(s, "", N_("All"));
    option(s, "certified", N_("OCOP-certified producer")); option(s, "candidate", N_("candidate (not certified yet)")); option(s, "venue", N_("venue (showroom, fair …)"));
    var stars = $("r-stars"); stars.options[0].textContent = N_("All");
    var p = $("r-precision"); p.textContent = ""; option(p, "", N_("All"));
    [["exact", N_("exact")], ["street", N_("street")], ["ward", N_("ward / commune centre")], ["district", N_("district centre")], ["none", N_("not placed")]]
      .forEach(function (x) { option(p, x[0], x[1]); });
    Object.keys(keep).forEach(function (i) { $(i).value = keep[i]; });
  }
  function filtered() {
    var q = fold($("r-q").value.trim()), d = $("r-district").value, g = $("r-group").value, st = $("r-stars").value,
      status = $("r-status").value, prec = $("r-precision").value;
    return state.reg.filter(function (r) {
      if (q && fold(r.name + " " + r.id + " " + r.address).indexOf(q) < 0) return false;
      if (d && !((d[0] === "d" && r.district === d.slice(2)) || (d[0] === "u" && r.unit_2025 === d.slice(2)))) return false;
      if (g && (r.groups || []).indexOf(g) < 0) return false;
      if (st && String(r.stars) !== st) return false;
      if (status && r.status !== status) return false;
      if (prec && r.precision !== prec && !(prec === "ward" && r.precision === "commune")) return false;
      return true;
    });
  }
  function renderRegistry() {
    var rows = filtered(), body = document.querySelector("#r-table tbody");
    body.textContent = "";
    $("r-count").textContent = fill(N_("{n} of {total} producers and venues"), { n: rows.length, total: state.reg.length });
    rows.forEach(function (r) {
      var tr = el("tr", { tabindex: "0", "aria-selected": state.selected === r.id ? "true" : "false",
                          onclick: function () { selectRow(r.id); },
                          onkeydown: function (ev) { if (ev.key === "Enter") selectRow(r.id); } }, [
        el("td", { text: r.id }), el("td", { text: r.name }), el("td", { text: r.district || r.unit_2025 }),
        el("td", { text: r.stars ? r.stars + "★" : "" }), el("td", { text: precisionName(r.precision) }),
        el("td", { class: "prob", text: r.problems.length ? String(r.problems.length) : "" })
      ]);
      body.appendChild(tr);
    });
    drawRegistry(rows);
    if (state.selected && state.regById[state.selected]) renderCard(state.regById[state.selected]);
  }
  function precisionName(p) {
    return { exact: N_("exact"), poi: N_("exact"), street: N_("street"), ward: N_("ward / commune centre"), commune: N_("ward / commune centre"),
             district: N_("district centre"), none: N_("not placed") }[p] || p;
  }
  function drawRegistry(rows) {
    var m = maps.registry;
    if (!m) return;
    if (maps.regLayer) maps.regLayer.remove();
    var layer = maps.regLayer = L.layerGroup().addTo(m);
    maps.regMarkers = {};
    rows.forEach(function (r) {
      if (r.lat === null) return;
      var color = r.kind === "venue" ? "#6a51a3" : r.status === "certified" ? "#0b5d3b" : "#8c6d1f";
      var mk = L.circleMarker([r.lat, r.lon], { radius: r.id === state.selected ? 10 : 7, color: "#fff", weight: 2, fillColor: color,
        fillOpacity: r.precision === "exact" || r.precision === "street" ? 0.95 : 0.55 }).addTo(layer);
      mk.bindTooltip(r.name);
      mk.on("click", function () { selectRow(r.id); });
      maps.regMarkers[r.id] = mk;
    });
    if (!maps.regFitted) {
      var pts = rows.filter(function (r) { return r.lat !== null; }).map(function (r) { return [r.lat, r.lon]; });
      if (pts.length) { m.fitBounds(pts, { padding: [20, 20] }); maps.regFitted = true; }
    }
  }
  function selectRow(id) {
    state.selected = id;
    document.querySelectorAll("#r-table tbody tr").forEach(function (tr) {
      tr.setAttribute("aria-selected", tr.firstChild.textContent === id ? "true" : "false");
    });
    var r = state.regById[id];
    renderCard(r);
    if (maps.dragPin) { maps.dragPin.remove(); maps.dragPin = null; }
    var m = maps.registry;
    var at = r.lat !== null ? [r.lat, r.lon] : m.getCenter();
    var pin = maps.dragPin = L.marker(at, { draggable: true, title: N_("Drag to correct the location"), keyboard: true }).addTo(m);
    pin.on("dragend", function () {
      var ll = pin.getLatLng();
      state.pendingLocation = [Number(ll.lat.toFixed(6)), Number(ll.lng.toFixed(6))];
      renderCard(r);
    });
    state.pendingLocation = null;
    if (r.lat !== null) m.panTo(at);
  }
  function renderCard(r) {
    var card = $("card");
    card.hidden = false;
    card.textContent = "";
    card.appendChild(el("h3", { text: r.name }));
    var dl = el("dl");
    function row(k, v) { if (v !== "" && v !== null && v !== undefined) { dl.appendChild(el("dt", { text: k })); dl.appendChild(el("dd", { text: String(v) })); } }
    row(N_("Id"), r.id);
    row(N_("Kind"), r.kind === "producer" ? (r.type || N_("producer")) : r.type);
    row(N_("Address"), r.address);
    row(N_("District / 2025 unit"), [r.ward, r.district, r.unit_2025 && r.unit_2025 + " (2025)"].filter(Boolean).join(", "));
    row(N_("Location"), precisionName(r.precision) + (r.lat !== null ? " (" + r.lat.toFixed(5) + ", " + r.lon.toFixed(5) + ")" : ""));
    row(N_("Opening hours"), r.hours || N_("not known"));
    if (r.kind === "producer") row(N_("Visit minutes"), r.visit_minutes === null ? N_("default of the route") : r.visit_minutes);
    row(N_("Phone"), r.phone);
    row(N_("Notes"), r.notes);
    row(N_("Geocoder"), r.geocode_note);
    card.appendChild(dl);
    if (r.products.length) {
      card.appendChild(el("div", { class: "lbl", text: N_("Products") }));
      var ul = el("ul");
      r.products.forEach(function (p) {
        ul.appendChild(el("li", { text: p.name + (p.stars ? " · " + p.stars + "★" : "") + (p.group ? " · " + p.group : "") +
          (p.status === "candidate" ? " · " + N_("candidate") : "") }));
      });
      card.appendChild(ul);
    }
    if (r.problems.length) {
      card.appendChild(el("div", { class: "lbl", text: N_("Problems") }));
      var pu = el("ul", { class: "prob" });
      r.problems.forEach(function (p) { pu.appendChild(el("li", { text: pick(p) })); });
      card.appendChild(pu);
    }
    card.appendChild(editForm(r));
    if (r.history.length) {
      card.appendChild(el("div", { class: "lbl", text: N_("Corrections made") }));
      var hu = el("ul", { class: "history" });
      r.history.slice().reverse().forEach(function (h) {
        hu.appendChild(el("li", { text: h.when.slice(0, 16).replace("T", " ") + " · " + h.who + " · " + h.field + " = " +
          JSON.stringify(h.value) + " · " + h.why }));
      });
      card.appendChild(hu);
    }
  }
  function editForm(r) {
    var form = el("form", { class: "edit", "aria-label": N_("Correct this entry") });
    var fields = state.vocab.editable[r.kind];
    var hours = el("input", { value: r.hours, placeholder: "Mo-Sa 08:00-17:00", id: "e-hours" });
    var visit = el("input", { type: "number", min: "5", max: "480", value: r.visit_minutes === null ? "" : r.visit_minutes, id: "e-visit" });
    var note = el("input", { value: r.notes, id: "e-notes" });
    var who = el("input", { value: localStorage.getItem("ocop-studio-who") || "", id: "e-who", required: "required" });
    var why = el("input", { id: "e-why", required: "required", placeholder: N_("e.g. phoned the producer on 20/11") });
    var grid = el("div", { class: "edit-grid" }, [
      el("label", {}, [N_("Opening hours"), hours]),
      fields.indexOf("visit_minutes") >= 0 ? el("label", {}, [N_("Visit minutes"), visit]) : el("span"),
      el("label", {}, [N_("Note"), note]),
      el("label", {}, [N_("New location (drag the pin on the map)"), el("input", { id: "e-location", readonly: "readonly",
        value: state.pendingLocation ? state.pendingLocation.join(", ") : "" })]),
      el("label", {}, [N_("Your name"), who]),
      el("label", {}, [N_("Why (source of the correction)"), why])
    ]);
    var msg = el("div", { class: "errors", role: "alert", hidden: true });
    var button = el("button", { type: "submit", class: "primary", text: N_("Save the correction") });
    form.appendChild(grid); form.appendChild(msg); form.appendChild(button);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      localStorage.setItem("ocop-studio-who", who.value.trim());
      var edits = [];
      if (hours.value.trim() !== r.hours) edits.push(["opening_hours", hours.value.trim()]);
      if (fields.indexOf("visit_minutes") >= 0 && visit.value !== (r.visit_minutes === null ? "" : String(r.visit_minutes))) edits.push(["visit_minutes", visit.value]);
      if (note.value.trim() !== r.notes) edits.push(["notes", note.value.trim()]);
      if (state.pendingLocation) edits.push(["location", state.pendingLocation]);
      if (!edits.length) { msg.hidden = false; msg.textContent = N_("Nothing changed"); return; }
      button.disabled = true;
      var chain = Promise.resolve();
      edits.forEach(function (e) {
        chain = chain.then(function () {
          return api("POST", "/api/registry/edit", { kind: r.kind, id: r.id, field: e[0], value: e[1], who: who.value, why: why.value,
                                                     version: state.regVersion })
            .then(function (j) { state.regVersion = j.version; });
        });
      });
      chain.then(function () {
        state.pendingLocation = null;
        setStatus(fill(N_("Saved {n} correction(s) to the overlay"), { n: edits.length }));
        return loadRegistry().then(function () { selectRow(r.id); });
      }, function (e) {
        msg.hidden = false; msg.textContent = "";
        msg.appendChild(el("strong", { text: e.message }));
        var ul = el("ul");
        ((e.body && e.body.problems) || []).forEach(function (p) { ul.appendChild(el("li", { text: p })); });
        msg.appendChild(ul);
      }).then(function () { button.disabled = false; });
    });
    return form;
  }

  // --- publish ----------------------------------------------------------------------------------------------
  function publish() {
    if (!state.plan) return;
    $("publish").disabled = true;
    setStatus(N_("Publishing…"), true);
    api("POST", "/api/plans/" + state.plan.plan_id + "/publish", {}).then(function (j) {
      setStatus(j.published ? N_("Published") : N_("Not published"));
      var dlg = $("preview");
      $("preview-note").textContent = j.published ? fill(N_("Written to {folder}"), { folder: j.folder }) :
        N_("Not published") + ": " + j.not_published;
      if (j.published) {
        $("preview-frame").src = j.preview;
        $("preview-open").href = j.preview;
      }
      $("preview-frame").hidden = !j.published;
      dlg.showModal();
    }, function (e) { setStatus(N_("Not published") + ": " + e.message); }).then(function () { $("publish").disabled = false; });
  }

  // --- tabs, language ---------------------------------------------------------------------------------------
  function showTab(which) {
    var route = which === "route";
    $("tab-route").setAttribute("aria-selected", route ? "true" : "false");
    $("tab-registry").setAttribute("aria-selected", route ? "false" : "true");
    $("view-route").hidden = !route;
    $("view-registry").hidden = route;
    if (!route && !maps.registry) { maps.registry = makeMap("registry-map"); renderRegistry(); }
    setTimeout(function () { (route ? maps.route : maps.registry).invalidateSize(); }, 30);
  }
  function switchLanguage() {
    state.lang = state.lang === "vi" ? "en" : "vi";
    document.documentElement.setAttribute("data-lang", state.lang);
    document.documentElement.setAttribute("lang", state.lang);
    if (state.data) fillForm();
    if (state.plan) renderPlan();
    if (state.reg) { fillRegistryFilters(); renderRegistry(); }
  }

  function start() {
    maps.route = makeMap("route-map");
    $("tab-route").addEventListener("click", function () { showTab("route"); });
    $("tab-registry").addEventListener("click", function () { showTab("registry"); });
    $("lang-switch").addEventListener("click", switchLanguage);
    $("route-file").addEventListener("change", function () { openRoute($("route-file").value); });
    $("new-route").addEventListener("click", newRoute);
    $("save").addEventListener("click", save);
    $("plan").addEventListener("click", plan);
    $("reoptimise").addEventListener("click", reoptimise);
    $("publish").addEventListener("click", publish);
    $("preview-close").addEventListener("click", function () { $("preview").close(); });
    document.querySelectorAll(".preview-bar [data-width]").forEach(function (b) {
      b.addEventListener("click", function () { $("preview-frame").style.width = b.dataset.width + "px"; });
    });
    ["r-q", "r-district", "r-group", "r-stars", "r-status", "r-precision"].forEach(function (i) {
      $(i).addEventListener(i === "r-q" ? "input" : "change", renderRegistry);
    });
    $("add-stop-q").parentNode.replaceWith(searchBox("producer,venue", N_("Producer or showroom name"), function (h) {
      addStop(h.ref, 0);
    }, "add-stop-q"));
    bindForm();
    setStatus(N_("Loading the registry…"), true);
    api("GET", "/api/bootstrap").then(function (v) {
      state.vocab = v;
      renderRouteList(v.routes);
      return loadRegistry();
    }).then(function () {
      newRoute();
      setStatus(N_("Ready"));
      document.body.setAttribute("data-ready", "true");
    }, function (e) { setStatus(e.message); });
  }
  document.addEventListener("DOMContentLoaded", start);
})();
