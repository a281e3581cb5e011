// Leaflet functions the maps refer to by name ({"variable": "jz.map.style"}).
window.jz = Object.assign({}, window.jz, {
  map: {
    style: function (feature) {
      return {fillColor: feature.properties.color, color: "#ffffff", weight: 1,
              fillOpacity: 0.9, opacity: 1};
    },
    hover: function () {
      return {weight: 3, color: "#123f70", fillOpacity: 1};
    },
    outline: function () {
      return {fill: false, color: "#123f70", weight: 2.5, opacity: 1};
    },
    point: function (feature, latlng) {
      return L.circleMarker(latlng, {radius: 6, fillColor: feature.properties.color,
                                     color: "#ffffff", weight: 1, fillOpacity: 0.95});
    },
    each: function (feature, layer) {
      layer.bindTooltip(feature.properties.tooltip, {sticky: true, direction: "top"});
    },
    // A unit's name at its label point (above a village's dot); hidden on the page,
    // shown on the map's image (forExport).
    label: function (feature, latlng) {
      var span = document.createElement("span");
      span.textContent = feature.properties.name;
      return L.marker(latlng, {interactive: false, keyboard: false, icon: L.divIcon({
        html: span, iconSize: null,
        className: "jz-map-label" + (feature.properties.point ? " is-point" : "")})});
    },
    // Called by the server's browser before it takes the map's image: the title on,
    // the zoom buttons off, and the names of the units that fit (inside the map, clear
    // of the legend and of each other; the others are left out).
    forExport: function () {
      var overlaps = function (a, b) {
        return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      };
      document.querySelectorAll(".jz-map-box").forEach(function (box) {
        box.classList.add("is-export");
        var map = box.querySelector(".jz-map");
        if (!map) return;
        var frame = map.getBoundingClientRect();
        var legend = box.querySelector(".jz-legend");
        var taken = legend ? [legend.getBoundingClientRect()] : [];
        box.querySelectorAll(".jz-map-label > span").forEach(function (el) {
          el.style.visibility = "";
          var r = el.getBoundingClientRect();
          var fits = r.width > 0 && r.left >= frame.left && r.right <= frame.right &&
                     r.top >= frame.top && r.bottom <= frame.bottom &&
                     taken.every(function (t) { return !overlaps(r, t); });
          if (fits) taken.push(r); else el.style.visibility = "hidden";
        });
      });
      return document.querySelectorAll(".jz-map-box.is-export").length;
    },
  },
});
