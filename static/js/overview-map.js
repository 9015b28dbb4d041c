/*
 * The map of the city overview of evaluations (/evaluations/), declared in HTML:
 *   [data-overview-map]   the map element; data-geojson-url is the page's own address, asked
 *                         with ?format=geojson and the filters of the #results region
 *                         (data-query), reloaded when an htmx filter link swaps that region;
 *                         data-detail-url links each feature's popup to its evaluation.
 * Colours, line patterns and weights come from the custom properties of overview.css
 * (--outcome-<value>, -dash, -weight), the outcome names from the legend's text, so the map,
 * its legend and the list say the same thing. A missing or failing tile server leaves the
 * arrangements on a plain background with a notice, as on the main map.
 */
(function () {
  "use strict";

  function outcomeStyles() {
    var css = getComputedStyle(document.documentElement);
    var styles = {};
    document.querySelectorAll(".overview-legend [data-outcome]").forEach(function (item) {
      var value = item.dataset.outcome;
      var dash = css.getPropertyValue("--outcome-" + value + "-dash").trim();
      styles[value] = {
        color: css.getPropertyValue("--outcome-" + value).trim() || "#111827",
        dashArray: dash && dash !== "none" ? dash : null,
        weight: Number(css.getPropertyValue("--outcome-" + value + "-weight").trim()) || 5,
        label: (item.querySelector("[data-outcome-label]") || item).textContent.trim(),
      };
    });
    return styles;
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

  function currentQuery() {
    var results = document.querySelector("#results[data-results]");
    return results ? results.dataset.query || "" : "";
  }

  function popupContent(el, feature, style) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = feature.properties.name;
    var outcome = document.createElement("span");
    outcome.textContent = style ? style.label : "";
    var link = document.createElement("a");
    link.href =
      el.dataset.detailUrl.replace("__slug__", encodeURIComponent(feature.properties.slug)) +
      "#evaluation";
    link.textContent = el.dataset.labelLink || "";
    box.append(name, document.createElement("br"), outcome, document.createElement("br"), link);
    return box;
  }

  function init(el) {
    var styles = outcomeStyles();
    var center = (el.dataset.center || "45.76,4.84").split(",").map(Number);
    var map = L.map(el, { center: center, zoom: Number(el.dataset.zoom) || 12 });
    if (!el.dataset.tileUrl) {
      showTilesNotice(el);
    } else {
      var tiles = L.tileLayer(el.dataset.tileUrl, {
        attribution: el.dataset.tileAttribution,
        maxZoom: 19,
      });
      tiles.once("tileerror", function () { showTilesNotice(el); });
      tiles.addTo(map);
    }

    var layer = L.geoJSON(null, {
      style: function (feature) {
        var style = styles[feature.properties.outcome] || {};
        return {
          color: style.color || "#111827",
          weight: style.weight || 5,
          dashArray: style.dashArray || null,
          opacity: 0.95,
          lineCap: "butt",
          fillOpacity: 0.25,
        };
      },
      onEachFeature: function (feature, featureLayer) {
        var style = styles[feature.properties.outcome];
        featureLayer.bindTooltip(
          feature.properties.name + (style ? " — " + style.label : ""),
          { sticky: true }
        );
        featureLayer.bindPopup(function () { return popupContent(el, feature, style); });
      },
    }).addTo(map);
    el.tactiqueMap = { map: map, layer: layer };

    var query = currentQuery();
    var controller = null;

    function load() {
      var params = new URLSearchParams(query);
      params.delete("page");
      params.set("format", "geojson");
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
          // Draw the outcomes that ask for something on top of the greys.
          layer.eachLayer(function (featureLayer) {
            var outcome = featureLayer.feature.properties.outcome;
            if (outcome !== "not_evaluated" && outcome !== "no_proposal") {
              featureLayer.bringToFront();
            }
          });
          el.dataset.featureCount = String(data.features.length);
          el.removeAttribute("aria-busy");
          if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [16, 16] });
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
        load();
      }
    });
    load();
  }

  function start() {
    document.querySelectorAll("[data-overview-map]").forEach(function (el) {
      if (el.dataset.mapReady) return;
      el.dataset.mapReady = "true";
      init(el);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
