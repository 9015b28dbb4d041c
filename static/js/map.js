/*
 * Tactique maps. Every map is declared in HTML with data- attributes; this file only reads them,
 * and map-core.js (loaded first) makes the map, its tiles and the layer that follows the filters:
 *   data-map="overview"  the public map: GeoJSON layer loaded once (fitted to), then reloaded on
 *                        pan/zoom (bbox) and when the htmx filters swap the #results region;
 *                        a click opens the side panel.
 *   data-map="history"   an arrangement's versions, read from <script id="versions-geojson">,
 *                        and its hot spots (if any), from <script id="hotspots-geojson">.
 *   data-counters-url    (overview) the bike counters, a layer of their own in a pane above the
 *                        arrangements (so the arrangements' pane holds only arrangements),
 *                        switched on and off with a layer control.
 * Status colours are site.css's --status-<value>, the ones of the badges and the legend.
 */
(function () {
  "use strict";

  var maps = window.TactiqueMaps;

  // Status is shown by colour, kind by line pattern, so that neither relies on colour alone.
  var KIND_DASHES = {
    bike_lane: null,
    greenway: "14 6",
    bike_street: "2 7",
    pedestrian_street: null,
    widened_sidewalk: "7 4",
    school_street: "9 3 2 3",
    shared_zone: "1 5",
    terrace: null,
    bus_lane: "11 4 3 4",
    other: "5 5",
  };

  function featureStyle(feature) {
    var p = feature.properties;
    var removed = p.status === "removed";
    return maps.lineStyle({
      color: maps.cssValue("--status-" + p.status),
      weight: removed ? 3 : 5,
      opacity: removed ? 0.6 : 0.9,
      dashArray: KIND_DASHES[p.kind],
    });
  }

  function initOverview(el) {
    var map = maps.create(el);
    var fitted = false;
    var selected = null;

    var layer = L.geoJSON(null, {
      style: featureStyle,
      onEachFeature: function (feature, featureLayer) {
        featureLayer.bindTooltip(feature.properties.name, { sticky: true });
        featureLayer.on("click", function () { openSummary(feature.properties.slug, featureLayer); });
      },
    }).addTo(map);

    function openSummary(slug, featureLayer) {
      if (selected) layer.resetStyle(selected);
      selected = featureLayer;
      featureLayer.setStyle({ weight: 9, opacity: 1 });
      featureLayer.bringToFront();
      var url = el.dataset.summaryUrl.replace("__slug__", encodeURIComponent(slug));
      htmx.ajax("GET", url, { target: "#panel", swap: "innerHTML" }).then(function () {
        var title = document.getElementById("summary-title");
        if (title) title.focus();
      });
    }

    if (el.dataset.countersUrl) addCounters(map, el, layer);
    // Other scripts (contribute.js: pinning a spot, colouring by a rating) use the map and layer.
    el.tactiqueMap = { map: map, layer: layer };

    // The first load (and the one after a filter change) asks for every matching arrangement
    // and fits the map to them; then each move of the view asks for its box. The move the fit
    // itself makes is skipped: the layer already holds every arrangement it can show, and
    // reloading would fetch the layer twice on each page load.
    var fitting = false;
    var load = maps.followResults(el, layer, {
      params: function (params) {
        if (fitted) params.set("bbox", map.getBounds().toBBoxString());
      },
      loaded: function (data) {
        selected = null;
        if (!fitted) {
          fitted = true;
          if (data.features.length) {
            fitting = true;  // fitBounds fires exactly one moveend, even when nothing moves
            maps.fit(map, layer);
          }
        }
      },
      changed: function () { fitted = false; },
    });
    map.on("moveend", function () {
      if (fitting) fitting = false;
      else if (fitted) load();
    });
  }

  function escapeText(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  // The counters: few enough to load once. Circles with a white ring, drawn in their own pane.
  function addCounters(map, el, arrangements) {
    map.createPane("counters").classList.add("leaflet-counters-pane");
    var counters = L.geoJSON(null, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {
          pane: "counters",
          radius: 6,
          color: "#ffffff",
          weight: 2,
          fillColor: "#0f172a",
          fillOpacity: 0.9,
        });
      },
      onEachFeature: function (feature, featureLayer) {
        featureLayer.bindTooltip(feature.properties.name);
      },
    }).addTo(map);
    var overlays = {};
    overlays[escapeText(el.dataset.labelArrangements || "")] = arrangements;
    overlays[escapeText(el.dataset.labelCounters || "")] = counters;
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    fetch(el.dataset.countersUrl, { headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        counters.addData(data);
        el.dataset.counterCount = String(data.features.length);
      })
      .catch(function () { /* the map stays usable without its counters */ });
  }

  // "2020-05-11" as people write it in the page's language ("11 mai 2020"), never the ISO form.
  function longDate(iso) {
    var parts = iso.split("-").map(Number);
    return new Date(parts[0], parts[1] - 1, parts[2]).toLocaleDateString(
      document.documentElement.lang || undefined,
      { day: "numeric", month: "long", year: "numeric" }
    );
  }

  function initHistory(el) {
    var map = maps.create(el);
    var source = document.getElementById("versions-geojson");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    // Earlier versions first, so the current one is drawn on top.
    data.features.sort(function (a, b) { return a.properties.current - b.properties.current; });
    // The current layout in the colour of a permanent arrangement, the earlier ones in grey.
    var current = maps.cssValue("--status-permanent");
    var earlier = maps.cssValue("--muted");
    var layer = L.geoJSON(data, {
      style: function (feature) {
        return feature.properties.current
          ? { color: current, weight: 6, opacity: 0.95, fillOpacity: 0.3 }
          : { color: earlier, weight: 3, opacity: 0.8, dashArray: "6 6", fillOpacity: 0.1 };
      },
      onEachFeature: function (feature, featureLayer) {
        var p = feature.properties;
        var label = el.dataset.labelVersion + " " + p.number + " : " + longDate(p.valid_from) +
          " → " + (p.valid_to ? longDate(p.valid_to) : el.dataset.labelCurrent);
        featureLayer.bindTooltip(label, { sticky: true });
      },
    }).addTo(map);
    // The latest evaluation's hot spots, drawn over the layout as thick red stretches.
    var spotsSource = document.getElementById("hotspots-geojson");
    var spots = spotsSource ? JSON.parse(spotsSource.textContent) : null;
    if (spots && spots.features.length) {
      L.geoJSON(spots, {
        style: function () {
          return { color: maps.cssValue("--hot-spot"), weight: 10, opacity: 0.85, lineCap: "butt" };
        },
        onEachFeature: function (feature, featureLayer) {
          var p = feature.properties;
          featureLayer.bindTooltip(
            el.dataset.labelHotSpot + " : " + p.indicator + ", " + p.from_m + "–" + p.to_m + " m",
            { sticky: true }
          );
        },
      }).addTo(map);
    }
    if (data.features.length) maps.fit(map, layer, { maxZoom: 17 });
    el.tactiqueMap = { map: map, layer: layer };
  }

  maps.start("[data-map]", function (el) {
    if (el.dataset.map === "overview") initOverview(el);
    else if (el.dataset.map === "history") initHistory(el);
  });
})();
