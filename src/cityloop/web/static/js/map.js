// Leaflet maps over a base layer: tiles from CITYLOOP_TILE_URL when set, else an offline base drawn from the
// city's own data (/api/v1/basemap: division outlines and names, roads traced through the standard addresses).
(function () {
  "use strict";
  var CENTRE = [30.274, 120.155]; // Hangzhou, the default city (3301); maps recentre on their data
  var EN = (document.documentElement.lang || "").indexOf("en") === 0;
  // Muted paper colours, so cases and grids drawn on top stay the loudest thing on the map.
  var PALETTE = {
    light: {area: ["#9c9282", "#b9ae9c", "#d3cab9"], fill: "#f1ece2", casing: "#d8d0c1", road: "#ffffff", grid: "#d9e2ec"},
    dark: {area: ["#3d5f8a", "#2c4a70", "#223b5a"], fill: "#0b1d36", casing: "#07152b", road: "#1d3657", grid: "#1f3b57"}
  };

  function offlineSource() {
    var meta = document.querySelector('meta[name="cityloop-basemap"]');
    return meta ? meta.content : "";
  }

  function tileSettings() {
    var meta = document.querySelector('meta[name="cityloop-tiles"]');
    try { return meta ? JSON.parse(meta.content) : null; } catch (e) { return null; }
  }

  function plain(text) {
    // Leaflet writes attributions as HTML; the setting is plain text.
    var div = document.createElement("div"); div.textContent = text || ""; return div.innerHTML;
  }

  function graticule(map, colour) {
    var c = map.getCenter(), lines = [], step = 0.02, b = [c.lng - 2, c.lat - 2, c.lng + 2, c.lat + 2];
    for (var x = Math.floor(b[0] / step) * step; x <= b[2]; x += step) lines.push([[x, b[1]], [x, b[3]]]);
    for (var y = Math.floor(b[1] / step) * step; y <= b[3]; y += step) lines.push([[b[0], y], [b[2], y]]);
    L.geoJSON({type: "MultiLineString", coordinates: lines}, {pane: "base", style: {color: colour, weight: 1},
      interactive: false}).addTo(map);
  }

  function band(zoom) { return zoom <= 11 ? "far" : zoom <= 13 ? "mid" : zoom <= 15 ? "near" : "close"; }

  function label(feature, text, cls, angle) {
    var span = document.createElement("span");
    span.className = "base-label " + cls; span.textContent = text;
    if (angle) span.style.transform = "translate(-50%, -50%) rotate(" + angle + "deg)";
    var ll = feature.geometry.coordinates;
    return L.marker([ll[1], ll[0]], {pane: "baseLabels", interactive: false, keyboard: false,
      icon: L.divIcon({className: "base-label-anchor", html: span, iconSize: null})});
  }

  function roadMiddle(map, coords) {
    // The label sits on the middle vertex of the road, turned along it but never upside down.
    var i = Math.max(1, Math.floor(coords.length / 2)), a = coords[i - 1], b = coords[i];
    var pa = map.project([a[1], a[0]], 0), pb = map.project([b[1], b[0]], 0);
    var angle = Math.atan2(pb.y - pa.y, pb.x - pa.x) * 180 / Math.PI;
    if (angle > 90) angle -= 180; else if (angle < -90) angle += 180;
    return {point: {type: "Point", coordinates: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]}, angle: Math.round(angle)};
  }

  function declutter(map) {
    // Hide a label that overlaps one drawn before it: districts first, then streets, communities, roads.
    var taken = [];
    map.getPane("baseLabels").querySelectorAll(".base-label").forEach(function (el) {
      el.classList.remove("base-label-hidden");
      if (getComputedStyle(el).display === "none") return;
      var r = el.getBoundingClientRect();
      var hit = taken.some(function (t) { return r.left < t.right && r.right > t.left && r.top < t.bottom && r.bottom > t.top; });
      if (hit) el.classList.add("base-label-hidden"); else taken.push(r);
    });
  }

  function drawOffline(map, el, fc, colours) {
    var areas = fc.features.filter(function (f) { return f.properties.kind === "area"; });
    var roads = fc.features.filter(function (f) { return f.properties.kind === "road"; });
    var canvas = L.canvas({pane: "base"});
    L.geoJSON(areas.filter(function (f) { return f.properties.level === 3; }), {renderer: canvas, interactive: false,
      style: {color: colours.area[0], weight: 2, fillColor: colours.fill, fillOpacity: 1}}).addTo(map);
    var inner = L.geoJSON(areas.filter(function (f) { return f.properties.level > 3; }), {renderer: canvas,
      interactive: false, style: function (f) {
        var street = f.properties.level === 4;
        return {color: colours.area[street ? 1 : 2], weight: street ? 1.2 : 0.8, dashArray: street ? "6 4" : "2 3",
          fill: false};
      }}).addTo(map);
    var casing = L.geoJSON(roads, {renderer: canvas, interactive: false, style: {color: colours.casing, weight: 6,
      lineCap: "round", lineJoin: "round"}}).addTo(map);
    var fill = L.geoJSON(roads, {renderer: canvas, interactive: false, style: {color: colours.road, weight: 4,
      lineCap: "round", lineJoin: "round"}}).addTo(map);
    fc.features.filter(function (f) { return f.properties.kind === "label"; }).forEach(function (f) {
      label(f, f.properties.name, "base-label-" + f.properties.level).addTo(map);
    });
    roads.forEach(function (f) {
      var mid = roadMiddle(map, f.geometry.coordinates);
      label({geometry: mid.point}, f.properties.name, "base-label-road", mid.angle).addTo(map);
    });
    function restyle() {
      var z = map.getZoom(), b = band(z);
      el.dataset.band = b;
      inner.eachLayer(function (l) {
        var community = l.feature.properties.level === 5;
        l.setStyle({opacity: community && z < 14 ? 0 : 1});
      });
      var w = z >= 16 ? 1.6 : z >= 14 ? 1 : z >= 12 ? 0.55 : 0.3;
      var shown = z >= 12 ? 1 : 0;  // roads are noise at city scale
      casing.setStyle({weight: 7 * w, opacity: shown}); fill.setStyle({weight: 4.5 * w, opacity: shown});
      declutter(map);
    }
    map.on("zoomend", restyle); map.on("moveend", function () { declutter(map); });
    restyle();
    el.dataset.base = "offline";
    el.dataset.baseFeatures = String(fc.features.length);
  }

  function offlineBase(map, el, colours) {
    var src = offlineSource();
    if (!src) { graticule(map, colours.grid); el.dataset.base = "graticule"; return; }
    map.createPane("baseLabels").style.zIndex = 450;  // names over grids and cases (overlay 400), under popups
    map.attributionControl.addAttribution(EN ? "Base: city divisions, grids and addresses" : "底图：本市区划、网格与标准地址");
    fetch(src, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (fc) {
        if (!fc.features.length) throw new Error("empty");
        drawOffline(map, el, fc, colours);
      })
      .catch(function () { graticule(map, colours.grid); el.dataset.base = "graticule"; });
  }

  function baseMap(el, opts) {
    var dark = !!el.closest(".dark"), colours = dark ? PALETTE.dark : PALETTE.light, tiles = tileSettings();
    var map = L.map(el, Object.assign({zoomControl: true, preferCanvas: true, zoomSnap: 0.25, maxZoom: tiles ? tiles.max_zoom : 18},
      opts || {})).setView(CENTRE, 11);
    map.attributionControl.setPrefix(false);
    map.createPane("base").style.zIndex = 250;  // above tiles (200), under the overlays
    el.classList.add("base-" + (dark ? "dark" : "light"));
    if (tiles) {
      [tiles.url, tiles.label_url].forEach(function (url, i) {
        if (url) L.tileLayer(url, {subdomains: tiles.subdomains, maxZoom: tiles.max_zoom,
          attribution: i ? "" : plain(tiles.attribution)}).addTo(map);
      });
      el.dataset.base = "tiles";
    } else offlineBase(map, el, colours);
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
    var map = baseMap(el), marker = null;
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
        var en = document.documentElement.lang === "en";
        function refused() {
          // Say so on the map instead of failing silently: the citizen can still tap the place or type the address.
          if (label) label.textContent = en ? "Location refused or unavailable: tap the map or type the address"
            : "无法获取您的位置（可能未授权定位）：请在地图上点选或填写地址";
        }
        if (!navigator.geolocation) { refused(); return; }
        navigator.geolocation.getCurrentPosition(function (pos) {
          var ll = L.latLng(pos.coords.latitude, pos.coords.longitude); set(ll); map.setView(ll, 15);
        }, refused, {timeout: 10000});
      });
    });
  }

  function gridLayer(collection, mine, highlight, map) {
    // Grid polygons under the points: the worker's own grids (or the case's grid) stand out, the rest are outlines,
    // faint when zoomed out so the base's district and street names stay readable through them.
    var layer = L.geoJSON(collection, {
      style: function (f) {
        var p = f.properties || {}, far = map && map.getZoom() < 13;
        var own = (mine && (p.workers || []).indexOf(mine) >= 0) || (highlight && p.code === highlight);
        return {color: own ? "#389e0d" : "#8c8c8c", weight: own ? 2 : far ? 0.5 : 1, opacity: own ? 1 : far ? 0.35 : 0.7,
          fillColor: "#52c41a", fillOpacity: own ? 0.12 : 0.02};
      },
      onEachFeature: function (f, layer) {
        var p = f.properties || {};
        layer.bindTooltip((p.name || "") + " " + (p.code || ""), {sticky: true});
      }
    });
    if (map) map.on("zoomend", function () { layer.setStyle(layer.options.style); });
    return layer;
  }

  function addGrids(map, el, pointsLayer) {
    fetch(el.dataset.gridsSrc, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (fc) {
        var mine = +el.dataset.gridsMine || 0, layer = gridLayer(fc, mine, el.dataset.gridsHighlight, map).addTo(map);
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
        // Own grids get a margin so the neighbouring streets and their names frame them. Neither framing is
        // animated: a zoom animation still running when this one lands would overwrite it when it ends.
        map.fitBounds(bounds.pad(own.length ? 0.3 : 0.05), {maxZoom: 16, animate: false});
      })
      .catch(function () { el.dataset.grids = "error"; });
  }

  function staticPoints(el, features) {
    var map = baseMap(el), layer = pointLayer({type: "FeatureCollection", features: features}).addTo(map);
    if (features.length) map.fitBounds(layer.getBounds().pad(0.3), {maxZoom: 15, animate: false});
    if (el.dataset.gridsSrc) addGrids(map, el, features.length ? layer : null);
    return map;
  }

  window.CityMap = {baseMap: baseMap, pointLayer: pointLayer, gridLayer: gridLayer, addGrids: addGrids};

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
