/*
 * The usage chart of an arrangement's page, drawn with uPlot (static/vendor/uplot).
 *   <div data-usage-chart="ID" data-label-date="…"> reads its data from <script id="ID">
 *   (json_script): {granularity: "day"|"month", x: [epoch s], series: [{label, values}],
 *   outages: [[start, end]], events: [{x, label}]}.
 * Counts inside an outage arrive as null: the line has a gap there, and the band is hatched.
 * Adaptations are dashed vertical lines with their label. The page's table holds the same data.
 */
(function () {
  "use strict";

  // WCAG 2.1 non-text contrast (3:1 on white), and a dash pattern each so colour is not alone.
  var COLORS = ["#1d4ed8", "#c2410c", "#047857", "#6d28d9", "#b91c1c", "#374151"];
  var DASHES = [[], [10, 4], [2, 4], [12, 4, 2, 4], [6, 6], [1, 3]];
  var HEIGHT = 320;
  var DAY = 86400;

  function formatters(lang, granularity) {
    var utc = { timeZone: "UTC" };
    var numbers = new Intl.NumberFormat(lang);
    var day = new Intl.DateTimeFormat(lang, Object.assign({ day: "numeric", month: "short", year: "numeric" }, utc));
    var dayShort = new Intl.DateTimeFormat(lang, Object.assign({ day: "numeric", month: "short" }, utc));
    var month = new Intl.DateTimeFormat(lang, Object.assign({ month: "long", year: "numeric" }, utc));
    var monthShort = new Intl.DateTimeFormat(lang, Object.assign({ month: "short", year: "numeric" }, utc));
    var year = new Intl.DateTimeFormat(lang, Object.assign({ year: "numeric" }, utc));
    return {
      number: function (v) { return v == null ? "—" : numbers.format(v); },
      period: function (v) {
        if (v == null) return "—";
        return (granularity === "day" ? day : month).format(new Date(v * 1000));
      },
      tick: function (v, increment) {
        var d = new Date(v * 1000);
        if (increment >= 360 * DAY) return year.format(d);
        if (increment >= 28 * DAY) return monthShort.format(d);
        return dayShort.format(d);
      },
    };
  }

  function hatching(ctx) {
    var tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    var t = tile.getContext("2d");
    t.fillStyle = "rgba(107, 114, 128, 0.12)";
    t.fillRect(0, 0, 8, 8);
    t.strokeStyle = "rgba(75, 85, 99, 0.45)";
    t.lineWidth = 1;
    t.beginPath();
    t.moveTo(0, 8);
    t.lineTo(8, 0);
    t.stroke();
    return ctx.createPattern(tile, "repeat");
  }

  // Outage bands under the lines, adaptation markers over them.
  function annotations(data) {
    return {
      hooks: {
        drawClear: [
          function (u) {
            var ctx = u.ctx;
            var box = u.bbox;
            ctx.save();
            ctx.fillStyle = hatching(ctx);
            data.outages.forEach(function (band) {
              var left = Math.max(u.valToPos(band[0], "x", true), box.left);
              var right = Math.min(u.valToPos(band[1], "x", true), box.left + box.width);
              if (right > left) ctx.fillRect(left, box.top, right - left, box.height);
            });
            ctx.restore();
          },
        ],
        draw: [
          function (u) {
            var ctx = u.ctx;
            var box = u.bbox;
            var ratio = window.devicePixelRatio || 1;
            ctx.save();
            ctx.strokeStyle = "#111827";
            ctx.fillStyle = "#111827";
            ctx.lineWidth = 1.5 * ratio;
            ctx.setLineDash([5 * ratio, 4 * ratio]);
            ctx.font = 12 * ratio + "px system-ui, sans-serif";
            ctx.textBaseline = "top";
            data.events.forEach(function (event, i) {
              var x = Math.round(u.valToPos(event.x, "x", true));
              if (x < box.left || x > box.left + box.width) return;
              ctx.beginPath();
              ctx.moveTo(x, box.top);
              ctx.lineTo(x, box.top + box.height);
              ctx.stroke();
              // Labels alternate between two rows so that neighbours do not overlap.
              var width = ctx.measureText(event.label).width;
              var left = x + 4 * ratio + width > box.left + box.width ? x - 4 * ratio - width : x + 4 * ratio;
              ctx.fillText(event.label, left, box.top + (2 + (i % 2) * 16) * ratio);
            });
            ctx.restore();
          },
        ],
      },
    };
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.usageChart);
    if (!source || typeof uPlot === "undefined") return;
    var data = JSON.parse(source.textContent);
    if (!data.x || !data.x.length) return;
    var lang = document.documentElement.lang || "fr";
    var fmt = formatters(lang, data.granularity);
    var monthly = data.granularity === "month";
    var series = [{ label: el.dataset.labelDate, value: function (u, v) { return fmt.period(v); } }];
    data.series.forEach(function (s, i) {
      series.push({
        label: s.label,
        stroke: COLORS[i % COLORS.length],
        dash: DASHES[i % DASHES.length],
        width: 2,
        spanGaps: false,
        points: { show: monthly, size: 5 },
        value: function (u, v) { return fmt.number(v); },
      });
    });
    var options = {
      width: Math.max(el.clientWidth, 280),
      height: HEIGHT,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(max * 1.08, 10)]; } } },
      axes: [
        {
          values: function (u, splits, axis, space, increment) {
            return splits.map(function (v) { return fmt.tick(v, increment); });
          },
        },
        { size: 64, values: function (u, splits) { return splits.map(fmt.number); } },
      ],
      series: series,
      plugins: [annotations(data)],
    };
    var plot = new uPlot(options, [data.x].concat(data.series.map(function (s) { return s.values; })), el);
    el.dataset.chartReady = "true";
    if (window.ResizeObserver) {
      var width = options.width;
      new ResizeObserver(function () {
        var next = Math.max(el.clientWidth, 280);
        if (next === width) return;
        width = next;
        plot.setSize({ width: width, height: HEIGHT });
      }).observe(el);
    }
  }

  function init() {
    document.querySelectorAll("[data-usage-chart]").forEach(function (el) {
      if (el.dataset.chartReady) return;
      draw(el);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
