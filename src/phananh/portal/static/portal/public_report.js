// The place of a published report on a small map, at the rounded position the page gives.
(function () {
  "use strict";
  var box = document.getElementById("report-map");
  if (!box || !window.L) return;
  var lat = parseFloat(box.dataset.lat);
  var lon = parseFloat(box.dataset.lon);
  if (!isFinite(lat) || !isFinite(lon)) return;
  var map = L.map(box, { scrollWheelZoom: false }).setView([lat, lon], 16);
  PhanAnhMaps.tiles(map, box.dataset.tiles, { maxZoom: 18, attribution: "&copy; OpenStreetMap" });
  // A circle of about 100 m, not a pin: the place is only known to that precision.
  L.circle([lat, lon], { radius: 80, color: "#b91c1c", weight: 2, fillOpacity: 0.15 }).addTo(map);
})();
