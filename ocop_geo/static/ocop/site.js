/* Language switch of ocop_geo pages: both languages are in the page; this shows one. MIT. */
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
})();
