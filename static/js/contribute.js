/*
 * Tactique — residents' opinions on the maps. Everything is declared in HTML with data-
 * attributes (the CSP forbids inline scripts); the maps themselves are made by map.js, which
 * leaves { map, layer } on their element as `tactiqueMap`.
 *   [data-contribute-form]  the opinion form: with a map named by data-pin-map, a resident can
 *                           place a spot by clicking the map (or at its centre, from the
 *                           keyboard); the server snaps it onto the arrangement (data-locate-url)
 *                           and the snapped point goes in the hidden point_lon / point_lat.
 *   [data-opinion-items]    the comments list: its spots (<script id="opinion-pins">) are drawn
 *                           on the history map, numbered as in the list.
 *   [data-colour-control]   colours the public map by residents' mean rating on an indicator.
 * Without JavaScript the forms still post, and the map controls stay hidden.
 */
(function () {
  "use strict";

  var COLOURS = ["#b91c1c", "#ea580c", "#a16207", "#4d7c0f", "#047857"];
  var NO_RATING = "#9ca3af";

  function mapOf(id) {
    var el = id ? document.getElementById(id) : null;
    return el && el.tactiqueMap ? { el: el, map: el.tactiqueMap.map, layer: el.tactiqueMap.layer } : null;
  }

  function pinIcon(text) {
    var icon = L.divIcon({ className: "pin-marker", html: "", iconSize: [22, 22], iconAnchor: [11, 11] });
    if (text) icon.options.html = String(text).replace(/[^0-9]/g, "");
    return icon;
  }

  // --- pinning a spot ---------------------------------------------------------------------------

  function initPin(form) {
    if (form.dataset.pinReady) return;
    form.dataset.pinReady = "true";
    var target = mapOf(form.dataset.pinMap);
    var fieldset = form.querySelector("[data-pin]");
    if (!target || !fieldset) return;
    var lon = form.querySelector("input[name=point_lon]");
    var lat = form.querySelector("input[name=point_lat]");
    var status = fieldset.querySelector("[data-pin-status]");
    var start = fieldset.querySelector("[data-pin-start]");
    var centre = fieldset.querySelector("[data-pin-centre]");
    var clear = fieldset.querySelector("[data-pin-clear]");
    var hint = fieldset.querySelector("[data-pin-hint]");
    fieldset.querySelector("[data-pin-actions]").hidden = false;
    fieldset.querySelector("[data-pin-nomap]").hidden = true;

    // One form pins on a map at a time: a new form (another arrangement) replaces the last one.
    if (target.el.contributePin) target.el.contributePin.stop();
    var marker = null;
    var pinning = false;

    function showMarker() {
      clear.hidden = !(lon.value && lat.value);
      if (marker) { target.map.removeLayer(marker); marker = null; }
      if (lon.value && lat.value) {
        marker = L.marker([Number(lat.value), Number(lon.value)], { icon: pinIcon(""), keyboard: false })
          .addTo(target.map);
      }
    }

    // While pinning, the map is scrolled into view and the form may be off screen: the
    // instructions (and the centre button) are shown on the map itself too.
    var onMap = null;
    function showHintOnMap(on) {
      if (onMap) { onMap.remove(); onMap = null; }
      if (!on) return;
      onMap = L.control({ position: "topright" });
      onMap.onAdd = function () {
        var box = L.DomUtil.create("div", "leaflet-control pin-hint");
        box.setAttribute("data-pin-map-hint", "");
        var text = L.DomUtil.create("p", "pin-hint__text", box);
        text.textContent = fieldset.dataset.labelMapHint || hint.textContent;
        var here = L.DomUtil.create("button", "button button--secondary", box);
        here.type = "button";
        here.textContent = centre.textContent;
        here.addEventListener("click", function () { locate(target.map.getCenter()); });
        L.DomEvent.disableClickPropagation(box);
        return box;
      };
      onMap.addTo(target.map);
    }

    function setPinning(on) {
      pinning = on;
      start.setAttribute("aria-pressed", on ? "true" : "false");
      centre.hidden = !on;
      hint.hidden = !on;
      target.el.classList.toggle("map--pinning", on);
      showHintOnMap(on);
      if (on) {
        // The form may be far below the map (a phone, a long panel): bring the map into view;
        // once the spot is placed, the focus goes back to the button, and the page with it.
        target.el.scrollIntoView({ block: "center" });
        fitToArrangement();
      }
    }

    function fitToArrangement() {
      if (!target.layer || !form.dataset.slug) return;
      target.layer.eachLayer(function (l) {
        if (l.feature && l.feature.properties.slug === form.dataset.slug && l.getBounds) {
          target.map.fitBounds(l.getBounds(), { padding: [24, 24], maxZoom: 18 });
        }
      });
    }

    function locate(latlng) {
      var url = form.dataset.locateUrl + "?lon=" + latlng.lng.toFixed(7) + "&lat=" + latlng.lat.toFixed(7);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          status.textContent = data.message || "";
          status.classList.toggle("pin__status--error", !data.ok);
          if (!data.ok) return;
          lon.value = data.lon;
          lat.value = data.lat;
          showMarker();
          setPinning(false);
          start.focus();
        })
        .catch(function () { status.textContent = fieldset.dataset.labelFailed || ""; });
    }

    function onMapClick(event) { if (pinning) locate(event.latlng); }

    start.addEventListener("click", function () { setPinning(!pinning); });
    centre.addEventListener("click", function () { locate(target.map.getCenter()); });
    clear.addEventListener("click", function () {
      lon.value = "";
      lat.value = "";
      showMarker();
      setPinning(false);
      status.classList.remove("pin__status--error");
      status.textContent = fieldset.dataset.labelNone || "";
    });
    target.map.on("click", onMapClick);
    showMarker();

    target.el.contributePin = {
      form: form,
      stop: function () {
        setPinning(false);
        if (marker) target.map.removeLayer(marker);
        marker = null;
        target.map.off("click", onMapClick);
        target.el.contributePin = null;
      },
    };
  }

  // A swap removed the form that was pinning (the panel shows another arrangement): tidy up.
  function dropOrphanPins() {
    ["map", "history-map"].forEach(function (id) {
      var el = document.getElementById(id);
      var pin = el && el.contributePin;
      if (pin && !document.body.contains(pin.form)) pin.stop();
    });
  }

  // --- the spots of the comments ----------------------------------------------------------------

  function drawItemPins(region) {
    var target = mapOf("history-map");
    if (!target) return;
    if (target.el.opinionPins) target.map.removeLayer(target.el.opinionPins);
    var source = region.querySelector("#opinion-pins");
    var group = L.layerGroup();
    if (source) {
      JSON.parse(source.textContent).forEach(function (pin) {
        L.marker([pin.lat, pin.lon], { icon: pinIcon(pin.n), keyboard: false })
          .bindTooltip(String(pin.n))
          .addTo(group);
      });
    }
    group.addTo(target.map);
    target.el.opinionPins = group;
    target.el.dataset.pinCount = String(group.getLayers().length);
  }

  // --- the public map coloured by an indicator ----------------------------------------------------

  function bucket(mean) {
    if (mean < 1.8) return 0;
    if (mean < 2.6) return 1;
    if (mean < 3.4) return 2;
    if (mean < 4.2) return 3;
    return 4;
  }

  function initColour(control) {
    if (control.dataset.colourReady) return;
    var target = mapOf(control.dataset.mapId);
    if (!target) return;
    control.dataset.colourReady = "true";
    var select = control.querySelector("[data-colour-select]");
    var status = control.querySelector("[data-colour-status]");
    var legend = control.querySelector("[data-colour-legend]");
    var values = null; // {slug: {mean, n}} while colouring

    var baseStyle = target.layer.options.style;
    target.layer.options.style = function (feature) {
      var style = baseStyle(feature);
      if (!values) return style;
      var v = values[feature.properties.slug];
      style.color = v ? COLOURS[bucket(v.mean)] : NO_RATING;
      style.opacity = v ? 0.95 : 0.7;
      return style;
    };

    function describe(featureLayer) {
      var p = featureLayer.feature && featureLayer.feature.properties;
      if (!p || !featureLayer.getTooltip()) return;
      var text = p.name;
      if (values) {
        var v = values[p.slug];
        text += " — " + (v
          ? control.dataset.labelMean + " " + v.mean.toLocaleString(document.documentElement.lang) +
            " / 5 (" + v.n + " " + control.dataset.labelRatings + ")"
          : control.dataset.labelNoRating);
      }
      featureLayer.setTooltipContent(text);
    }

    function restyle() {
      target.layer.eachLayer(function (l) {
        target.layer.resetStyle(l);
        describe(l);
      });
      target.el.dataset.colouredBy = values ? select.value : "";
    }
    // map.js reloads the features as the map moves: colour the new ones too.
    target.layer.on("layeradd", function (event) { describe(event.layer); });

    select.addEventListener("change", function () {
      if (!select.value) {
        values = null;
        legend.hidden = true;
        status.textContent = "";
        restyle();
        return;
      }
      fetch(control.dataset.url + "?indicateur=" + encodeURIComponent(select.value), {
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          values = data.arrangements || {};
          legend.hidden = false;
          var rated = Object.keys(values).length;
          status.textContent = (control.dataset.labelStatus || "")
            .replace("{name}", data.indicator ? data.indicator.name : "")
            .replace("{n}", String(rated));
          restyle();
        });
    });

    fetch(control.dataset.url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        (data.indicators || []).forEach(function (indicator) {
          var option = document.createElement("option");
          option.value = indicator.id;
          option.textContent = indicator.name + " (" + indicator.panel + ")";
          select.appendChild(option);
        });
        if (data.indicators && data.indicators.length) control.hidden = false;
      })
      .catch(function () { /* the map works without this control */ });
  }

  // --- wiring --------------------------------------------------------------------------------------

  // The elements matching `selector` in `root`, `root` itself included.
  function within(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) found.unshift(root);
    return found;
  }

  function init(root) {
    within(root, "[data-contribute-form]").forEach(initPin);
    within(root, "[data-colour-control]").forEach(initColour);
    within(root, "[data-opinion-items]").forEach(drawItemPins);
  }

  function focusAfterSwap(root) {
    var el = within(root, "[data-focus-on-load], [data-focus-after-swap]")[0];
    if (el) el.focus();
  }

  function start() {
    init(document);
    document.body.addEventListener("htmx:load", function (event) {
      var root = event.detail.elt;
      if (!root || root === document.body) return;
      dropOrphanPins();
      init(root);
      focusAfterSwap(root);
    });
  }

  // After map.js: both are deferred, and DOMContentLoaded fires once every deferred script ran.
  if (document.readyState === "complete") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
