// The public map: clusters computed by the server for the visible box, reloaded when it moves.
(function () {
  "use strict";
  var box = document.getElementById("public-map");
  if (!box || !window.L) return;
  var d = box.dataset;
  var fieldSelect = document.getElementById("map-field");
  var statusSelect = document.getElementById("map-status");
  var statusLine = document.getElementById("map-status-line");

  var map = L.map(box).setView([parseFloat(d.lat), parseFloat(d.lon)], 11);
  PhanAnhMaps.tiles(map, d.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap" });
  var layer = L.layerGroup().addTo(map);
  var pending = null;

  function text(tag, value) {
    var element = document.createElement(tag);
    element.textContent = value;
    return element;
  }

  function link(href, label) {
    var a = text("a", label);
    a.href = href;
    return a;
  }

  function popupFor(cluster) {
    var content = document.createElement("div");
    if (cluster.count === 1 && cluster.code) {
      content.appendChild(text("strong", cluster.code));
      if (cluster.field) content.appendChild(text("div", cluster.field));
      content.appendChild(link(cluster.url, d.labelOpen));
      return content;
    }
    content.appendChild(text("strong", d.labelHere + ": " + cluster.count));
    content.appendChild(document.createElement("br"));
    if (cluster.list_url) content.appendChild(link(cluster.list_url, d.labelList));
    return content;
  }

  function marker(cluster) {
    var at = [cluster.lat, cluster.lon];
    if (cluster.count === 1) {
      return L.circleMarker(at, { radius: 8, color: "#fff", weight: 2, fillColor: "#b91c1c", fillOpacity: 0.9 })
        .bindPopup(popupFor(cluster));
    }
    var size = Math.min(56, 26 + Math.round(Math.log10(cluster.count) * 10));
    var icon = L.divIcon({
      className: "",
      // Leaflet sizes the icon's box from iconSize; the disc fills it (public.css).
      html: '<div class="cluster-icon">' + cluster.count + "</div>",
      iconSize: [size, size],
    });
    var m = L.marker(at, { icon: icon, keyboard: true, title: d.labelHere + ": " + cluster.count });
    if (cluster.list_url) {
      m.bindPopup(popupFor(cluster));
    } else {
      m.on("click", function () { map.setView(at, Math.min(map.getZoom() + 2, map.getMaxZoom())); });
    }
    return m;
  }

  function load() {
    if (pending) pending.abort();
    pending = new AbortController();
    var params = new URLSearchParams({
      bbox: map.getBounds().pad(0.1).toBBoxString(),
      zoom: String(map.getZoom()),
    });
    if (fieldSelect.value) params.set("field", fieldSelect.value);
    if (statusSelect.value) params.set("status", statusSelect.value);
    fetch(d.clusters + "?" + params.toString(), { signal: pending.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (answer) {
        layer.clearLayers();
        answer.clusters.forEach(function (cluster) { layer.addLayer(marker(cluster)); });
        statusLine.textContent = d.labelTotal + ": " + answer.total;
        box.dataset.loaded = String(answer.total);
      })
      .catch(function (error) {
        if (error.name === "AbortError") return;
        statusLine.textContent = d.labelError;
      });
  }

  map.on("moveend", load);
  fieldSelect.addEventListener("change", load);
  statusSelect.addEventListener("change", load);
  load();
})();
