// The unit picker and the checklists of the action forms: a filter box that ignores accents,
// and a suggested lead unit that follows the field chosen in the same form. Without this
// script the page keeps a plain grouped select and plain checkboxes, which work as they are.
(function () {
  "use strict";
  // The panel carries this script and htmx runs it again after each swap: set up once.
  if (window.phananhPicker) return;
  window.phananhPicker = true;

  // As core.text.fold does on the server: đ has no decomposition, so it is mapped by hand.
  function fold(text) {
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD")
      .replace(/\p{Mn}/gu, "").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function matches(text, words) {
    var folded = fold(text);
    return words.every(function (w) { return folded.indexOf(w) !== -1; });
  }

  function addFilterBox(el, before, onWords) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "filter";
    box.id = el.id + "-filter";
    box.placeholder = el.dataset.filter;
    box.setAttribute("aria-label", el.dataset.filter);
    box.setAttribute("aria-controls", el.id);
    before.parentNode.insertBefore(box, before);
    box.addEventListener("input", function () { onWords(fold(box.value).split(" ").filter(Boolean)); });
    // Enter in the filter box must not send the form half chosen.
    box.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
  }

  // A select keeps its options; filtering shows the matching ones as an open list.
  function filterSelect(select) {
    var blank = select.querySelector("option[value='']");
    var groups = Array.prototype.map.call(select.children, function (child) {
      return { el: child, options: child.tagName === "OPTGROUP" ? Array.from(child.children) : [child] };
    });
    addFilterBox(select, select, function (words) {
      var shown = [];
      select.textContent = "";
      groups.forEach(function (g) {
        var kept = g.options.filter(function (o) { return o === blank || matches(o.textContent, words); });
        if (!kept.length) return;
        if (g.el.tagName === "OPTGROUP") { g.el.textContent = ""; kept.forEach(function (o) { g.el.appendChild(o); }); }
        select.appendChild(g.el);
        shown = shown.concat(kept.filter(function (o) { return o !== blank; }));
      });
      // What is typed is what is chosen, unless the choice already matches.
      if (words.length && shown.length && shown.indexOf(select.selectedOptions[0]) === -1) {
        select.value = shown[0].value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      select.size = words.length ? Math.min(8, Math.max(2, shown.length + 1)) : 0;
    });
  }

  function countChecked(fieldset) {
    var count = fieldset.querySelector(".chosen-count");
    if (!count) return;
    var n = fieldset.querySelectorAll("input:checked").length;
    count.textContent = count.dataset.template.replace("%(n)s", n);
  }

  // A checklist hides what does not match, but never a ticked box.
  function filterChecklist(fieldset) {
    var box = fieldset.querySelector(".checklist-box");
    addFilterBox(fieldset, box, function (words) {
      var heading = null, any = false;
      box.childNodes.forEach(function (node) {
        if (node.nodeType !== 1) return;
        if (node.classList.contains("checklist-group")) {
          if (heading) heading.hidden = !any;
          heading = node; any = false;
          return;
        }
        var input = node.querySelector("input");
        node.hidden = !(input.checked || matches(node.textContent, words));
        any = any || !node.hidden;
      });
      if (heading) heading.hidden = !any;
    });
  }

  // The suggestion moves with the field chosen, until the person chooses a unit themselves.
  function followField(select) {
    if (select.dataset.pickerReady) return;
    var field = document.getElementById(select.dataset.follows);
    var data = document.getElementById(select.id + "-suggestions");
    var line = document.getElementById(select.id + "-suggestion");
    if (!field || !data || !line) return;
    var table = JSON.parse(data.textContent), touched = false, changing = false;
    select.addEventListener("change", function () { if (!changing) touched = true; });
    field.addEventListener("change", function () {
      var suggested = table[field.value];
      line.hidden = !suggested;
      line.textContent = suggested ? select.dataset.suggestedText.replace("%(unit)s", suggested.name) : "";
      select.querySelectorAll("option").forEach(function (o) {
        o.toggleAttribute("data-suggested", !!suggested && o.value === suggested.id);
      });
      if (touched) return;
      changing = true;
      select.value = suggested ? suggested.id : "";
      changing = false;
    });
  }

  function once(setUp) {
    return function (el) {
      if (el.dataset.pickerReady) return;
      setUp(el);
    };
  }

  function init(root) {
    root.querySelectorAll("select[data-follows]").forEach(followField);
    root.querySelectorAll("select[data-filter]").forEach(once(filterSelect));
    root.querySelectorAll("fieldset.checklist[data-filter]").forEach(once(filterChecklist));
    root.querySelectorAll("[data-filter]").forEach(function (el) { el.dataset.pickerReady = "1"; });
  }

  document.addEventListener("change", function (e) {
    var fieldset = e.target.closest && e.target.closest("fieldset.checklist");
    if (fieldset) countChecked(fieldset);
  });
  if (window.htmx) {
    htmx.onLoad(init);
  } else {
    init(document);
  }
})();
