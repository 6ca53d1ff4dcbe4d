// Runs in the browser, inlined into history.html after uPlot: draws every
// .nodrop-history element (one metric of one scenario, night by night) from
// the JSON data element inside it. Plain ES2017, no imports (the page must
// open offline from a file).
//   data: { metric: "failed" | "disruption" | "p99", budget, rollouts, nights: [...] }
//   (harness/nightly/history-data.ts HistoryNight)
// Each night is a point coloured by its result; a failed or regressed night
// also gets a red line across the plot, a night whose tools changed a grey
// dashed one; the baseline's limit before each night is a shaded band.
// Clicking a point opens that night's run report.
(function () {
  "use strict";
  var PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948"];
  var RESULT_COLOR = { new: "#1565c0", ok: "#2e7d32", regression: "#c62828", failed: "#c62828", inconclusive: "#8d6e00" };
  var BAD = { failed: true, regression: true };

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; });
  }
  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }
  function day(x) { return new Date(x * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC"; }

  /** The metric's series: [{ label, values[], limits[] (null: no band) }]. */
  function seriesOf(d) {
    var n = d.nights;
    if (d.metric === "failed") return [{ label: "failed requests", values: n.map(function (x) { return x.failed; }), limits: n.map(function () { return d.budget > 0 ? d.budget : null; }) }];
    if (d.metric === "disruption") return [{ label: "disruption, s", values: n.map(function (x) { return x.disruptionSeconds; }), limits: n.map(function (x) { return x.disruptionLimit; }) }];
    return d.rollouts.map(function (label) {
      return { label: label + " p99, ms", values: n.map(function (x) { return x.p99Ms[label]; }), limits: n.map(function (x) { return x.p99LimitMs[label]; }) };
    });
  }

  function draw(el) {
    var d = JSON.parse(el.querySelector("script[type='application/json']").textContent);
    var plotEl = el.querySelector(".plot");
    var tip = el.querySelector(".tip");
    var xs = d.nights.map(function (x) { return x.x; });
    var all = seriesOf(d);
    var stats = { points: 0, bad: 0, tools: 0, bands: 0 };
    // Half the smallest gap between nights: the width of a night's band.
    var half = 43200;
    for (var i = 1; i < xs.length; i++) half = Math.min(half, Math.max(1, (xs[i] - xs[i - 1]) / 2));

    function vline(u, x, color, dash) {
      var px = Math.round(u.valToPos(x, "x", true)), dpr = devicePixelRatio;
      if (px < u.bbox.left || px > u.bbox.left + u.bbox.width) return false;
      u.ctx.strokeStyle = color; u.ctx.lineWidth = 2 * dpr;
      u.ctx.setLineDash(dash ? [4 * dpr, 4 * dpr] : []);
      u.ctx.beginPath(); u.ctx.moveTo(px, u.bbox.top); u.ctx.lineTo(px, u.bbox.top + u.bbox.height); u.ctx.stroke();
      u.ctx.setLineDash([]);
      return true;
    }

    function drawBands(u) {
      stats.bands = 0;
      all.forEach(function (s, k) {
        var c = PALETTE[k % PALETTE.length];
        s.limits.forEach(function (lim, i) {
          if (lim == null) return;
          var x0 = u.valToPos(xs[i] - half, "x", true), x1 = u.valToPos(xs[i] + half, "x", true);
          var y0 = u.valToPos(0, "y", true), y1 = u.valToPos(lim, "y", true);
          u.ctx.fillStyle = alpha(c, 0.12);
          u.ctx.fillRect(Math.max(u.bbox.left, x0), y1, Math.min(u.bbox.left + u.bbox.width, x1) - Math.max(u.bbox.left, x0), y0 - y1);
          stats.bands++;
        });
      });
    }

    function drawMarks(u) {
      var dpr = devicePixelRatio;
      stats.points = 0; stats.bad = 0; stats.tools = 0;
      d.nights.forEach(function (night, i) {
        if (night.toolsChanged.length && vline(u, xs[i] - half / 2, "#757575", true)) stats.tools++;
        if (BAD[night.result] && vline(u, xs[i], alpha("#c62828", 0.5), false)) stats.bad++;
        all.forEach(function (s) {
          var v = s.values[i];
          if (v == null) return;
          var px = u.valToPos(xs[i], "x", true), py = u.valToPos(v, "y", true);
          u.ctx.fillStyle = RESULT_COLOR[night.result] || "#333";
          u.ctx.beginPath(); u.ctx.arc(px, py, 5 * dpr, 0, 2 * Math.PI); u.ctx.fill();
          stats.points++;
        });
      });
      el.setAttribute("data-rendered", "1");
      el.setAttribute("data-points-drawn", String(stats.points));
      el.setAttribute("data-bad-drawn", String(stats.bad));
      el.setAttribute("data-tools-drawn", String(stats.tools));
      el.setAttribute("data-bands-drawn", String(stats.bands));
    }

    function nearest(u) {
      var left = u.cursor.left;
      if (left == null || left < 0 || !xs.length) return -1;
      var x = u.posToVal(left, "x"), best = 0;
      for (var i = 1; i < xs.length; i++) if (Math.abs(xs[i] - x) < Math.abs(xs[best] - x)) best = i;
      return Math.abs(u.valToPos(xs[best], "x") - left) <= 12 ? best : -1;
    }

    function hover(u) {
      var i = nearest(u);
      if (i < 0) { tip.style.display = "none"; return; }
      var night = d.nights[i];
      var lines = ["<b>" + esc(night.night) + "</b> (" + day(night.x) + "): <b style='color:" + (RESULT_COLOR[night.result] || "#333") + "'>" + esc(night.result) + "</b>, verdict " + esc(night.verdict)];
      all.forEach(function (s) {
        if (s.values[i] == null) return;
        lines.push(esc(s.label) + ": " + s.values[i] + (s.limits[i] == null ? "" : " (limit " + s.limits[i] + ")"));
      });
      if (night.headline) lines.push(esc(night.headline));
      night.toolsChanged.forEach(function (t) { lines.push("tools changed: " + esc(t)); });
      lines.push(night.href ? "click: open run " + esc(night.runId) : "run " + esc(night.runId) + ": folder gone");
      tip.innerHTML = lines.join("<br>");
      tip.style.display = "block";
      var over = u.over.getBoundingClientRect(), box = el.getBoundingClientRect();
      tip.style.left = Math.max(0, Math.min(over.left - box.left + u.cursor.left + 12, el.clientWidth - 360)) + "px";
      tip.style.top = over.top - box.top + (u.cursor.top || 0) + 16 + "px";
    }

    var series = [{ label: "night", value: function (u, v) { return v == null ? "" : day(v); } }];
    all.forEach(function (s, k) {
      series.push({ label: s.label, stroke: PALETTE[k % PALETTE.length], width: 1.5, points: { show: false }, spanGaps: true });
    });
    var yLabel = d.metric === "failed" ? "failed requests" : d.metric === "disruption" ? "disruption, s" : "p99 latency, ms";
    var opts = {
      width: Math.max(320, plotEl.clientWidth),
      height: 240,
      scales: {
        // Fixed: every night, a night's width either side (uPlot pads a lone point by years).
        x: { time: true, range: function () { return xs.length ? [xs[0] - half * 2, xs[xs.length - 1] + half * 2] : [0, 1]; } },
        y: {
          range: function (u, min, max) {
            var top = Math.max(1, max);
            all.forEach(function (s) { s.limits.forEach(function (l) { if (l != null) top = Math.max(top, l); }); });
            return [0, top * 1.1];
          },
        },
      },
      axes: [{}, { label: yLabel }],
      series: series,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      hooks: { drawClear: [drawBands], draw: [drawMarks], setCursor: [hover] },
    };
    var data = [xs].concat(all.map(function (s) { return s.values; }));
    var u = new uPlot(opts, data, plotEl);
    u.over.addEventListener("click", function () {
      var i = nearest(u);
      if (i >= 0 && d.nights[i].href) window.location.href = d.nights[i].href;
    });
    window.addEventListener("resize", function () { u.setSize({ width: Math.max(320, plotEl.clientWidth), height: 240 }); });
    return u;
  }

  window.nodropHistory = [];
  document.querySelectorAll(".nodrop-history").forEach(function (el) {
    try { window.nodropHistory.push(draw(el)); }
    catch (e) { el.setAttribute("data-error", String(e && e.message || e)); el.querySelector(".plot").textContent = "chart failed: " + e; }
  });
})();
