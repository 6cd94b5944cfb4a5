// Leaflet maps without external tiles: a faint graticule as background, GeoJSON layers on top.
(function () {
  "use strict";
  var CENTRE = [30.274, 120.155]; // Hangzhou, the default city (3301); maps recentre on their data

  function graticule(bounds, step) {
    var lines = [];
    for (var x = Math.floor(bounds[0] / step) * step; x <= bounds[2]; x += step) lines.push([[x, bounds[1]], [x, bounds[3]]]);
    for (var y = Math.floor(bounds[1] / step) * step; y <= bounds[3]; y += step) lines.push([[bounds[0], y], [bounds[2], y]]);
    return {type: "Feature", geometry: {type: "MultiLineString", coordinates: lines}, properties: {}};
  }

  function blankMap(el, opts) {
    var map = L.map(el, Object.assign({zoomControl: true, attributionControl: false, preferCanvas: true}, opts || {}))
      .setView(CENTRE, 11);
    var c = map.getCenter();
    L.geoJSON(graticule([c.lng - 2, c.lat - 2, c.lng + 2, c.lat + 2], 0.02),
      {style: {color: el.closest(".dark") ? "#1f3b57" : "#d9e2ec", weight: 1}, interactive: false}).addTo(map);
    return map;
  }

  function pointLayer(collection) {
    return L.geoJSON(collection, {
      pointToLayer: function (f, latlng) {
        var p = f.properties || {};
        return L.circleMarker(latlng, {radius: p.overdue ? 7 : 5, color: p.colour || "#1677ff", weight: 1,
          fillColor: p.colour || "#1677ff", fillOpacity: 0.8});
      },
      onEachFeature: function (f, layer) {
        var p = f.properties || {};
        var text = document.createElement("span");
        text.textContent = (p.number ? p.number + " " : "") + (p.title || p.label || "") + (p.state ? " · " + p.state : "");
        if (p.href || p.id) {
          var a = document.createElement("a"); a.href = p.href || "/cases/" + p.id; a.appendChild(text); layer.bindPopup(a);
        } else layer.bindPopup(text);
      }
    });
  }

  function picker(el) {
    var map = blankMap(el), marker = null;
    var lng = document.getElementById(el.dataset.lngInput), lat = document.getElementById(el.dataset.latInput);
    var label = document.getElementById("pick-label");
    function set(latlng) {
      if (marker) marker.setLatLng(latlng); else marker = L.circleMarker(latlng, {radius: 8, color: "#1677ff"}).addTo(map);
      lng.value = latlng.lng.toFixed(6); lat.value = latlng.lat.toFixed(6);
      if (label) label.textContent = lng.value + ", " + lat.value;
    }
    if (lng.value && lat.value) set(L.latLng(+lat.value, +lng.value));
    map.on("click", function (e) { set(e.latlng); });
    document.querySelectorAll('[data-locate="' + el.id + '"]').forEach(function (b) {
      b.addEventListener("click", function () {
        if (!navigator.geolocation) return;
        navigator.geolocation.getCurrentPosition(function (pos) {
          var ll = L.latLng(pos.coords.latitude, pos.coords.longitude); set(ll); map.setView(ll, 15);
        });
      });
    });
  }

  function gridLayer(collection, mine, highlight) {
    // Grid polygons under the points: the worker's own grids (or the case's grid) stand out, the rest are outlines.
    return L.geoJSON(collection, {
      style: function (f) {
        var p = f.properties || {};
        var own = (mine && (p.workers || []).indexOf(mine) >= 0) || (highlight && p.code === highlight);
        return {color: own ? "#389e0d" : "#8c8c8c", weight: own ? 2 : 1, fillColor: "#52c41a", fillOpacity: own ? 0.12 : 0.02};
      },
      onEachFeature: function (f, layer) {
        var p = f.properties || {};
        layer.bindTooltip((p.name || "") + " " + (p.code || ""), {sticky: true});
      }
    });
  }

  function addGrids(map, el, pointsLayer) {
    fetch(el.dataset.gridsSrc, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (fc) {
        var mine = +el.dataset.gridsMine || 0, layer = gridLayer(fc, mine, el.dataset.gridsHighlight).addTo(map);
        layer.bringToBack();
        el.dataset.grids = String(fc.features.length);
        if (!fc.features.length) return;
        // Frame the worker's own grids / the case's grid (all grids when none) together with the points.
        var hl = el.dataset.gridsHighlight;
        var own = fc.features.filter(function (f) {
          var p = f.properties || {};
          return (mine && (p.workers || []).indexOf(mine) >= 0) || (hl && p.code === hl);
        });
        var bounds = L.geoJSON({type: "FeatureCollection", features: own.length ? own : fc.features}).getBounds();
        if (pointsLayer) bounds.extend(pointsLayer.getBounds());
        map.fitBounds(bounds.pad(0.05));
      })
      .catch(function () { el.dataset.grids = "error"; });
  }

  function staticPoints(el, features) {
    var map = blankMap(el), layer = pointLayer({type: "FeatureCollection", features: features}).addTo(map);
    if (features.length) map.fitBounds(layer.getBounds().pad(0.3), {maxZoom: 15});
    if (el.dataset.gridsSrc) addGrids(map, el, features.length ? layer : null);
    return map;
  }

  window.CityMap = {blankMap: blankMap, pointLayer: pointLayer, gridLayer: gridLayer, addGrids: addGrids};

  function init(scope) {
    // Each map element is set up once; htmx swaps bring new ones, so this runs again after every swap.
    scope.querySelectorAll(".map[data-picker]:not([data-ready])").forEach(function (el) { el.dataset.ready = "1"; picker(el); });
    scope.querySelectorAll(".map[data-point]:not([data-ready])").forEach(function (el) {
      el.dataset.ready = "1";
      var p = el.dataset.point.split(",").map(Number);
      staticPoints(el, [{type: "Feature", geometry: {type: "Point", coordinates: p}, properties: {}}]);
    });
    scope.querySelectorAll(".map[data-points]:not([data-ready])").forEach(function (el) {
      el.dataset.ready = "1";
      var pts = JSON.parse(el.dataset.points);
      staticPoints(el, pts.map(function (p) {
        return {type: "Feature", geometry: {type: "Point", coordinates: [p.lng, p.lat]}, properties: p};
      }));
    });
  }
  init(document);
  document.addEventListener("htmx:afterSettle", function () { init(document); });
})();
