// The printable sheet's Print button (a file, not an onclick attribute: the
// Content-Security-Policy runs no inline handler).
(function () {
  "use strict";
  var button = document.getElementById("print-button");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
