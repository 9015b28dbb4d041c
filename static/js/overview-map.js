/*
 * The map of the city overview of evaluations (/evaluations/), declared in HTML; map-core.js
 * (loaded first) makes the map, its tiles and the layer that follows the filters:
 *   [data-overview-map]   the map element; data-geojson-url is the page's own address, asked
 *                         with ?format=geojson and the filters of the #results region
 *                         (data-query), reloaded when an htmx filter link swaps that region;
 *                         data-detail-url links each feature's popup to its evaluation.
 * Colours, line patterns and weights come from the custom properties of overview.css
 * (--outcome-<value>, -dash, -weight), the outcome names from the legend's text, so the map,
 * its legend and the list say the same thing.
 */
(function () {
  "use strict";

  var maps = window.TactiqueMaps;

  function outcomeStyles() {
    var styles = {};
    document.querySelectorAll(".overview-legend [data-outcome]").forEach(function (item) {
      var name = "--outcome-" + item.dataset.outcome;
      var dash = maps.cssValue(name + "-dash");
      styles[item.dataset.outcome] = {
        color: maps.cssValue(name),
        dashArray: dash && dash !== "none" ? dash : null,
        weight: Number(maps.cssValue(name + "-weight")),
        label: (item.querySelector("[data-outcome-label]") || item).textContent.trim(),
      };
    });
    return styles;
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
    var map = maps.create(el);

    var layer = L.geoJSON(null, {
      style: function (feature) {
        var style = styles[feature.properties.outcome] || {};
        return maps.lineStyle({
          color: style.color,
          weight: style.weight,
          dashArray: style.dashArray,
          opacity: 0.95,
        });
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

    maps.followResults(el, layer, {
      params: function (params) {
        params.delete("page");
        params.set("format", "geojson");
      },
      loaded: function (data) {
        // Draw the outcomes that ask for something on top of the greys.
        layer.eachLayer(function (featureLayer) {
          var outcome = featureLayer.feature.properties.outcome;
          if (outcome !== "not_evaluated" && outcome !== "no_proposal") {
            featureLayer.bringToFront();
          }
        });
        if (data.features.length) maps.fit(map, layer);
      },
    });
  }

  maps.start("[data-overview-map]", init);
})();
