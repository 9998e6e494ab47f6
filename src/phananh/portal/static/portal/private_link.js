// The success page's private link: copy it (Clipboard API, else select it for the phone's own
// Copy) and share it (Web Share API, where the browser has it). Without JavaScript the link is
// plain text that can be selected, and the buttons stay hidden.
(function () {
  "use strict";
  var link = document.getElementById("private-link");
  var copy = document.getElementById("copy-link");
  var share = document.getElementById("share-link");
  var status = document.getElementById("copy-status");
  if (!link || !copy) return;
  var url = link.textContent.trim();

  function selectLink() {
    var range = document.createRange();
    range.selectNodeContents(link);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function say(text) {
    status.textContent = text;
  }

  copy.hidden = false;
  copy.addEventListener("click", function () {
    // Selected in any case, so that the phone's own Copy works if the clipboard is refused.
    selectLink();
    if (!navigator.clipboard || !window.isSecureContext) {
      say(copy.dataset.select);
      return;
    }
    navigator.clipboard.writeText(url).then(
      function () { say(copy.dataset.copied); },
      function () { say(copy.dataset.select); }
    );
  });

  if (share && typeof navigator.share === "function") {
    share.hidden = false;
    share.addEventListener("click", function () {
      navigator.share({ title: share.dataset.title, url: url }).catch(function () {
        // Cancelled by the person, or refused: the link is still on the page to copy.
      });
    });
  }
})();
