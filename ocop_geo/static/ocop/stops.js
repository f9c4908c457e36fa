/* On the road: today's opening hours and an open-now badge per stop, and the page's share button. MIT.
 *
 * Each <div class="oh" data-week="[[[480,1020]], ...]"> holds the weekly opening windows (Monday first, minutes
 * after midnight) computed in Python (ocop_geo.visitor.week_windows). Today is the visitor's today in
 * Asia/Ho_Chi_Minh (UTC+7 all year, no daylight saving), whenever the page is opened, and the badge is
 * refreshed every minute and when the page comes back to the foreground. Every text is written in both
 * languages (site.js shows one) with textContent: nothing from the page's data is parsed as HTML.
 */
(function () {
  "use strict";
  var VN_OFFSET_MS = 7 * 3600 * 1000;
  /* Messages in English (the catalogue's msgids, ocop_geo/locale); messages.js holds their translations. */
  function N_(s) { return s; }
  var MSG = {days: [N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
                    N_("Sunday")],
             today: N_("Today"), closedToday: N_("closed"), allDay: N_("open 24 hours"),
             open: N_("Open now"), closed: N_("Closed now"), until: N_("closes at"), at: N_("opens at"),
             tomorrow: N_("tomorrow")};
  /* The messages in one language. */
  function texts(lang) {
    var tr = function (en) { return window.ocopMsg ? window.ocopMsg(en, lang) : en; };
    var out = {};
    Object.keys(MSG).forEach(function (k) { out[k] = Array.isArray(MSG[k]) ? MSG[k].map(tr) : tr(MSG[k]); });
    return out;
  }

  /* Weekday (0 = Monday) and minutes after midnight now, in Ho Chi Minh City. */
  function nowInVietnam() {
    var d = new Date(Date.now() + VN_OFFSET_MS);
    return {day: (d.getUTCDay() + 6) % 7, min: d.getUTCHours() * 60 + d.getUTCMinutes()};
  }

  function clock(m) { return Math.floor(m / 60) + ":" + ("0" + (m % 60)).slice(-2); }

  function spans(windows, t) {
    if (!windows.length) { return t.closedToday; }
    if (windows.length === 1 && windows[0][0] === 0 && windows[0][1] >= 1440) { return t.allDay; }
    return windows.map(function (w) { return clock(w[0]) + "–" + clock(w[1]); }).join(", ");
  }

  /* Open now (and until when), else when it opens next within a week. */
  function status(week, now) {
    var today = week[now.day] || [];
    for (var i = 0; i < today.length; i++) {
      if (now.min >= today[i][0] && now.min < today[i][1]) {
        var tomorrow = week[(now.day + 1) % 7] || [];
        var allNight = today[i][1] >= 1440 && tomorrow.length && tomorrow[0][0] === 0;
        return {open: true, until: allNight ? null : today[i][1]};
      }
    }
    for (var k = 0; k < 7; k++) {
      var day = (now.day + k) % 7, ws = week[day] || [];
      for (var j = 0; j < ws.length; j++) {
        if (k > 0 || ws[j][0] > now.min) { return {open: false, next: {inDays: k, day: day, at: ws[j][0]}}; }
      }
    }
    return {open: false, next: null};
  }

  function both(el, make) {
    el.textContent = "";
    ["vi", "en"].forEach(function (lang) {
      var s = document.createElement("span");
      s.setAttribute("lang", lang);
      s.textContent = make(texts(lang), lang);
      el.appendChild(s);
    });
  }

  function badgeText(st, t) {
    if (st.open) { return t.open + (st.until === null ? "" : " · " + t.until + " " + clock(st.until)); }
    if (!st.next) { return t.closed; }
    var when = st.next.inDays === 0 ? "" : " " + (st.next.inDays === 1 ? t.tomorrow : t.days[st.next.day]);
    return t.closed + " · " + t.at + " " + clock(st.next.at) + when;
  }

  function update() {
    var now = nowInVietnam();
    document.querySelectorAll(".oh[data-week]").forEach(function (box) {
      var week;
      try { week = JSON.parse(box.getAttribute("data-week")); } catch (e) { return; }
      if (!Array.isArray(week) || week.length !== 7) { return; }
      var st = status(week, now);
      both(box.querySelector(".oh-today"), function (t) {
        return t.today + " (" + t.days[now.day] + "): " + spans(week[now.day], t);
      });
      var badge = box.querySelector(".oh-badge");
      both(badge, function (t) { return badgeText(st, t); });
      badge.className = "oh-badge " + (st.open ? "is-open" : "is-closed");
      box.querySelector(".oh-now").hidden = false;
    });
  }

  /* The page's address to share: the public URL when the site knows it, else this page without its query. */
  function shareUrl(btn) {
    var given = btn.getAttribute("data-url");
    if (given) { return given; }
    return window.location.href.split("#")[0].split("?")[0];
  }

  function show(box, which) {
    box.querySelector(".share-ok").hidden = which !== "ok";
    box.querySelector(".share-manual").hidden = which !== "manual";
  }

  function copy(box, url) {
    var manual = function () {
      var input = box.querySelector(".share-url");
      input.value = url;
      show(box, "manual");
      input.focus();
      input.select();
    };
    var legacy = function () {
      var area = document.createElement("textarea");
      area.value = url;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { show(box, "ok"); } else { manual(); }
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(function () { show(box, "ok"); }, legacy);
    } else {
      legacy();
    }
  }

  function onShare(event) {
    var btn = event.currentTarget, box = btn.closest(".share"), url = shareUrl(btn);
    if (navigator.share) {
      navigator.share({title: btn.getAttribute("data-title") || document.title, url: url}).catch(function (err) {
        if (!err || err.name !== "AbortError") { copy(box, url); }
      });
    } else {
      copy(box, url);
    }
  }

  function start() {
    update();
    window.setInterval(update, 60 * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { update(); } });
    document.querySelectorAll(".share-btn").forEach(function (b) { b.addEventListener("click", onShare); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
