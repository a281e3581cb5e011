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
  },
});
