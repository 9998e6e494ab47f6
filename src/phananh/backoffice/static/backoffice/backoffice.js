// Back office: the maps, and htmx answers swapped into the report panel (errors included).
(function () {
  "use strict";

  function toast(text) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  function tiles(map, el) {
    // The shared helper says in a line when no tile server answers (a closed network).
    PhanAnhMaps.tiles(map, el.dataset.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap" });
  }

  // The map of open reports on the lists: one coloured dot per report, a link in its popup.
  function reportsMap(el) {
    if (el.dataset.ready) return;
    el.dataset.ready = "1";
    var map = L.map(el).setView([parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)], 11);
    tiles(map, el);
    fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            var p = feature.properties;
            return L.circleMarker(latlng, {
              radius: p.urgency === "urgent" ? 9 : 7, color: "#fff", weight: 2,
              fillColor: p.colour, fillOpacity: 0.9
            });
          },
          onEachFeature: function (feature, marker) {
            var p = feature.properties;
            var link = document.createElement("a");
            link.href = p.url;
            link.textContent = p.tracking_code + " — " + p.status_label;
            marker.bindPopup(link);
          }
        }).addTo(map);
        el.dataset.count = String(data.features.length);
        if (data.features.length) {
          map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [20, 20], animate: false });
        }
      });
    var details = el.closest("details");
    if (details) details.addEventListener("toggle", function () { map.invalidateSize(); });
  }

  // The report's place, on the report page.
  function placeMap(el) {
    if (el.dataset.ready) return;
    el.dataset.ready = "1";
    var here = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var map = L.map(el, { scrollWheelZoom: false }).setView(here, 16);
    tiles(map, el);
    L.circleMarker(here, { radius: 9, color: "#fff", weight: 2, fillColor: "#b91c1c", fillOpacity: 0.9 }).addTo(map);
  }

  // The bulk form says how many reports are ticked, and is sent only with one at least.
  function bulkForm(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    var count = document.getElementById("bulk-count");
    function picks() { return document.querySelectorAll("input.pick[form=bulk-form]:checked").length; }
    function show() {
      var n = picks();
      count.textContent = n ? count.dataset.some + " " + n : count.dataset.none;
      form.classList.toggle("has-picks", n > 0);
    }
    document.addEventListener("change", function (e) {
      if (e.target.matches && e.target.matches("input.pick")) show();
    });
    form.addEventListener("submit", function (e) {
      if (!picks()) { e.preventDefault(); show(); count.scrollIntoView({ block: "nearest" }); }
    });
    show();
  }

  function init(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
    root.querySelectorAll("#bulk-form").forEach(bulkForm);
    root.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    if (!window.L) return;
    root.querySelectorAll("#reports-map").forEach(reportsMap);
    root.querySelectorAll("#place-map").forEach(placeMap);
  }

  if (!window.htmx) {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
    return;
  }
  htmx.onLoad(init);

  // An error answer that carries the report panel (422 with the messages next to the fields,
  // 409 with the current status, 403...) replaces the panel like a success does; any other
  // error answer leaves the page as it is and says so.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var xhr = e.detail.xhr;
    if (xhr.status < 400) return;
    if (xhr.getResponseHeader("X-Report-Panel")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    } else {
      e.detail.shouldSwap = false;
      toast(document.body.dataset.errorServer);
    }
  });
  document.addEventListener("htmx:sendError", function () { toast(document.body.dataset.errorNetwork); });

  // After an action, show its outcome: the first field in error, else the message on top.
  document.addEventListener("htmx:afterSwap", function (e) {
    var box = document.getElementById("toast");
    if (box) box.hidden = true;
    var panel = document.getElementById("report-panel");
    if (!panel || e.detail.target.id !== "report-panel") return;
    var invalid = panel.querySelector("[aria-invalid=true]");
    if (invalid) {
      invalid.scrollIntoView({ block: "center" });
      if (invalid.focus) invalid.focus({ preventScroll: true });
      return;
    }
    var message = document.getElementById("panel-message");
    (message || panel).scrollIntoView({ block: "start" });
    if (message) message.focus({ preventScroll: true });
  });
})();
