// The service-level dashboard's charts (Chart.js, served from node_modules): each canvas names
// the JSON its table was drawn from — the figure of each measured period and the target —
// so the chart and the table show the same numbers.
(function () {
  "use strict";
  function draw() {
    if (typeof Chart === "undefined") return;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    var persian = document.documentElement.lang === "fa";
    var rtl = document.documentElement.dir === "rtl";
    var digits = new Intl.NumberFormat(persian ? "fa-IR" : "en-US");
    var colours = ["#b93d0b", "#6b7280"];
    document.querySelectorAll("canvas[data-level-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.levelChart);
      if (!source) return;
      var data = JSON.parse(source.textContent);
      data.datasets.forEach(function (set, i) {
        set.borderColor = colours[i % colours.length];
        set.backgroundColor = colours[i % colours.length];
        set.spanGaps = false;
        set.tension = 0;
        if (i === 1) { set.borderDash = [6, 4]; set.pointRadius = 2; }
      });
      new Chart(canvas, {
        type: "line",
        data: data,
        options: {
          responsive: true,
          animation: false,
          maintainAspectRatio: false,
          locale: persian ? "fa-IR" : "en-US",
          // Right to left: the newest period on the left, the axis of figures on the right
          // (where the reader starts); dates level, as many as fit (slanted, the newest one
          // ran off the canvas's left edge; Chart.js leaves room for the end labels as if
          // the axis were not reversed, hence the padding on the newest one's side).
          layout: { padding: rtl ? { left: 36 } : {} },
          scales: {
            x: { reverse: rtl, ticks: { maxRotation: 0, autoSkip: true } },
            y: {
              position: rtl ? "right" : "left",
              beginAtZero: true,
              ticks: { callback: function (v) { return digits.format(v); } }
            }
          },
          plugins: { legend: { rtl: rtl } }
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
