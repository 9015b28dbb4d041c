/*
 * The core of Tactique's maps, shared by map.js (the public map, an arrangement's history) and
 * overview-map.js (the city overview of evaluations), and loaded before them. A map is declared
 * in HTML with data- attributes; this file reads the ones every map has:
 *   data-center, data-zoom          the initial view;
 *   data-tile-url, data-tile-attribution
 *                                   the background tiles; a missing or failing tile server
 *                                   leaves the features on a plain background with a notice
 *                                   (data-label-tiles-missing);
 *   data-geojson-url                (maps that follow the filters) the layer's address, asked
 *                                   with the filters of the [data-results] region (data-query)
 *                                   and again when an htmx filter link swaps that region;
 *                                   data-feature-count says how many features are drawn.
 * Colours are never written here: they are custom properties of the stylesheets (site.css,
 * overview.css), read with `cssValue`, so a map and its legend cannot disagree.
 */
(function () {
  "use strict";

  var cssValues = {};

  // A custom property of the page ("" when undeclared). The stylesheets are in the <head>, so
  // they apply before these deferred scripts run, and they do not change afterwards.
  function cssValue(name) {
    if (!(name in cssValues)) {
      cssValues[name] = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    }
    return cssValues[name];
  }

  // A feature's line, with what every map's features have in common.
  function lineStyle(style) {
    return {
      color: style.color || cssValue("--ink"),
      weight: style.weight || 5,
      opacity: style.opacity || 0.9,
      dashArray: style.dashArray || null,
      lineCap: "butt",
      fillOpacity: 0.25,
    };
  }

  function showTilesNotice(el) {
    if (el.classList.contains("map--no-tiles")) return;
    el.classList.add("map--no-tiles");
    var notice = document.createElement("p");
    notice.className = "map-notice";
    notice.setAttribute("role", "status");
    notice.textContent = el.dataset.labelTilesMissing || "";
    el.insertAdjacentElement("afterend", notice);
  }

  function create(el) {
    var center = (el.dataset.center || "45.76,4.84").split(",").map(Number);
    var map = L.map(el, { center: center, zoom: Number(el.dataset.zoom) || 12 });
    var url = el.dataset.tileUrl;
    if (!url) {
      showTilesNotice(el);
    } else {
      var tiles = L.tileLayer(url, { attribution: el.dataset.tileAttribution, maxZoom: 19 });
      tiles.once("tileerror", function () { showTilesNotice(el); });
      tiles.addTo(map);
    }
    return map;
  }

  function fit(map, layer, options) {
    map.fitBounds(layer.getBounds(), L.extend({ padding: [16, 16] }, options));
  }

  function currentQuery() {
    var results = document.querySelector("[data-results]");
    return results ? results.dataset.query || "" : "";
  }

  /*
   * Fill `layer` from el.dataset.geojsonUrl with the filters of the results region, now and
   * whenever an htmx swap changes them. Options, all optional:
   *   params(URLSearchParams)  add or drop parameters of the request;
   *   loaded(data)             the new features are drawn;
   *   changed()                the filters changed, just before the layer reloads.
   * Returns `load`, to reload with the same filters (a request in flight is dropped).
   */
  function followResults(el, layer, options) {
    var query = currentQuery();
    var controller = null;

    function load() {
      var params = new URLSearchParams(query);
      if (options.params) options.params(params);
      if (controller) controller.abort();
      controller = new AbortController();
      el.setAttribute("aria-busy", "true");
      fetch(el.dataset.geojsonUrl + "?" + params.toString(), {
        signal: controller.signal,
        headers: { Accept: "application/geo+json" },
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          layer.clearLayers();
          layer.addData(data);
          el.dataset.featureCount = String(data.features.length);
          el.removeAttribute("aria-busy");
          // Last: fitting the map may start the next load (map.js reloads on moveend).
          if (options.loaded) options.loaded(data);
        })
        .catch(function (error) {
          if (error.name !== "AbortError") el.removeAttribute("aria-busy");
        });
    }

    // A filter link swapped the results region: follow its filters on the map.
    document.body.addEventListener("htmx:afterSettle", function () {
      var next = currentQuery();
      if (next !== query) {
        query = next;
        if (options.changed) options.changed();
        load();
      }
    });
    load();
    return load;
  }

  // `init(el)` once for each element matching `selector`, as soon as the page is parsed.
  function start(selector, init) {
    function run() {
      document.querySelectorAll(selector).forEach(function (el) {
        if (el.dataset.mapReady) return;
        el.dataset.mapReady = "true";
        init(el);
      });
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
    else run();
  }

  window.TactiqueMaps = {
    cssValue: cssValue,
    lineStyle: lineStyle,
    create: create,
    fit: fit,
    followResults: followResults,
    start: start,
  };
})();
