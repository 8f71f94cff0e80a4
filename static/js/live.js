// Sections marked data-live="<url>" refresh themselves every 20 seconds (or
// every data-live-period milliseconds) while the page is visible, unless the
// user is working inside them; a refreshed section without data-live stops. No framework.
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
      var timer = setInterval(function () {
        var current = document.getElementById(id);
        if (!current || !current.dataset.live) return clearInterval(timer);
        refresh(current);
      }, parseInt(section.dataset.livePeriod, 10) || PERIOD);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
