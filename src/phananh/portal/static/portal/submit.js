// Intake page: the map and GPS fill the coordinates; photos are previewed before sending.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  var mapEl = document.getElementById("map");
  var marker = null;
  var map = null;

  function setPlace(la, lo, zoom) {
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    askNearby();
    if (!map) return;
    if (marker) marker.setLatLng([la, lo]); else marker = L.marker([la, lo]).addTo(map);
    map.setView([la, lo], zoom || map.getZoom());
  }

  // Possible duplicates: published open reports of the chosen field close to the place, which
  // the reporter may follow instead of sending the same problem again, and how many others
  // (not published: only counted, over a coarse cell, never placed) there are in the area.
  var nearby = document.getElementById("nearby");
  var nearbyPublished = nearby && nearby.querySelector('[data-part="published"]');
  var nearbyUnpublished = nearby && nearby.querySelector('[data-part="unpublished"]');
  var nearbyList = nearby && nearby.querySelector("[data-list]");
  var nearbyItem = document.getElementById("nearby-item");
  var nearbyForm = document.getElementById("nearby-form");
  var nearbyForms = document.getElementById("nearby-forms");
  var category = document.getElementById("category");
  var nearbyTimer = null;
  var nearbyAsked = "";

  function coordinate(text) {
    text = text.trim();
    if (text.split(",").length === 2 && text.indexOf(".") < 0) text = text.replace(",", ".");
    var value = text ? Number(text) : NaN;
    return isFinite(value) ? value : null;
  }

  function part(node, name) { return node.querySelector('[data-field="' + name + '"]'); }

  function showNearby(answer) {
    var reports = answer.reports || [];
    var unpublished = (answer.unpublished && answer.unpublished.count) || 0;
    nearbyList.textContent = "";
    nearbyForms.textContent = "";
    reports.forEach(function (report, index) {
      var node = nearbyItem.content.firstElementChild.cloneNode(true);
      part(node, "category").textContent = report.category;
      var status = part(node, "status");
      status.textContent = report.status_label;
      status.style.background = report.status_colour;
      part(node, "distance").textContent = report.distance_m;
      part(node, "date").textContent = report.created_on;
      part(node, "date").dateTime = report.created_at;
      part(node, "track").href = report.tracking_url;
      if (report.excerpt) {
        part(node, "excerpt").textContent = report.excerpt;
        part(node, "excerpt").hidden = false;
      }
      if (report.photo_url) {
        part(node, "photo").src = report.photo_url;
        part(node, "photo").hidden = false;
      }
      // Its follow form stands outside the report's form (forms cannot nest); its fields
      // join it through their form attribute.
      var follow = part(node, "follow");
      if (report.follow_url) {
        var followForm = nearbyForm.content.firstElementChild.cloneNode(true);
        followForm.id = "follow-" + index;
        followForm.action = report.follow_url;
        nearbyForms.appendChild(followForm);
        follow.querySelectorAll("input, button").forEach(function (field) {
          field.setAttribute("form", followForm.id);
        });
      } else {
        follow.remove();
      }
      nearbyList.appendChild(node);
    });
    nearbyPublished.hidden = reports.length === 0;
    part(nearbyUnpublished, "unpublished-count").textContent = unpublished;
    nearbyUnpublished.hidden = unpublished === 0;
    nearby.hidden = reports.length === 0 && unpublished === 0;
  }

  function askNearby() {
    if (!nearby || !category) return;
    clearTimeout(nearbyTimer);
    nearbyTimer = setTimeout(function () {
      var la = coordinate(lat.value), lo = coordinate(lon.value);
      if (la === null || lo === null || !category.value) { nearbyAsked = ""; showNearby({}); return; }
      var asked = { lat: la, lon: lo, category: category.value };
      // What is typed so far ranks the list: the same problem in other words comes first.
      var text = description ? description.value.trim().slice(0, 500) : "";
      if (text) asked.text = text;
      var query = new URLSearchParams(asked).toString();
      if (query === nearbyAsked) return;
      nearbyAsked = query;
      fetch(nearby.dataset.url + "?" + query, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : {}; })
        .then(function (answer) { if (query === nearbyAsked) showNearby(answer); })
        .catch(function () { nearbyAsked = ""; showNearby({}); }); // offline: nothing to show
    }, 300);
  }
  var description = document.getElementById("description");
  if (category) category.addEventListener("change", askNearby);
  if (description) description.addEventListener("change", askNearby);
  lat.addEventListener("input", askNearby);
  lon.addEventListener("input", askNearby);
  askNearby();

  // The commune of a tapped or located place, from the communes' areas or centres. It fills
  // the list only while the reporter has not chosen a commune of their own.
  var commune = document.getElementById("commune");
  var communeFound = document.getElementById("commune-found");
  var communeAsked = 0;

  function findCommune(la, lo) {
    if (!commune || !commune.dataset.url) return;
    var asked = ++communeAsked;
    var query = new URLSearchParams({ lat: la.toFixed(6), lon: lo.toFixed(6) }).toString();
    fetch(commune.dataset.url + "?" + query, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer || asked !== communeAsked) return;
        var chosenByHand = commune.value && commune.value !== commune.dataset.auto;
        if (chosenByHand) return;
        var id = answer.commune ? String(answer.commune.id) : "";
        var known = Array.prototype.some.call(commune.options, function (o) { return o.value === id; });
        commune.value = known ? id : "";
        commune.dataset.auto = commune.value;
        communeFound.hidden = !commune.value;
      })
      .catch(function () {}); // offline: the reporter chooses in the list
  }
  if (commune) {
    commune.addEventListener("change", function () {
      delete commune.dataset.auto;
      communeFound.hidden = true;
    });
  }

  if (window.L && mapEl) {
    var start = lat.value && lon.value ? [parseFloat(lat.value), parseFloat(lon.value)]
      : [parseFloat(mapEl.dataset.lat), parseFloat(mapEl.dataset.lon)];
    map = L.map(mapEl).setView(start, 13);
    PhanAnhMaps.tiles(map, mapEl.dataset.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap" });
    if (lat.value && lon.value) setPlace(start[0], start[1]);
    map.on("click", function (e) {
      setPlace(e.latlng.lat, e.latlng.lng);
      findCommune(e.latlng.lat, e.latlng.lng);
    });
  }

  var locate = document.getElementById("locate");
  if (locate) {
    if (!navigator.geolocation) locate.hidden = true;
    locate.addEventListener("click", function () {
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        locate.disabled = false;
        setPlace(pos.coords.latitude, pos.coords.longitude, 17);
        findCommune(pos.coords.latitude, pos.coords.longitude);
      }, function () {
        locate.disabled = false;
        alert(locate.dataset.denied);
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  var photos = document.getElementById("photos");
  var previews = document.getElementById("photo-previews");
  if (photos && previews) {
    photos.addEventListener("change", function () {
      previews.textContent = "";
      Array.prototype.forEach.call(photos.files, function (file) {
        if (!/^image\/(jpeg|png|webp)$/.test(file.type)) {
          var tag = document.createElement("span");
          tag.textContent = file.name;
          previews.appendChild(tag);
          return;
        }
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        previews.appendChild(img);
      });
    });
  }

  var anonymous = document.getElementById("anonymous");
  var contact = document.getElementById("contact");
  function toggleContact() { contact.hidden = anonymous.checked; }
  if (anonymous && contact) { anonymous.addEventListener("change", toggleContact); toggleContact(); }

  // Sending: with fetch, so that a form that comes back with errors is corrected in place and
  // the chosen photos stay chosen (a page load would empty the file inputs). The server still
  // decides what is wrong: its answer is the same page as without JavaScript, whose messages
  // are moved into this one. A success follows the redirect to the confirmation page.
  var problems = document.getElementById("form-problems");
  var send = document.getElementById("send");
  var sending = false;

  // The element of this page that stands where `node` stands in the answer's form: found by
  // the id on it or inside it, then as many levels up.
  function counterpart(node) {
    var target = node.id ? node : node.querySelector("[id]");
    var same = target && document.getElementById(target.id);
    for (var n = target; same && n !== node; n = n.parentElement) same = same.parentElement;
    return same;
  }

  function focusField(name) {
    var field = name && document.getElementById(name);
    if (field && field.offsetParent !== null) field.focus();
    else if (problems.firstElementChild) problems.firstElementChild.focus();
  }

  function showProblems(answer) {
    form.querySelectorAll("ul.errors").forEach(function (list) { list.remove(); });
    answer.querySelectorAll("#report-form ul.errors").forEach(function (list) {
      var before = list.previousElementSibling;
      var here = before && (before.matches("ul.errors") ? document.getElementById(before.id) : counterpart(before));
      if (here) here.after(document.importNode(list, true));
    });
    problems.replaceWith(document.importNode(answer.getElementById("form-problems"), true));
    problems = document.getElementById("form-problems");
    // The photos are still chosen: the words for a page that lost them do not apply.
    problems.querySelectorAll("[data-photos-dropped]").forEach(function (line) { line.remove(); });
    var summary = problems.firstElementChild;
    if (summary) summary.tabIndex = -1;
    focusField(summary && summary.dataset.first);
  }

  function showFailure() {
    problems.textContent = "";
    var line = document.createElement("p");
    line.className = "flash error";
    line.setAttribute("role", "alert");
    line.tabIndex = -1;
    line.textContent = form.dataset.failed;
    problems.appendChild(line);
    line.focus();
  }

  // The connection failed on the way: the report waits on the phone (offline.js), or, without
  // storage there, goes as a plain post (which the service worker keeps if it fails again).
  function networkFailed() {
    function post() { form.submit(); return "gone"; }
    var offline = window.PhanAnhOffline;
    return offline ? offline.keep({ sendNow: true }).catch(post) : post();
  }

  function answered(response) {
    if (response.ok && response.redirected) {
      window.location.assign(response.url);
      return "gone"; // the button stays disabled while the confirmation page opens
    }
    return response.text().then(function (html) {
      var answer = new DOMParser().parseFromString(html, "text/html");
      var isForm = response.status >= 400 && response.status < 500 && answer.getElementById("form-problems");
      if (isForm) showProblems(answer); else showFailure();
    });
  }

  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return; // kept on the phone instead (offline.js)
    event.preventDefault();
    if (sending) return; // one tap sends once
    sending = true;
    send.disabled = true;
    var body = new FormData(form);
    var options = { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "text/html" } };
    fetch(form.action, options)
      .then(answered, networkFailed)
      .catch(showFailure)
      .then(function (outcome) {
        if (outcome === "gone") return;
        sending = false;
        send.disabled = false;
      });
  });

  problems.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    if (!link) return;
    event.preventDefault();
    focusField(link.getAttribute("href").slice(1));
  });
})();
