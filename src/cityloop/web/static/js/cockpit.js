// Cockpit: draws the figures of /cockpit/data (all computed by the KPI service) with ECharts and Leaflet.
(function () {
  "use strict";
  var root = document.getElementById("cockpit");
  if (!root || !window.echarts) return;
  var dark = root.dataset.dark === "true", en = root.dataset.lang === "en";
  var theme = dark ? "dark" : null, charts = {}, map = null, layer = null;
  var bg = dark ? "transparent" : "#fff";

  function pct(v) { return v === null || v === undefined || v === "-" ? "—" : (v * 100).toFixed(1) + "%"; }
  function fmt(v, rate) { return rate ? pct(v) : (v === null || v === undefined ? "—" : String(v)); }
  function hours(v) {
    if (v === null || v === undefined) return "—";
    var d = Math.floor(v / 24), h = Math.round(v - d * 24);
    if (h === 24) { d += 1; h = 0; }
    return en ? (d ? d + " d " : "") + h + " h" : (d ? d + "天" : "") + h + "小时";
  }
  function tileValue(t) { return t.unit === "hours" ? hours(t.value) : fmt(t.value, t.rate); }
  function change(t) {
    // Period on period: rates compare in percentage points, counts and hours as a relative change.
    if (t.value === null || t.previous === null || t.previous === undefined) return null;
    var diff = t.rate ? (t.value - t.previous) * 100 : (t.previous ? (t.value - t.previous) / t.previous * 100 : null);
    if (diff === null) return null;
    var text = (en ? "vs previous " : "环比 ") + (diff >= 0 ? "+" : "") + diff.toFixed(1) + (t.rate ? (en ? " pt" : "个百分点") : "%");
    var worse = t.lower_is_better ? diff > 0 : diff < 0;
    return {text: text, cls: diff === 0 ? "" : worse ? " worse" : " better"};
  }
  var narrow = window.matchMedia && window.matchMedia("(max-width: 600px)").matches;
  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init(document.getElementById(id), theme, {renderer: "canvas"});
    return charts[id];
  }

  function tiles(d) {
    var box = document.getElementById("tiles");
    box.replaceChildren.apply(box, d.tiles.map(function (t) {
      var div = document.createElement("div"), v = document.createElement("b"), l = document.createElement("span");
      div.className = "tile" + (t.key === "overdue_count" && t.value > 0 ? " bad" : "");
      div.dataset.key = t.key;
      div.title = t.hint || ""; div.tabIndex = 0;
      v.textContent = tileValue(t); l.textContent = t.label;
      div.append(v, l);
      var c = change(t);
      if (c) { var s = document.createElement("small"); s.className = "tile-change" + c.cls; s.textContent = c.text; div.append(s); }
      return div;
    }));
  }

  function trend(d) {
    var L = d.labels, keys = ["received", "completed", "overdue_count"];
    chart("chart-trend").setOption({
      backgroundColor: bg, tooltip: {trigger: "axis"}, legend: {top: 0},
      grid: {left: 40, right: 50, top: 30, bottom: 30},
      xAxis: {type: "category", data: d.trend.map(function (r) { return r.label; })},
      yAxis: [{type: "value"}, {type: "value", max: 1, axisLabel: {formatter: function (v) { return v * 100 + "%"; }}}],
      series: keys.map(function (k) {
        return {name: L[k], type: "line", smooth: true, showSymbol: false, data: d.trend.map(function (r) { return r[k]; }),
          itemStyle: k === "overdue_count" ? {color: "#ff4d4f"} : undefined};
      }).concat([{name: L.on_time_completion_rate, type: "line", yAxisIndex: 1, smooth: true, showSymbol: false,
        lineStyle: {type: "dashed"}, data: d.trend.map(function (r) { return r.on_time_completion_rate; })}])
    }, true);
  }

  function pie(id, rows, name) {
    chart(id).setOption({
      backgroundColor: bg, tooltip: {trigger: "item"},
      legend: narrow ? {type: "scroll", bottom: 0} : undefined,
      // On a phone the labels sit in a legend below the pie so none is cut at the edge.
      series: [{name: name, type: "pie", radius: narrow ? ["25%", "50%"] : ["35%", "70%"], avoidLabelOverlap: true,
        center: narrow ? ["50%", "42%"] : ["50%", "50%"],
        label: narrow ? {show: false} : {formatter: "{b}\n{c}"},
        data: rows.map(function (r) { return {name: r.label, value: r.received}; })}]
    }, true);
  }

  function units(d) {
    // A unit with nothing due has no rate: it is left out instead of drawn as a red 0.0%.
    var rows = d.units.filter(function (r) { return r.key !== null && r.on_time_completion_rate !== null; }).slice()
      .sort(function (a, b) { return (a.on_time_completion_rate || 0) - (b.on_time_completion_rate || 0); });
    chart("chart-units").setOption({
      backgroundColor: bg, tooltip: {trigger: "axis", valueFormatter: pct},
      grid: {left: 110, right: 40, top: 10, bottom: 20},
      xAxis: {type: "value", max: 1, axisLabel: {formatter: function (v) { return v * 100 + "%"; }}},
      yAxis: {type: "category", data: rows.map(function (r) { return r.label; }), axisLabel: {width: 100, overflow: "truncate"}},
      series: [{name: d.labels.on_time_completion_rate, type: "bar", data: rows.map(function (r) {
        var v = r.on_time_completion_rate;
        return {value: v, itemStyle: {color: v === null ? "#999" : v < 0.8 ? "#ff4d4f" : v < 0.9 ? "#faad14" : "#52c41a"}};
      }), label: {show: true, position: "right", formatter: function (p) { return pct(p.value); }}}]
    }, true);
  }

  function heat(d) {
    var metrics = d.heat.metrics, rates = metrics.filter(function (m) { return m !== "overdue_count"; });
    var areas = d.areas, rateCells = [], lateCells = [], maxLate = 1;
    areas.forEach(function (a, y) {
      rates.forEach(function (m, x) { rateCells.push([x, y, a[m] === null ? "-" : a[m]]); });
      lateCells.push([rates.length, y, a.overdue_count]);
      maxLate = Math.max(maxLate, a.overdue_count);
    });
    chart("chart-heat").setOption({
      backgroundColor: bg,
      tooltip: {formatter: function (p) {
        var m = metrics[p.value[0]];
        return areas[p.value[1]].label + "<br>" + d.labels[m] + ": " + fmt(p.value[2], m !== "overdue_count");
      }},
      grid: {left: 110, right: 20, top: 10, bottom: 70},
      xAxis: {type: "category", data: metrics.map(function (m) { return d.labels[m]; }), axisLabel: {interval: 0, rotate: 20}},
      yAxis: {type: "category", data: areas.map(function (a) { return a.label; })},
      visualMap: [
        {seriesIndex: 0, min: 0.5, max: 1, calculable: false, orient: "horizontal", left: 0, bottom: 0, itemHeight: 80,
          inRange: {color: ["#ff4d4f", "#faad14", "#52c41a"]}, formatter: function (v) { return pct(v); }},
        {seriesIndex: 1, min: 0, max: maxLate, orient: "horizontal", right: 0, bottom: 0, itemHeight: 80,
          inRange: {color: [dark ? "#2b2b2b" : "#fff1f0", "#ff4d4f", "#a8071a"]}}],
      series: [
        {type: "heatmap", data: rateCells, label: {show: true, formatter: function (p) { return pct(p.value[2] === "-" ? null : p.value[2]); }}},
        {type: "heatmap", data: lateCells, label: {show: true, formatter: function (p) { return p.value[2]; }}}]
    }, true);
  }

  function mapLayer(d) {
    var el = document.getElementById("cockpit-map");
    if (!el || !window.CityMap) return;
    var first = !map;
    if (first) map = window.CityMap.baseMap(el);
    if (layer) layer.remove();
    layer = window.CityMap.pointLayer(d.points).addTo(map);
    if (first && el.dataset.gridsSrc) window.CityMap.addGrids(map, el, layer);  // grids once; points every refresh
    else if (d.points.features.length) map.fitBounds(layer.getBounds().pad(0.2), {maxZoom: 14});
  }

  function list(id, rows, text) {
    var box = document.getElementById(id);
    box.replaceChildren.apply(box, rows.map(function (r) { var li = document.createElement("li"); li.textContent = text(r); return li; }));
  }

  function draw(d) {
    tiles(d); trend(d); units(d); heat(d); mapLayer(d);
    pie("chart-category", d.categories, d.labels.received);
    pie("chart-channel", d.channels, d.labels.received);
    list("hot", d.hot, function (r) { return (r.label || r.title || "") + " · " + (r.received !== undefined ? r.received : r.count || ""); });
    var warn = d.warnings.filter(function (r) { return r.overdue_count > 0; });
    list("warnings", warn.length ? warn : [{label: en ? "No overdue cases" : "暂无超期", overdue_count: 0}], function (r) {
      return r.overdue_count ? r.label + " · " + d.labels.overdue_count + " " + r.overdue_count : r.label;
    });
    document.getElementById("as-of").textContent = (en ? "Updated " : "更新于 ") + new Date(d.as_of).toLocaleTimeString();
    root.dataset.points = String(d.points.features.length);
    root.dataset.loaded = "true";
    // Panels of other modules draw their own figures from the same answer.
    document.dispatchEvent(new CustomEvent("cockpit:data", {detail: d}));
  }

  function load() {
    fetch(root.dataset.src, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(draw)
      .catch(function (e) { document.getElementById("as-of").textContent = (en ? "Refresh failed: " : "刷新失败：") + e.message; });
  }

  load();
  setInterval(load, Math.max(15, +root.dataset.refresh || 60) * 1000);
  window.addEventListener("resize", function () { Object.values(charts).forEach(function (c) { c.resize(); }); });
})();
