/* Draws the charts of the area page with the vendored Chart.js. The series come from
 * json_script blocks ({label, labels, values}); the tables beside the charts hold the same
 * figures, so without JavaScript nothing is lost. */
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") return;
  var Chart = window.Chart;
  var lang = document.documentElement.lang || "id";
  var reduceMotion =
    window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var number = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var GREEN = "#0b6e4f";
  var GRID = "#d9e0e4";

  function series(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function percent(value) {
    return value === null || value === undefined ? "—" : number.format(value) + "\u00a0%";
  }

  function axis() {
    return {
      min: 0,
      max: 100,
      grid: { color: GRID },
      ticks: {
        callback: function (value) {
          return whole.format(value) + "\u00a0%";
        },
      },
    };
  }

  function options(valueAxis) {
    var scales = {};
    scales[valueAxis] = axis();
    // Every category name is shown; months may be skipped when they do not fit.
    scales[valueAxis === "x" ? "y" : "x"] = { ticks: { autoSkip: valueAxis === "y" } };
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 400 },
      locale: lang,
      indexAxis: valueAxis === "x" ? "y" : "x",
      scales: scales,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: function (context) {
              return context.dataset.label + ": " + percent(context.parsed[valueAxis]);
            },
          },
        },
      },
    };
  }

  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 13;
  Chart.defaults.color = "#1f2933";

  // Long category names on several lines, so the axis never cuts them off on a phone.
  function wrap(label, width) {
    var lines = [];
    label.split(" ").forEach(function (word) {
      var last = lines.length - 1;
      if (last >= 0 && (lines[last] + " " + word).length <= width) {
        lines[last] += " " + word;
      } else {
        lines.push(word);
      }
    });
    return lines;
  }

  var categories = series("categories-chart-data");
  var categoriesCanvas = document.getElementById("categories-chart");
  if (categories && categoriesCanvas) {
    new Chart(categoriesCanvas, {
      type: "bar",
      data: {
        labels: categories.labels.map(function (label) {
          // About two fifths of the chart's width goes to the names: two lines, rarely three.
          return wrap(label, Math.max(12, Math.floor(categoriesCanvas.parentNode.clientWidth / 18)));
        }),
        datasets: [
          {
            label: categories.label,
            data: categories.values,
            backgroundColor: GREEN,
            borderRadius: 3,
            maxBarThickness: 28,
          },
        ],
      },
      options: options("x"),
    });
  }

  // A monthly trend as a line of percentages: coverage, and the share of villages enrolled.
  function trendChart(dataId, canvasId) {
    var trend = series(dataId);
    var canvas = document.getElementById(canvasId);
    if (!trend || !canvas) return;
    new Chart(canvas, {
      type: "line",
      data: {
        labels: trend.labels,
        datasets: [
          {
            label: trend.label,
            data: trend.values,
            borderColor: GREEN,
            backgroundColor: "rgba(11, 110, 79, 0.12)",
            fill: true,
            pointRadius: 4,
            pointBackgroundColor: GREEN,
            spanGaps: true,
            tension: 0.2,
          },
        ],
      },
      options: options("y"),
    });
  }

  trendChart("trend-chart-data", "trend-chart");
  trendChart("villages-trend-chart-data", "villages-trend-chart");
})();
