// Sections marked data-live="<url>" refresh themselves every 20 seconds while
// the page is visible, unless the user is working inside them. No framework.
(function () {
  "use strict";
  var PERIOD = 20000;
  function refresh(section) {
    if (document.hidden || section.contains(document.activeElement)) return;
    fetch(section.dataset.live, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").body.firstElementChild;
        if (fresh && fresh.id === section.id) {
          section.replaceWith(fresh);
        }
      })
      .catch(function () { /* offline: keep what is shown */ });
  }
  function start() {
    document.querySelectorAll("[data-live]").forEach(function (section) {
      var id = section.id;
      setInterval(function () {
        var current = document.getElementById(id);
        if (current) refresh(current);
      }, PERIOD);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
