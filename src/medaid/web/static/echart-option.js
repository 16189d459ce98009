// Render every element with data-echart (an ECharts option as JSON, built on the server). No inline script.
(function () {
  if (!window.echarts) return;
  document.querySelectorAll("[data-echart]").forEach(function (el) {
    var chart = echarts.init(el);
    chart.setOption(JSON.parse(el.dataset.echart));
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
