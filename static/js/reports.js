// The reports page's charts (Chart.js, served from node_modules): each canvas names the
// JSON its table was drawn from, so the chart and the table show the same numbers.
(function () {
  "use strict";
  function draw() {
    if (typeof Chart === "undefined") return;
    var font = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.family = font;
    var digits = new Intl.NumberFormat(document.documentElement.lang === "fa" ? "fa-IR" : "en-US");
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      var data = JSON.parse(source.textContent);
      new Chart(canvas, {
        type: "bar",
        data: data,
        options: {
          responsive: true,
          maintainAspectRatio: false,
          locale: document.documentElement.lang === "fa" ? "fa-IR" : "en-US",
          scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return digits.format(v); } } } },
          plugins: { legend: { rtl: document.documentElement.dir === "rtl" } }
        }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
