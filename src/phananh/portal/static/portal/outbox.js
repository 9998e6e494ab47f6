// The outbox: reports written without a connection wait on the phone (IndexedDB, photos
// included) and are sent through the API, as the app, when the connection returns.
// Shared by the intake page and the service worker, which both send from it.
(function (scope) {
  "use strict";
  var DB_NAME = "phananh";
  var STORE = "outbox";
  // Form fields that belong to the page's own post, not to the API.
  var SKIP = ["csrfmiddlewaretoken", "idempotency_key"];
  // An unticked box is absent from a form; the API's defaults differ, so "off" is said.
  var BOXES = ["anonymous", "public", "consent"];
  // Answers worth trying again later: the server was busy or asked us to wait.
  var TRY_AGAIN = [408, 425, 429];

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = scope.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() {
    return run("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return items.sort(function (a, b) { return a.queued_at - b.queued_at; });
    });
  }

  function put(item) {
    return run("readwrite", function (store) { return store.put(item); });
  }

  function remove(key) {
    return run("readwrite", function (store) { return store.delete(key); });
  }

  // A report from the intake form's data, ready to be kept and sent.
  function fromFormData(data, options) {
    var entries = [];
    // The chosen field's questions go to the API as one `answers` object (JSON text).
    var prefix = "answers." + (data.get("category") || "") + ".";
    var answers = {};
    data.forEach(function (value, name) {
      if (name.indexOf("answers.") === 0) {
        if (name.indexOf(prefix) !== 0) return;
        var code = name.slice(prefix.length);
        // One box ticked of several is sent as its key alone: the intake takes it as a list of one.
        answers[code] = data.getAll(name).length > 1 ? data.getAll(name) : value;
        return;
      }
      if (SKIP.indexOf(name) >= 0) return;
      if (value instanceof Blob && !value.size && !value.name) return; // a file input left empty
      entries.push([name, value]);
    });
    BOXES.forEach(function (name) { if (!data.has(name)) entries.push([name, "off"]); });
    entries.push(["answers", JSON.stringify(answers)]);
    entries.push(["channel", "app"]);
    return {
      // A fresh Idempotency-Key: a resend after a lost answer gets the first answer back.
      key: scope.crypto.randomUUID(),
      endpoint: options.endpoint,
      lang: options.lang || "",
      state: "queued",
      queued_at: Date.now(),
      entries: entries,
    };
  }

  function formData(item) {
    var body = new FormData();
    item.entries.forEach(function (entry) {
      if (entry[1] instanceof Blob) body.append(entry[0], entry[1], entry[1].name || entry[0]);
      else body.append(entry[0], entry[1]);
    });
    return body;
  }

  // Send one report; "retry" leaves it in the outbox for later.
  function send(item) {
    var headers = { "Idempotency-Key": item.key, Accept: "application/json" };
    if (item.lang) headers["Accept-Language"] = item.lang;
    return fetch(item.endpoint, {
      method: "POST", body: formData(item), headers: headers, credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.status === 201) {
          item.state = "sent";
          item.sent_at = Date.now();
          item.answer = {
            tracking_code: answer.tracking_code,
            tracking_url: answer.tracking_url,
            secret: answer.secret,
          };
          item.entries = item.entries.filter(function (entry) { return entry[0] === "description"; });
          return put(item).then(function () { return "sent"; });
        }
        var refused = response.status >= 400 && response.status < 500;
        if (refused && TRY_AGAIN.indexOf(response.status) < 0) {
          // Sending it again would be refused again: the reporter gets it back to correct it.
          item.state = "refused";
          item.error = { status: response.status, code: answer.code || "", message: answer.message || "" };
          return put(item).then(function () { return "refused"; });
        }
        return "retry";
      });
    }, function () {
      // No connection, or the answer was lost on the way: the key makes a resend safe.
      return "retry";
    });
  }

  // One sender at a time (the page and the service worker may both try).
  function exclusively(work) {
    var locks = scope.navigator && scope.navigator.locks;
    return locks ? locks.request("phananh-outbox", work) : work();
  }

  // Send every waiting report; says how many were sent, refused, and still wait.
  function flush() {
    return exclusively(function () {
      return all().then(function (items) {
        var result = { sent: 0, refused: 0, waiting: 0 };
        return items.filter(function (item) { return item.state === "queued"; }).reduce(function (done, item) {
          return done.then(function () {
            return send(item).then(function (outcome) {
              result[outcome === "retry" ? "waiting" : outcome] += 1;
            });
          });
        }, Promise.resolve()).then(function () { return result; });
      });
    });
  }

  scope.PhanAnhOutbox = {
    // The Background Sync tag under which the service worker is woken up to send.
    SYNC_TAG: "phananh-outbox",
    all: all, put: put, remove: remove, fromFormData: fromFormData, flush: flush,
  };
})(self);
