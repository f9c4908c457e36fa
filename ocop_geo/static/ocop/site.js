/* ocop_geo pages: the language switch (both languages are in the page; this shows one) and, over http(s),
 * the service worker that keeps the pages a visitor opens for use without signal. MIT. */
(function () {
  "use strict";
  var root = document.documentElement;
  function apply(l) {
    root.setAttribute("data-lang", l);
    root.setAttribute("lang", l);
    var b = document.getElementById("lang-switch");
    if (b) { b.setAttribute("aria-pressed", l === "en" ? "true" : "false"); }
    document.dispatchEvent(new CustomEvent("ocop:lang", {detail: l}));
  }
  var wanted = null;
  var m = /[?&]lang=(vi|en)\b/.exec(window.location.search);
  if (m) { wanted = m[1]; } else {
    try { wanted = window.localStorage.getItem("ocop-lang"); } catch (e) { wanted = null; }
  }
  if (wanted === "vi" || wanted === "en") { apply(wanted); }
  document.addEventListener("DOMContentLoaded", function () {
    var b = document.getElementById("lang-switch");
    if (!b) { return; }
    b.addEventListener("click", function () {
      var next = root.getAttribute("data-lang") === "en" ? "vi" : "en";
      try { window.localStorage.setItem("ocop-lang", next); } catch (e) { /* storage off */ }
      apply(next);
    });
  });

  /* Offline use: only when served over http(s) (pages opened from disk have their files at hand). The worker
   * (sw.js at the site's root, written by ocop_geo.webapp) is told what this page loaded before it took over:
   * the page itself, its scripts and styles, the basemap tiles of the first view. */
  var me = document.currentScript;
  var offline = window.ocopOffline = {state: "off"};
  if ("serviceWorker" in navigator && /^https?:$/.test(window.location.protocol) && me && me.src) {
    var siteRoot = me.src.replace(/static\/ocop\/site\.js([?#].*)?$/, "");
    offline.state = "registering";
    navigator.serviceWorker.addEventListener("message", function (e) {
      if (e.data && e.data.type === "ocop-kept") { offline.state = "kept"; offline.version = e.data.version; }
    });
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(siteRoot + "sw.js", {scope: siteRoot}).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function (reg) {
        var urls = [window.location.href.split("#")[0]];
        (window.performance && performance.getEntriesByType ? performance.getEntriesByType("resource") : [])
          .forEach(function (r) { urls.push(r.name); });
        offline.state = "keeping";
        reg.active.postMessage({type: "ocop-keep", urls: urls});
      }).catch(function (err) { offline.state = "failed"; offline.error = String(err); });
    });
  }
})();
