// The steering dashboard: its charts, the heat map and the unit table's sorting. Every number
// is also written in the page (the KPIs and tables), which printouts and screen readers use.
(function () {
  "use strict";
  var RED = "#b91c1c", GREEN = "#15803d", BLUE = "#1d4ed8", GREY = "#64748b";

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function charts(data) {
    if (!data || !window.Chart) return;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.maintainAspectRatio = false;
    var t = data.trend;
    new Chart(document.getElementById("chart-trend"), {
      data: {
        labels: t.labels,
        datasets: [
          { type: "bar", label: t.names.received, data: t.received, backgroundColor: BLUE, yAxisID: "y" },
          { type: "bar", label: t.names.resolved, data: t.resolved, backgroundColor: GREEN, yAxisID: "y" },
          { type: "line", label: t.names.on_time, data: t.on_time, borderColor: RED, backgroundColor: RED,
            yAxisID: "rate", spanGaps: true },
        ],
      },
      options: {
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 } },
          rate: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } },
        },
        plugins: { legend: { position: "bottom" } },
        onClick: opens(t.links),
        onHover: pointer,
      },
    });
    bars("chart-fields", data.fields, BLUE);
    bars("chart-channels", data.channels, GREY);
  }

  function bars(id, chart, colour) {
    var canvas = document.getElementById(id);
    if (!canvas || !chart.labels.length) return;
    new Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets: [{ label: chart.name, data: chart.values, backgroundColor: colour }] },
      options: {
        indexAxis: "y",
        scales: { x: { ticks: { precision: 0 } } },
        plugins: { legend: { display: false } },
        onClick: opens(chart.links),
        onHover: pointer,
      },
    });
  }

  // A bar is a figure too: a tap opens the list of the reports it counts.
  function opens(links) {
    return function (_event, elements) {
      if (elements.length && links && links[elements[0].index]) window.location.href = links[elements[0].index];
    };
  }

  function pointer(event, elements) {
    event.native.target.style.cursor = elements.length ? "pointer" : "default";
  }

  // A grid of cells shaded by their share of the busiest cell: the server sends counts per cell
  // of about 1 km, so the page never holds one point per report.
  function heatMap(el, cells) {
    if (!el || !window.L) return;
    var map = L.map(el, { scrollWheelZoom: false }).setView([parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)], 10);
    PhanAnhMaps.tiles(map, el.dataset.tiles, { maxZoom: 18, attribution: "&copy; OpenStreetMap" });
    if (!cells || !cells.length) return;
    var most = cells[0][2], half = 0.005, layer = L.featureGroup();
    cells.forEach(function (c) {
      var share = c[2] / most;
      L.rectangle([[c[0] - half, c[1] - half], [c[0] + half, c[1] + half]], {
        stroke: false, fillColor: share > 0.66 ? "#7f1d1d" : share > 0.33 ? RED : "#f97316",
        fillOpacity: 0.35 + 0.5 * share,
      }).bindTooltip(String(c[2])).addTo(layer);
    });
    layer.addTo(map);
    map.fitBounds(layer.getBounds(), { maxZoom: 14, padding: [20, 20], animate: false });
  }

  // Sort the unit table by a column: numbers largest first on the first tap, text A to Z.
  function sortable(table) {
    if (!table) return;
    table.querySelectorAll("th button[data-sort]").forEach(function (button, column) {
      button.addEventListener("click", function () {
        var numeric = button.dataset.sort === "number";
        var current = button.getAttribute("aria-sort");
        var descending = current ? current === "ascending" : numeric;
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > 1; });
        rows.sort(function (a, b) {
          var x = a.cells[column].dataset.value, y = b.cells[column].dataset.value;
          var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, document.documentElement.lang);
          return descending ? -order : order;
        });
        rows.forEach(function (r) { body.appendChild(r); });
        table.querySelectorAll("th button[data-sort]").forEach(function (b) { b.removeAttribute("aria-sort"); });
        button.setAttribute("aria-sort", descending ? "descending" : "ascending");
      });
    });
  }

  charts(read("dash-charts"));
  heatMap(document.getElementById("heat-map"), read("dash-heat"));
  sortable(document.getElementById("unit-table"));
})();
