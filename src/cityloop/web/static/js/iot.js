// IoT device page: each metric's readings as an ECharts line with its threshold lines (data-series of #iot-series).
(function () {
  "use strict";
  var data = document.getElementById("iot-series");
  if (!data || !window.echarts) return;
  var series = JSON.parse(data.dataset.series || "[]");
  document.querySelectorAll(".iot-chart").forEach(function (el) {
    var s = series[Number(el.dataset.index)];
    if (!s || !s.points.length) { el.hidden = true; return; }
    var lines = [];
    if (s.high !== null) lines.push({yAxis: s.high, name: "high"});
    if (s.low !== null) lines.push({yAxis: s.low, name: "low"});
    var chart = echarts.init(el, null, {renderer: "svg"});
    chart.setOption({
      grid: {left: 40, right: 12, top: 16, bottom: 28, containLabel: true},
      tooltip: {trigger: "axis"},
      xAxis: {type: "time"},
      yAxis: {type: "value", scale: true, name: s.unit},
      series: [{type: "line", showSymbol: false, data: s.points, name: s.metric,
                markLine: {symbol: "none", silent: true, lineStyle: {color: "#d33", type: "dashed"},
                           label: {formatter: "{c}"}, data: lines}}]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
