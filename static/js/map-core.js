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

  // Leaflet's French (or English) words: the page gives them as data-label-* attributes of the
  // map (templates/pages/_map_labels.html), Leaflet itself only knows English.
  function translateControls(map, el) {
    var zoom = el.querySelector(".leaflet-control-zoom");
    [["in", el.dataset.labelZoomIn], ["out", el.dataset.labelZoomOut]].forEach(function (pair) {
      var button = zoom && zoom.querySelector(".leaflet-control-zoom-" + pair[0]);
      if (button && pair[1]) {
        button.title = pair[1];
        button.setAttribute("aria-label", pair[1]);
      }
    });
    if (map.attributionControl && el.dataset.labelAttributionPrefix) {
      map.attributionControl.setPrefix(el.dataset.labelAttributionPrefix);
    }
  }

  /*
   * The keyboard path through a map is the list beside it (the same arrangements, as links):
   * the map itself is one Tab stop (Leaflet's container: arrows pan, + and − zoom) and its
   * controls. Chromium makes every SVG shape with a focus listener (Leaflet's tooltips add one)
   * a Tab stop of its own, hundreds of unnamed stops on a city's network: each shape drawn is
   * taken out of the Tab order, whichever layer draws it, now or later.
   */
  function keepShapesOutOfTabOrder(map) {
    map.on("layeradd", function (event) {
      var shape = event.layer.getElement ? event.layer.getElement() : null;
      if (shape && shape instanceof SVGElement) shape.setAttribute("tabindex", "-1");
    });
  }

  function create(el) {
    var center = (el.dataset.center || "45.76,4.84").split(",").map(Number);
    var map = L.map(el, { center: center, zoom: Number(el.dataset.zoom) || 12 });
    keepShapesOutOfTabOrder(map);
    translateControls(map, el);
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

  /*
   * After an htmx filter or page link swapped the results region, focus would fall to <body>
   * (the link pressed is gone with the old region): it goes to the same filter in the new
   * region, or for a page link to the count of results, so a keyboard user goes on from there.
   */
  function keepFocusAcrossResultSwaps() {
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
      var results = document.querySelector("[data-results]");
      if (!trigger || !results || trigger.isConnected || !results.contains(event.detail.elt)) return;
      var next = null;
      if (trigger.dataset.filter !== undefined) {
        next = results.querySelector(
          'a[data-filter="' + CSS.escape(trigger.dataset.filter) + '"][data-value="' +
          CSS.escape(trigger.dataset.value || "") + '"]'
        );
      } else if (trigger.dataset.filterClear !== undefined) {
        next = results.querySelector(
          'a[data-filter-clear="' + CSS.escape(trigger.dataset.filterClear) + '"]'
        );
      }
      next = next || results.querySelector("[data-results-count]");
      if (next) next.focus();
    });
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

  keepFocusAcrossResultSwaps();

  window.TactiqueMaps = {
    cssValue: cssValue,
    lineStyle: lineStyle,
    create: create,
    fit: fit,
    followResults: followResults,
    start: start,
  };
})();
