// Photos open in a lightbox (PhotoSwipe): next and previous by button, swipe or arrow key,
// Escape or the close button to leave. A photo is `<a href=FULL data-lightbox=GROUP
// data-width data-height><img></a>`; without this script the link opens the photo itself.
// PhotoSwipe and its CSS load on the first click only, so pages without photos pay nothing.
(function () {
  "use strict";
  // Included wherever photos are shown, possibly several times on one page: set up once.
  if (window.phananhLightbox) return;
  window.phananhLightbox = true;
  var words = document.currentScript.dataset;
  var loading = null;

  function photoSwipe() {
    if (!loading) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = words.css;
      document.head.appendChild(css);
      loading = import(words.module).then(function (module) { return module.default; });
    }
    return loading;
  }

  // PhotoSwipe needs each photo's size: stored at upload, else the thumbnail's proportions.
  function slide(link) {
    var img = link.querySelector("img");
    var width = parseInt(link.dataset.width, 10), height = parseInt(link.dataset.height, 10);
    if (!(width && height) && img && img.naturalWidth) {
      var scale = 1600 / Math.max(img.naturalWidth, img.naturalHeight);
      width = Math.round(img.naturalWidth * scale);
      height = Math.round(img.naturalHeight * scale);
    }
    return { src: link.href, width: width || 1600, height: height || 1200, alt: img ? img.alt : "" };
  }

  document.addEventListener("click", function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    var link = e.target.closest && e.target.closest("a[data-lightbox]");
    if (!link) return;
    e.preventDefault();
    var group = Array.prototype.filter.call(document.querySelectorAll("a[data-lightbox]"), function (a) {
      return a.dataset.lightbox === link.dataset.lightbox;
    });
    photoSwipe().then(function (PhotoSwipe) {
      new PhotoSwipe({
        dataSource: group.map(slide),
        index: group.indexOf(link),
        closeTitle: words.close,
        zoomTitle: words.zoom,
        arrowPrevTitle: words.previous,
        arrowNextTitle: words.next,
        errorMsg: words.error,
        indexIndicatorSep: " / ",
        bgOpacity: 0.92,
      }).init();
    }, function () {
      // The library could not load (a dropped connection): open the photo itself.
      window.location.href = link.href;
    });
  });
})();
