// Draws the rating-history chart with the vendored uPlot from the JSON embedded in the page,
// replacing the server-drawn SVG (which stays when JavaScript is off or this fails).
(function () {
  "use strict";
  var holder = document.getElementById("chart");
  var source = document.getElementById("chart-data");
  if (!holder || !source || typeof uPlot === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colors = ["#2456a6", "#b02a2a", "#1e7b34", "#8e44ad", "#b8860b", "#117a8b"];
  // uPlot wants one x array shared by every series: merge the times, null where a race has none.
  var times = {};
  data.series.forEach(function (s) { s.t.forEach(function (t) { times[t] = true; }); });
  var xs = Object.keys(times).map(Number).sort(function (a, b) { return a - b; });
  var at = {};
  xs.forEach(function (t, i) { at[t] = i; });
  var columns = [xs];
  var points = 0;
  data.series.forEach(function (s) {
    var ys = new Array(xs.length).fill(null);
    s.t.forEach(function (t, i) { ys[at[t]] = s.r[i]; });
    points += s.t.length;
    columns.push(ys);
  });
  var breaks = data.breaks || [];
  var seasonLines = {
    hooks: {
      draw: [function (u) {
        var ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = "#999";
        ctx.setLineDash([4, 3]);
        breaks.forEach(function (b) {
          var x = Math.round(u.valToPos(b, "x", true));
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
        });
        ctx.restore();
      }]
    }
  };
  var width = Math.max(280, holder.clientWidth || 800);
  var opts = {
    width: width,
    height: Math.round(Math.min(320, Math.max(200, width * 0.4))),
    plugins: [seasonLines],
    scales: { x: { time: true } },
    series: [{}].concat(data.series.map(function (s, i) {
      return { label: s.name || s.race, stroke: colors[i % colors.length], width: 1.5, spanGaps: true,
               points: { show: false } };
    })),
    axes: [{}, {}]
  };
  holder.textContent = "";
  var plot = new uPlot(opts, columns, holder);
  holder.setAttribute("data-drawn", "uplot");
  holder.setAttribute("data-points", String(points));
  window.addEventListener("resize", function () {
    var w = Math.max(280, holder.clientWidth || 800);
    plot.setSize({ width: w, height: Math.round(Math.min(320, Math.max(200, w * 0.4))) });
  });
})();
