/* ocop_geo service worker (sites served over http(s)): keeps the pages a visitor opened, their assets and
 * the offline basemap tiles they viewed, so that the site opens again without signal. The site's static
 * assets are stored when the worker installs. The cache is named after a hash of the site's files: a
 * republished site installs a new worker, which deletes the old cache. Written by ocop_geo.webapp. MIT. */
"use strict";
var VERSION = "__OCOP_VERSION__";
var CACHE = "ocop-" + VERSION;
var PRECACHE = __OCOP_PRECACHE__;
var OFFLINE_PAGE = "<!DOCTYPE html><html lang=\"vi\"><meta charset=\"utf-8\">" +
  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Ngoại tuyến · Offline</title>" +
  "<link rel=\"icon\" href=\"" + new URL("icons/icon-192.png", self.registration.scope).href + "\">" +
  "<body style=\"font:16px/1.5 sans-serif;margin:24px\"><h1>Chưa lưu trang này</h1>" +
  "<p>Không có kết nối mạng và trang này chưa được mở trên máy này khi còn mạng. Hãy quay lại trang chủ hoặc các tuyến đã xem.</p>" +
  "<h2 lang=\"en\">This page is not saved</h2><p lang=\"en\">There is no connection and this page was not opened on this " +
  "device while online. Go back to the home page or to a route you have viewed.</p>" +
  "<p><a href=\"" + new URL("index.html", self.registration.scope).href + "\">Trang chủ · Home</a></p></body></html>";

function sameOrigin(url) { return new URL(url, self.location.href).origin === self.location.origin; }
function store(request, response) {
  if (!response || !response.ok || response.type === "opaque") { return; }
  var copy = response.clone();
  caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(PRECACHE.map(function (path) {
      return new Request(new URL(path, self.registration.scope).href, {cache: "no-cache"});
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf("ocop-") === 0 && name !== CACHE; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

/* The page lists what it loaded before this worker controlled it (its own address, scripts, basemap tiles). */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "ocop-keep" || !Array.isArray(data.urls)) { return; }
  var urls = data.urls.filter(sameOrigin);
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.map(function (url) {
      return cache.match(url, {ignoreSearch: true}).then(function (hit) {
        return hit || cache.add(url).catch(function () { return null; });
      });
    }));
  }).then(function () {
    if (event.source) { event.source.postMessage({type: "ocop-kept", version: VERSION, count: urls.length}); }
  }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || !sameOrigin(request.url)) { return; }  /* online map tiles: as usual */
  var page = request.mode === "navigate" || (request.headers.get("accept") || "").indexOf("text/html") >= 0;
  if (page) {  /* pages: the network first (a republished page shows), the stored copy without signal */
    event.respondWith(fetch(request).then(function (response) {
      store(request, response);
      return response;
    }).catch(function () {
      return caches.match(request, {ignoreSearch: true}).then(function (hit) {
        return hit || new Response(OFFLINE_PAGE, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
      });
    }));
    return;
  }
  event.respondWith(caches.match(request, {ignoreSearch: true}).then(function (hit) {  /* assets, tiles: stored first */
    return hit || fetch(request).then(function (response) {
      store(request, response);
      return response;
    });
  }));
});
