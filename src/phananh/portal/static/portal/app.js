// The citizens' pages as an installable app: register the service worker (portal/pwa.py),
// once the page has loaded so that it never competes with the page itself.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !("serviceWorker" in navigator)) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(script.dataset.serviceWorker, { scope: "/" }).catch(function () {
      // Without a worker the pages work as before, only not offline.
    });
  });
})();
