// Charts of the statistics page. The same numbers are in the tables beside each chart, which
// are what screen readers and printouts use; without this script the page loses nothing else.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  var COLOURS = {
    waiting: "#1d4ed8",
    rejected: "#6b7280",
    merged: "#9ca3af",
    in_progress: "#c2410c",
    on_time: "#15803d",
    resolved: "#15803d",
    late: "#b91c1c",
    other: "#9ca3af",
    satisfied: "#15803d",
    acceptable: "#ca8a04",
    unsatisfied: "#b91c1c",
  };
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;

  function doughnut(id, items) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    var shown = items.filter(function (item) { return item.value > 0; });
    new Chart(canvas, {
      type: "doughnut",
      data: {
        labels: shown.map(function (item) { return item.label; }),
        datasets: [{
          data: shown.map(function (item) { return item.value; }),
          backgroundColor: shown.map(function (item) { return COLOURS[item.key] || "#374151"; }),
        }],
      },
      options: { plugins: { legend: { position: "bottom" } } },
    });
  }

  function stackedBars(id, chart) {
    var canvas = document.getElementById(id);
    if (!canvas || !chart.labels.length) return;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series) {
          return { label: series.label, data: series.values, backgroundColor: COLOURS[series.key] };
        }),
      },
      options: {
        indexAxis: "y",
        scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  doughnut("chart-status", data.status);
  doughnut("chart-satisfaction", data.satisfaction);
  stackedBars("chart-fields", data.fields);
  stackedBars("chart-units", data.units);
})();
