// Reconciliation chart: open problems per township, stacked by problem type (data-chart attribute, no inline script).
(function () {
  var el = document.getElementById("recon-chart");
  if (!el || !window.echarts) return;
  var data = JSON.parse(el.dataset.chart || "{}");
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", top: 0 },
    grid: { left: 90, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: data.townships || [], inverse: true },
    series: (data.series || []).map(function (s) { return { type: "bar", stack: "all", name: s.name, data: s.data }; })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
