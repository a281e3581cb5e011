// The field pages' service worker (scope /m/): the pages a cadre opened and the visit and
// risk and change forms are kept, so that they open without a connection; the forms' entries wait
// in IndexedDB (field.js) until they can be sent. Pages come from the network first (a
// cached page is shown only when there is none); nothing that is sent (POST) or that
// carries a file (photos, the API) is ever cached.
var CACHE = "jz-field-v2";
var SHELL = ["/m/", "/m/visit", "/m/risk", "/m/change", "/m/outbox", "/assets/field/field.js", "/assets/field/field.css"];
var FORMS = ["/m/visit", "/m/risk", "/m/change", "/m/outbox"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all(SHELL.map(function (url) {
        return fetch(url, { credentials: "same-origin" }).then(function (r) {
          if (storable(r)) { return cache.put(url, r); }
        }).catch(function () {});
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k !== CACHE; })
        .map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// Kept: the field pages a cadre works from offline — the list, a household's card with
// its numbers masked, the forms — and their script and style. Never kept: the API, the
// photos, a card with its numbers revealed, the feedback tickets, the change requests'
// review, the printed cards, and
// any answer the server marks no-store.
var NEVER = [
  "/m/api/", "/m/photo/", "/m/feedback", "/m/cards", "/m/overdue", "/m/changes", "/m/sw.js",
];

function keep(url) {
  return url.origin === self.location.origin &&
    (url.pathname.indexOf("/m/") === 0 || url.pathname.indexOf("/assets/field/") === 0) &&
    !NEVER.some(function (p) { return url.pathname.indexOf(p) === 0; }) &&
    url.searchParams.get("reveal") !== "1";
}

function storable(r) {
  return r.ok && !r.redirected && !/no-store/.test(r.headers.get("Cache-Control") || "");
}

self.addEventListener("fetch", function (event) {
  var req = event.request, url = new URL(req.url);
  if (req.method !== "GET" || !keep(url)) { return; }
  // One form for every household: its cached copy answers any query.
  var form = FORMS.indexOf(url.pathname) >= 0;
  event.respondWith(
    fetch(req).then(function (r) {
      if (storable(r)) {
        var copy = r.clone();
        caches.open(CACHE).then(function (c) { c.put(form ? url.pathname : req, copy); });
      }
      return r;
    }).catch(function () {
      return caches.open(CACHE).then(function (c) {
        return c.match(form ? url.pathname : req).then(function (hit) {
          return hit || c.match("/m/");
        });
      });
    })
  );
});
