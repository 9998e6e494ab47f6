// The citizens' app's service worker. Served at /sw.js by portal/pwa.py, which puts
// `self.PHANANH` above this file: the cache version, the app shell's URLs, the intake page.
//
// It keeps the intake page and what it needs (the app shell) so that the page opens without
// a connection, and it sends the reports kept in the outbox. It caches nothing else: not
// the API's answers, not the tracking pages, not the confirmation page with its private link.
/* global PHANANH, PhanAnhOutbox */
"use strict";
importScripts(PHANANH.outboxScript);

var PREFIX = "phananh-shell-";
var CACHE = PREFIX + PHANANH.version;
var SHELL = PHANANH.shell;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      // "no-cache" asks the server whether a file changed: a stale copy in the HTTP cache
      // cannot slip into a new version, and an unchanged file costs a 304 without a body.
      return cache.addAll(SHELL.map(function (url) {
        return new Request(url, { cache: "no-cache", credentials: "same-origin" });
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PREFIX) === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PHANANH.page && request.mode === "navigate") {
    if (request.method === "POST") event.respondWith(postOrKeep(request));
    else if (request.method === "GET") event.respondWith(intakePage(request, url));
    return;
  }
  // Every other request, the API's included, goes to the network untouched.
  if (request.method === "GET" && !url.search && SHELL.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(request, { cacheName: CACHE }).then(function (cached) {
      return cached || fetch(request);
    }));
  }
});

// The intake page from the network when there is one (it stays current), else the copy.
function intakePage(request, url) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic" && !url.search) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(PHANANH.page, copy); });
    }
    return response;
  }, function (error) {
    // The copy answers whatever the request's headers: the page is the same for everyone.
    return caches.match(PHANANH.page, { cacheName: CACHE, ignoreVary: true }).then(function (cached) {
      if (cached) return cached;
      throw error;
    });
  });
}

// The form's own post; when the network fails on the way (the phone believed it had a
// connection), the report is kept in the outbox instead of being lost with the page.
function postOrKeep(request) {
  var copy = request.clone();
  return fetch(request).catch(function () {
    return copy.formData().then(function (data) {
      return PhanAnhOutbox.put(PhanAnhOutbox.fromFormData(data, { endpoint: PHANANH.endpoint }));
    }).then(askForSync).then(function () {
      // Back to the intake page (from the cache), which shows what waits in the outbox.
      return Response.redirect(PHANANH.page, 303);
    });
  });
}

function askForSync() {
  var sync = self.registration.sync;
  return sync ? sync.register(PhanAnhOutbox.SYNC_TAG).catch(function () {}) : Promise.resolve();
}

function tellPages(result) {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (pages) {
    pages.forEach(function (page) { page.postMessage({ type: "phananh-outbox", result: result }); });
  });
}

// Background Sync: the browser wakes the worker when the connection returns, even when no
// page of the site is open.
self.addEventListener("sync", function (event) {
  if (event.tag !== PhanAnhOutbox.SYNC_TAG) return;
  event.waitUntil(PhanAnhOutbox.flush().then(function (result) {
    return tellPages(result).then(function () {
      // Failing the event makes the browser try again later.
      if (result.waiting) throw new Error("reports still wait to be sent");
    });
  }));
});
