// Runs in the browser, inlined into report.html after uPlot: draws every
// .nodrop-chart element from the JSON data element inside it.
// Plain ES2017, no imports (the page must open offline from a file).
(function () {
  "use strict";
  var PALETTE = ["#4e79a7", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#bab0ac"];
  var FAIL = "#d62728";
  var MARK_STRIP = 16; // css px at the bottom of the plot where marks are drawn

  function fmt(s) { return (s < 0 ? "" : "+") + s.toFixed(3) + " s"; }
  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }

  function draw(el) {
    var d = JSON.parse(el.querySelector("script[type='application/json']").textContent);
    var MARK_COLOR = d.markColors || {}; // set by chart/html.ts, which also draws the key
    var plotEl = el.querySelector(".plot");
    var tip = el.querySelector(".tip");
    var stats = { marks: 0, outages: 0, windows: 0 };
    var bucket = d.bucketMs >= 1000 ? d.bucketMs / 1000 + " s" : d.bucketMs + " ms";

    function band(u, from, to, fill) {
      var x0 = Math.max(u.bbox.left, u.valToPos(from, "x", true));
      var x1 = Math.min(u.bbox.left + u.bbox.width, u.valToPos(to, "x", true));
      if (x1 < x0) return false;
      u.ctx.fillStyle = fill;
      u.ctx.fillRect(x0, u.bbox.top, Math.max(x1 - x0, 2 * devicePixelRatio), u.bbox.height);
      return true;
    }

    function drawBands(u) {
      stats.windows = 0; stats.outages = 0;
      d.windows.forEach(function (w) { if (band(u, w.start, w.end, "rgba(31,119,180,0.10)")) stats.windows++; });
      // An outage is at least one bucket wide on screen, so one failed request shows.
      d.outages.forEach(function (o) { if (band(u, o.start, Math.max(o.end, o.start + d.bucketMs / 1000), "rgba(214,39,40,0.18)")) stats.outages++; });
    }

    function drawMarks(u) {
      var ctx = u.ctx, dpr = devicePixelRatio, bottom = u.bbox.top + u.bbox.height;
      stats.marks = 0;
      d.marks.forEach(function (m) {
        var x = Math.round(u.valToPos(m.t, "x", true));
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        ctx.strokeStyle = alpha(MARK_COLOR[m.kind] || "#333333", 0.35);
        ctx.lineWidth = dpr;
        ctx.setLineDash([3 * dpr, 3 * dpr]);
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, bottom - MARK_STRIP * dpr); ctx.stroke();
        ctx.setLineDash([]);
        ctx.strokeStyle = MARK_COLOR[m.kind] || "#333333";
        ctx.lineWidth = 3 * dpr;
        ctx.beginPath(); ctx.moveTo(x, bottom - MARK_STRIP * dpr); ctx.lineTo(x, bottom); ctx.stroke();
        stats.marks++;
      });
      // Every failed request at its millisecond, as a tick along the top (seen when zoomed in).
      ctx.fillStyle = FAIL;
      var lastX = -1;
      (d.failedAt || []).forEach(function (t) {
        var fx = Math.round(u.valToPos(t, "x", true));
        if (fx < u.bbox.left || fx > u.bbox.left + u.bbox.width || fx === lastX) return;
        ctx.fillRect(fx, u.bbox.top, Math.max(1, dpr), 6 * dpr);
        lastX = fx;
      });
      el.setAttribute("data-rendered", "1");
      el.setAttribute("data-marks-drawn", String(stats.marks));
      el.setAttribute("data-outages-drawn", String(stats.outages));
      el.setAttribute("data-windows-drawn", String(stats.windows));
    }

    function hover(u) {
      var left = u.cursor.left;
      if (left == null || left < 0) { tip.style.display = "none"; return; }
      var t = u.posToVal(left, "x");
      var px = u.posToVal(left + 4, "x") - t; // 4 css px in seconds
      var lines = [];
      d.outages.forEach(function (o) {
        if (t >= o.start - px && t <= Math.max(o.end, o.start + d.bucketMs / 1000) + px) {
          lines.push("<b>outage " + fmt(o.start) + " … " + fmt(o.end) + ", " + o.failed + " failed</b><br>" + esc(o.why));
        }
      });
      d.marks.forEach(function (m) {
        if (Math.abs(m.t - t) <= px) lines.push("<span style='color:" + (MARK_COLOR[m.kind] || "#333") + "'>■</span> " + esc(m.pod) + ": " + esc(m.kind) + " at " + fmt(m.t));
      });
      if (lines.length === 0) { tip.style.display = "none"; tip.removeAttribute("data-kind"); return; }
      tip.innerHTML = lines.join("<br>");
      tip.style.display = "block";
      tip.setAttribute("data-kind", lines[0].indexOf("<b>outage") === 0 ? "outage" : "mark");
      var over = u.over.getBoundingClientRect(), box = el.getBoundingClientRect();
      var x = over.left - box.left + left + 12;
      tip.style.left = Math.max(0, Math.min(x, el.clientWidth - 360)) + "px";
      tip.style.top = over.top - box.top + (u.cursor.top || 0) + 16 + "px";
    }

    // A version's series is null before its first and after its last answer
    // (no line along the axis where it did not exist); zeros inside stay.
    function lifetime(s) {
      var first = -1, last = -1;
      for (var i = 0; i < s.length; i++) if (s[i] > 0) { if (first < 0) first = i; last = i; }
      return s.map(function (v, i) { return i < first || i > last ? null : v; });
    }

    function esc(s) {
      return String(s).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; });
    }

    var series = [{ label: "time", value: function (u, v) { return v == null ? "" : fmt(v); } }];
    d.versions.forEach(function (name, i) {
      var c = PALETTE[i % PALETTE.length];
      series.push({ label: name + " (req/s)", scale: "rps", stroke: c, fill: alpha(c, 0.15), width: 1.5, paths: uPlot.paths.stepped({ align: 1 }) });
    });
    series.push({ label: "failed (per " + bucket + ")", scale: "fail", stroke: FAIL, fill: alpha(FAIL, 0.6), width: 1, paths: uPlot.paths.bars({ size: [1, Infinity, 2], align: 1 }) });

    var opts = {
      width: Math.max(320, plotEl.clientWidth),
      height: 380,
      scales: {
        x: { time: false },
        rps: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.05]; } },
        fail: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.05]; } },
      },
      axes: [
        { label: "seconds since the first request (drag to zoom, double-click to reset)", values: function (u, vals) { return vals.map(function (v) { return "+" + (+v.toFixed(3)); }); } },
        { scale: "rps", label: "requests/s answered 200" },
        { scale: "fail", side: 1, label: "failed requests per " + bucket, stroke: FAIL, grid: { show: false } },
      ],
      series: series,
      cursor: { drag: { x: true, y: false } },
      hooks: { drawClear: [drawBands], draw: [drawMarks], setCursor: [hover] },
    };
    // No bar where nothing failed (a zero would draw a red line along the axis).
    // The last bucket gets its end on the axis, so requests (and outages) in it show.
    var end = d.x.length ? [d.x[d.x.length - 1] + d.bucketMs / 1000] : [];
    var tail = d.x.length ? [null] : [];
    var data = [d.x.concat(end)].concat(
      d.perVersion.map(function (s) { return lifetime(s).concat(tail); }),
      [d.failed.map(function (n) { return n > 0 ? n : null; }).concat(tail)]
    );
    var u = new uPlot(opts, data, plotEl);
    el.setAttribute("data-series", series.slice(1).map(function (s) { return s.label; }).join("|"));
    window.addEventListener("resize", function () { u.setSize({ width: Math.max(320, plotEl.clientWidth), height: 380 }); });
    return u;
  }

  window.nodropCharts = [];
  document.querySelectorAll(".nodrop-chart").forEach(function (el) {
    try { window.nodropCharts.push(draw(el)); }
    catch (e) { el.setAttribute("data-error", String(e && e.message || e)); el.querySelector(".plot").textContent = "chart failed: " + e; }
  });
})();
