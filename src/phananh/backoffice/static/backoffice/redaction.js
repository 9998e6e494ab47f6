// The publish form's redaction: a button beside each highlight that puts the suggestion in its
// place, highlights that follow the text as the operator edits it (the server finds them), and
// black rectangles drawn on each photo with a finger or the mouse. Without this script the form
// still works: the text is edited in its box, and the server checks it again when it is sent.
(function () {
  "use strict";
  // The panel carries this script and htmx runs it again after each swap: set up once.
  if (window.phananhRedaction) return;
  window.phananhRedaction = true;

  var CHECK_DELAY = 500; // ms after the last key before the texts are checked again
  var MIN_SIDE = 0.01; // a rectangle thinner than 1% of the photo is a slip, not a choice

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function spansOf(preview) {
    return Array.prototype.map.call(preview.querySelectorAll("mark.pii"), function (mark) {
      return {
        start: Number(mark.dataset.start),
        end: Number(mark.dataset.end),
        replacement: mark.dataset.replacement,
        kind: mark.dataset.kind,
        label: mark.title,
        text: mark.textContent
      };
    });
  }

  function setupTexts(box) {
    var form = box.closest("form");
    var count = box.querySelector("#redaction-count");
    var replaceAll = box.querySelector("#redaction-replace-all");
    var blocks = Array.prototype.map.call(box.querySelectorAll(".redact-text"), function (el) {
      var preview = el.querySelector(".redact-preview");
      return { key: el.dataset.key, area: el.querySelector("textarea"), preview: preview, spans: spansOf(preview) };
    });
    var timer = null;

    function total() {
      return blocks.reduce(function (n, b) { return n + b.spans.length; }, 0);
    }

    function showCount() {
      var n = total();
      count.textContent = box.dataset.count.replace("%(n)s", String(n));
      count.classList.toggle("clear", n === 0);
      if (replaceAll) replaceAll.hidden = n === 0;
    }

    function replace(block, span) {
      var value = block.area.value;
      if (value.slice(span.start, span.end) !== span.text) return false; // edited meanwhile
      block.area.value = value.slice(0, span.start) + span.replacement + value.slice(span.end);
      var shift = span.replacement.length - (span.end - span.start);
      block.spans = block.spans.filter(function (s) { return s !== span; }).map(function (s) {
        return s.start > span.start ? Object.assign({}, s, { start: s.start + shift, end: s.end + shift }) : s;
      });
      return true;
    }

    function render(block) {
      var text = block.area.value;
      var preview = block.preview;
      preview.textContent = "";
      var last = 0;
      block.spans.forEach(function (span) {
        preview.appendChild(document.createTextNode(text.slice(last, span.start)));
        var mark = document.createElement("mark");
        mark.className = "pii";
        mark.dataset.kind = span.kind;
        mark.title = span.label;
        mark.textContent = text.slice(span.start, span.end);
        preview.appendChild(mark);
        var button = document.createElement("button");
        button.type = "button";
        button.className = "accept";
        button.textContent = box.dataset.replace + " " + span.replacement;
        button.setAttribute("aria-label", span.label + " “" + span.text + "”: " + button.textContent);
        button.addEventListener("click", function () {
          if (replace(block, span)) { render(block); showCount(); }
          schedule();
        });
        preview.appendChild(button);
        last = span.end;
      });
      preview.appendChild(document.createTextNode(text.slice(last)));
      preview.classList.toggle("clean", block.spans.length === 0);
      preview.classList.remove("stale");
    }

    function check() {
      var texts = {};
      blocks.forEach(function (b) { texts[b.key] = b.area.value; });
      fetch(box.dataset.checkUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(form) },
        body: JSON.stringify({ texts: texts })
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (answer) {
        blocks.forEach(function (b) {
          // Only if the text is still what was checked: a later check will follow otherwise.
          if (b.area.value === texts[b.key]) {
            b.spans = answer.spans[b.key] || [];
            render(b);
          }
        });
        showCount();
      }).catch(function () {
        count.textContent = box.dataset.checkFailed;
      });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(check, CHECK_DELAY);
    }

    blocks.forEach(function (block) {
      render(block);
      block.area.addEventListener("input", function () {
        block.preview.classList.add("stale");
        schedule();
      });
    });
    if (replaceAll) {
      replaceAll.addEventListener("click", function () {
        blocks.forEach(function (block) {
          // From the end, so that the offsets before each replacement stay right.
          block.spans.slice().reverse().forEach(function (span) { replace(block, span); });
          render(block);
        });
        showCount();
        schedule();
      });
    }
    showCount();
  }

  function setupPhoto(figure, removeLabel) {
    var id = figure.dataset.photo;
    var canvas = figure.querySelector(".redact-canvas");
    var image = canvas.querySelector("img");
    var field = figure.querySelector("input[name='photo-" + id + "-rectangles']");
    var clear = figure.querySelector(".clear-rectangles");
    var rectangles = [];
    try { rectangles = JSON.parse(field.value || "[]"); } catch (e) { rectangles = []; }
    var draft = null;
    var start = null;

    function place(el, r) {
      el.style.left = r.x * 100 + "%";
      el.style.top = r.y * 100 + "%";
      el.style.width = r.width * 100 + "%";
      el.style.height = r.height * 100 + "%";
    }

    function save() {
      field.value = JSON.stringify(rectangles);
      clear.hidden = rectangles.length === 0;
    }

    function draw() {
      Array.prototype.forEach.call(canvas.querySelectorAll(".blackout"), function (el) { el.remove(); });
      rectangles.forEach(function (r, i) {
        var box = document.createElement("div");
        box.className = "blackout";
        place(box, r);
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", removeLabel + " " + (i + 1));
        remove.addEventListener("pointerdown", function (e) { e.stopPropagation(); });
        remove.addEventListener("click", function () {
          rectangles.splice(i, 1);
          save();
          draw();
        });
        box.appendChild(remove);
        canvas.appendChild(box);
      });
    }

    function point(e) {
      var bounds = image.getBoundingClientRect();
      var clamp = function (v) { return Math.min(1, Math.max(0, v)); };
      return { x: clamp((e.clientX - bounds.left) / bounds.width), y: clamp((e.clientY - bounds.top) / bounds.height) };
    }

    function between(a, b) {
      var round = function (v) { return Math.round(v * 10000) / 10000; };
      return {
        x: round(Math.min(a.x, b.x)),
        y: round(Math.min(a.y, b.y)),
        width: round(Math.abs(a.x - b.x)),
        height: round(Math.abs(a.y - b.y))
      };
    }

    canvas.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) return;
      e.preventDefault();
      start = point(e);
      draft = document.createElement("div");
      draft.className = "blackout draft";
      place(draft, between(start, start));
      canvas.appendChild(draft);
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener("pointermove", function (e) {
      if (start) place(draft, between(start, point(e)));
    });
    function finish(e) {
      if (!start) return;
      var r = between(start, point(e));
      draft.remove();
      start = draft = null;
      if (r.width >= MIN_SIDE && r.height >= MIN_SIDE) {
        rectangles.push(r);
        save();
        draw();
      }
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", function () {
      if (draft) draft.remove();
      start = draft = null;
    });
    clear.addEventListener("click", function () {
      rectangles = [];
      save();
      draw();
    });
    canvas.classList.add("ready");
    save();
    draw();
  }

  function init(root) {
    var boxes = root.querySelectorAll ? root.querySelectorAll(".redaction:not([data-ready])") : [];
    Array.prototype.forEach.call(boxes, function (box) {
      box.dataset.ready = "1";
      setupTexts(box);
      Array.prototype.forEach.call(box.querySelectorAll(".redact-photo"), function (figure) {
        setupPhoto(figure, box.dataset.remove);
      });
    });
  }

  if (window.htmx) {
    htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  }
})();
