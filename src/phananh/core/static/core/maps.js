// The background tiles of every map (Leaflet). On a closed network without the province's own
// tile server, or when that server is down, Leaflet would leave an empty grey box: instead a
// line over the map says so, the markers stay, and the line goes as soon as a tile arrives.
// The line's words come from the map element's data-tiles-failed (translated by the page).
// Included by core/_maps.html, which names Leaflet's marker images.
(function () {
  "use strict";
  var images = document.currentScript ? document.currentScript.dataset : {};
  // A tile server on the same network answers well within this; a request that hangs (a
  // firewall that drops instead of refusing) never fires "tileerror".
  var WAIT_MS = 6000;

  // Leaflet finds its marker images next to leaflet.css by that file's name, which a production
  // node hashes (leaflet.<hash>.css): the page names them instead, as {% static %} gives them.
  function markerImages() {
    if (!images.markerIcon) return;
    L.Icon.Default.imagePath = "";
    L.Icon.Default.mergeOptions({
      iconUrl: images.markerIcon,
      iconRetinaUrl: images.markerRetina,
      shadowUrl: images.markerShadow,
    });
  }

  function tiles(map, url, options) {
    markerImages();
    var layer = L.tileLayer(url, options).addTo(map);
    var box = map.getContainer();
    var note = document.createElement("p");
    note.className = "map-note";
    note.setAttribute("role", "status");
    note.textContent = box.dataset.tilesFailed || "";
    note.hidden = true;
    box.appendChild(note);
    var loaded = false;

    function failed() {
      if (loaded) return;
      note.hidden = false;
      box.classList.add("no-tiles");
    }
    layer.on("tileload", function () {
      loaded = true;
      note.hidden = true;
      box.classList.remove("no-tiles");
    });
    layer.on("tileerror", failed);
    setTimeout(failed, WAIT_MS);
    return layer;
  }

  window.PhanAnhMaps = { tiles: tiles };
})();
