// The map of residences and initiatives: Leaflet, markers from a JSON endpoint.
(function () {
  "use strict";
  function escape(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }
  function start() {
    var element = document.getElementById("carte");
    if (!element || !window.L) return;
    var map = L.map(element).setView([46.6, 2.4], 6);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { maxZoom: 19 }).addTo(map);
    }
    fetch(element.dataset.markers, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var bounds = [];
        data.residences.forEach(function (r) {
          var color = r.active_relais > 0 ? "#1e7b45" : "#b35c00";
          var lines = r.initiatives.map(function (i) {
            return '<li><a href="' + i.url + '">' + escape(i.title) + "</a> (" + escape(i.kind) + ", " + escape(i.status) + ")</li>";
          });
          var html = "<strong>" + escape(r.name) + "</strong><br>" + r.dwellings + " logements, " +
            r.active_relais + " relais actif(s)" + (lines.length ? "<ul>" + lines.join("") + "</ul>" : "");
          L.circleMarker([r.lat, r.lng], { radius: 7 + Math.min(r.initiatives.length, 5), color: color, fillOpacity: 0.7 })
            .bindPopup(html).addTo(map);
          bounds.push([r.lat, r.lng]);
        });
        if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });
      });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
