// Intake page without a connection: the report is kept on the phone (outbox.js) and sent
// when the connection returns; the page then shows its tracking code. With a connection the
// form is sent by submit.js, which hands the report here when the send fails on the way. Every text shown comes from the page's <template> elements.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  var panel = document.getElementById("outbox");
  var Outbox = window.PhanAnhOutbox;
  if (!form || !panel || !Outbox || !window.indexedDB || !window.crypto || !crypto.randomUUID) return;
  var list = panel.querySelector("[data-list]");
  var options = { endpoint: form.dataset.outboxEndpoint, lang: document.documentElement.lang };
  var FIRST_RETRY = 5000;
  var retryDelay = FIRST_RETRY;
  var retryTimer = null;
  var running = null;
  var again = false;

  function part(node, name) { return node.querySelector('[data-field="' + name + '"]'); }

  function description(item) {
    var entry = item.entries.filter(function (e) { return e[0] === "description"; })[0];
    return entry ? entry[1] : "";
  }

  function show(item) {
    var node = document.getElementById("outbox-" + item.state).content.firstElementChild.cloneNode(true);
    node.dataset.key = item.key;
    var text = part(node, "description");
    if (text) text.textContent = description(item);
    if (item.state === "sent") {
      part(node, "tracking-code").textContent = item.answer.tracking_code;
      part(node, "track-link").href = item.answer.tracking_url;
      var link = part(node, "private-link");
      link.value = item.answer.tracking_url + "?secret=" + encodeURIComponent(item.answer.secret);
      // Selected whole on a tap, ready to be copied.
      link.addEventListener("focus", function () { link.select(); });
    }
    if (item.state === "refused") part(node, "message").textContent = item.error.message || item.error.code;
    var dismiss = node.querySelector("[data-action=dismiss]");
    if (dismiss) dismiss.addEventListener("click", function () { Outbox.remove(item.key).then(render); });
    var restore = node.querySelector("[data-action=restore]");
    if (restore) restore.addEventListener("click", function () { putBack(item); });
    return node;
  }

  function render() {
    return Outbox.all().then(function (items) {
      list.textContent = "";
      items.forEach(function (item) { list.appendChild(show(item)); });
      panel.hidden = items.length === 0;
    });
  }

  // A refused report goes back into the form, photos included, to be corrected and sent.
  function putBack(item) {
    var files = {};
    item.entries.forEach(function (entry) {
      var name = entry[0], value = entry[1];
      if (value instanceof Blob) { (files[name] = files[name] || []).push(value); return; }
      var field = form.elements[name];
      if (!field) return;
      if (field.type === "checkbox") field.checked = value === "on";
      else field.value = value;
      if (field.dispatchEvent) field.dispatchEvent(new Event("change", { bubbles: true })); // not a radio group
    });
    Object.keys(files).forEach(function (name) {
      var input = form.elements[name];
      if (!input || !window.DataTransfer) return;
      var transfer = new DataTransfer();
      files[name].forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    Outbox.remove(item.key).then(render).then(function () { form.scrollIntoView(); });
  }

  // Send what waits; after a failure with a connection, try again later, less and less often.
  function flush() {
    if (running) { again = true; return running; }
    clearTimeout(retryTimer);
    running = Outbox.flush().then(function (result) {
      if (!result.waiting) retryDelay = FIRST_RETRY;
      else if (navigator.onLine) {
        retryTimer = setTimeout(flush, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 5 * 60 * 1000);
      }
    }, function () {}).then(render).then(function () {
      running = null;
      if (again) { again = false; flush(); }
    });
    return running;
  }

  function askForSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.getRegistration().then(function (registration) {
      if (registration && registration.sync) return registration.sync.register(Outbox.SYNC_TAG);
    }).catch(function () {});
  }

  // Keep the form's report on the phone and empty the form for the next one. `sendNow`: the
  // phone seems online (a send just failed on the way), so try at once and then less often.
  function keep(how) {
    var item = Outbox.fromFormData(new FormData(form), options);
    return Outbox.put(item).then(function () {
      form.reset();
      form.querySelectorAll("input[type=file], input[type=checkbox]").forEach(function (input) {
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
      askForSync();
      return render();
    }).then(function () {
      panel.scrollIntoView();
      if (how && how.sendNow) flush();
    });
  }

  form.addEventListener("submit", function (event) {
    if (navigator.onLine) return; // sent by submit.js; kept here if it fails on the way
    event.preventDefault();
    if (!form.checkValidity()) { form.reportValidity(); return; }
    keep();
  });
  window.PhanAnhOffline = { keep: keep };

  window.addEventListener("online", flush);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "phananh-outbox") render();
    });
  }
  render().then(function () { if (navigator.onLine) flush(); }, function () {
    // No storage on this phone (a private window, say): the form posts as always.
  });
})();
