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
    if (!map) return;
    if (marker) marker.setLatLng([la, lo]); else marker = L.marker([la, lo]).addTo(map);
    map.setView([la, lo], zoom || map.getZoom());
  }

  if (window.L && mapEl) {
    var start = lat.value && lon.value ? [parseFloat(lat.value), parseFloat(lon.value)]
      : [parseFloat(mapEl.dataset.lat), parseFloat(mapEl.dataset.lon)];
    map = L.map(mapEl).setView(start, 13);
    L.tileLayer(mapEl.dataset.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap" }).addTo(map);
    if (lat.value && lon.value) setPlace(start[0], start[1]);
    map.on("click", function (e) { setPlace(e.latlng.lat, e.latlng.lng); });
  }

  var locate = document.getElementById("locate");
  if (locate) {
    if (!navigator.geolocation) locate.hidden = true;
    locate.addEventListener("click", function () {
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        locate.disabled = false;
        setPlace(pos.coords.latitude, pos.coords.longitude, 17);
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

  // One click sends once: a second tap while the upload runs does nothing.
  form.addEventListener("submit", function () {
    var send = document.getElementById("send");
    setTimeout(function () { send.disabled = true; }, 0);
  });
})();
