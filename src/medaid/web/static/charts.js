// Start-page bar chart: rows per contract table, from the data-counts attribute (no inline script, CSP-friendly).
(function () {
  var el = document.getElementById("rows-chart");
  if (!el || !window.echarts) return;
  var counts = JSON.parse(el.dataset.counts || "{}");
  var chart = echarts.init(el);
  chart.setOption({
    grid: { left: 90, right: 20, top: 10, bottom: 30 },
    tooltip: {},
    xAxis: { type: "value" },
    yAxis: { type: "category", data: Object.keys(counts), inverse: true },
    series: [{ type: "bar", name: el.dataset.label, data: Object.values(counts), itemStyle: { color: "#0b6e4f" } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
