/*
 * Charts of the gap pages, drawn with Chart.js (vendored from npm, served by
 * webassets). The numbers come from the JSON the page embeds
 * (<script type="application/json" id="...">); the same numbers are in the
 * page's tables, so nothing depends on this script.
 */
this.ckan.module("provincial-gap-charts", function () {
  "use strict";

  function chartData(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // A chart fills its column's width (Chart.js is responsive); the bar and line charts get a
  // height of their own (a box around the canvas) instead of half their width, which left a
  // phone's bars a few pixels thick: one band per development issue, plus axis and legend.
  function sized(canvas, height) {
    var box = document.createElement("div");
    box.className = "provincial-gap-canvas";
    box.style.height = height + "px";
    canvas.parentNode.insertBefore(box, canvas);
    box.appendChild(canvas);
    return canvas;
  }

  function narrow() {
    return window.matchMedia && window.matchMedia("(max-width: 575.98px)").matches;
  }

  function donut(canvas, data) {
    return new window.Chart(canvas, {
      type: "doughnut",
      data: {
        labels: data.donut.labels,
        datasets: [{data: data.donut.values, backgroundColor: data.donut.colours}]
      },
      options: {plugins: {legend: {position: "bottom"}}, cutout: "60%"}
    });
  }

  function stacked(canvas, data) {
    var band = narrow() ? 34 : 44;
    sized(canvas, Math.max(200, data.issues.labels.length * band + (narrow() ? 130 : 90)));
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.issues.labels,
        datasets: data.issues.series.map(function (series) {
          return {label: series.label, data: series.values, backgroundColor: series.colour};
        })
      },
      options: {
        maintainAspectRatio: false,
        indexAxis: "y",
        scales: {x: {stacked: true, title: {display: true, text: data.texts.requirements}, ticks: {precision: 0}},
                 y: {stacked: true}},
        plugins: {legend: {position: "bottom"}}
      }
    });
  }

  function trend(canvas, data) {
    sized(canvas, narrow() ? 240 : 300);
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.trend.labels,
        datasets: [
          {label: data.texts.coverage, data: data.trend.coverage, borderColor: "#009E73", backgroundColor: "#009E73"},
          {label: data.texts.readiness, data: data.trend.readiness, borderColor: "#0072B2", backgroundColor: "#0072B2"}
        ]
      },
      options: {maintainAspectRatio: false, scales: {y: {min: 0, max: 100}}, plugins: {legend: {position: "bottom"}}}
    });
  }

  // A canvas draws with the fonts the machine has, not the page's web font: without a Thai
  // system font the labels were empty boxes. The charts take the page's font (the bundled
  // Sarabun, typography.css) and are drawn once its Thai and Latin faces are loaded.
  function pageFontLoaded() {
    var family = window.getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.font.family = family;
    if (!document.fonts || !document.fonts.load) {
      return Promise.resolve();
    }
    var faces = ["400 12px ", "700 12px "].map(function (weight) {
      return document.fonts.load(weight + family, "ก Aa 0");
    });
    return Promise.all(faces).catch(function () { return null; });
  }

  return {
    options: {source: "provincial-gap-data"},
    initialize: function () {
      if (!window.Chart) {
        return;
      }
      var data = chartData(this.options.source);
      if (!data) {
        return;
      }
      var draw = this.draw.bind(this, data);
      pageFontLoaded().then(draw);
    },
    draw: function (data) {
      var root = this.el[0];
      var canvas = function (id) { return root.querySelector("#" + id); };
      if (data.donut && canvas("provincial-gap-donut")) {
        donut(canvas("provincial-gap-donut"), data);
      }
      if (data.issues && canvas("provincial-gap-issues")) {
        stacked(canvas("provincial-gap-issues"), data);
      }
      if (data.trend && data.trend.labels.length && canvas("provincial-gap-trend")) {
        trend(canvas("provincial-gap-trend"), data);
      }
    }
  };
});

/*
 * A search box over a long <select multiple> (the provinces to compare): typing hides the
 * options whose text does not contain it; chosen options always stay in view.
 */
this.ckan.module("provincial-option-filter", function () {
  "use strict";

  return {
    options: {target: null},
    initialize: function () {
      var input = this.el[0];
      var select = document.getElementById(this.options.target);
      if (!select) {
        return;
      }
      input.hidden = false;
      input.addEventListener("input", function () {
        var wanted = input.value.trim().toLowerCase();
        Array.prototype.forEach.call(select.options, function (option) {
          option.hidden = Boolean(wanted) && !option.selected &&
            option.textContent.toLowerCase().indexOf(wanted) === -1;
        });
      });
    }
  };
});
