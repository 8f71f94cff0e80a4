{% load static %}// Trait d'union's service worker (served at /sw.js so that it covers the whole site).
// It keeps the static files and the last relais home page for reading offline.
// Forms typed offline are kept by app.js in the page (IndexedDB), not here.
"use strict";
var VERSION = "{{ version }}";
var STATIC = "tdu-static-" + VERSION;
var PAGES = "tdu-pages";
var HOME = "{% url 'espace:home' %}";
// The pages a relais may need with no network: the home page and the two forms
// that are kept on the phone until the network is back.
var OFFLINE_PAGES = [HOME, "{% url 'remontees:report' %}", "{% url 'espace:activity' %}"];
var ASSETS = [
  "{% static 'css/app.css' %}",
  "{% static 'js/app.js' %}",
  "{% static 'js/live.js' %}",
  "{% static 'icons/icon-192.png' %}"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) { return cache.addAll(ASSETS); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("tdu-static-") === 0 && key !== STATIC;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;  // forms go to the network; app.js keeps them if it is down
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages: the network first; the last copy of the few offline pages when there is none.
    var offline = OFFLINE_PAGES.indexOf(url.pathname) >= 0;
    event.respondWith(fetch(request).then(function (response) {
      if (offline && response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(PAGES).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(PAGES).then(function (cache) { return offline ? cache.match(url.pathname) : undefined; }).then(function (cached) {
        return cached || new Response(
          "<!doctype html><html lang=fr><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
          "<title>Hors connexion</title><p>Pas de connexion pour l'instant. Cette page n'est pas gardée sur le " +
          "téléphone&nbsp;: réessayez dans un moment.</p><p><a href='" + HOME + "'>Mon espace</a></p>",
          { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
        );
      });
    }));
    return;
  }
  if (url.pathname.indexOf("{% get_static_prefix %}") === 0) {
    // Static files: the cached copy at once, refreshed behind it for the next time.
    event.respondWith(caches.open(STATIC).then(function (cache) {
      return cache.match(request).then(function (cached) {
        var fresh = fetch(request).then(function (response) {
          if (response.ok) cache.put(request, response.clone());
          return response;
        });
        if (cached) { event.waitUntil(fresh.catch(function () {})); return cached; }
        return fresh;
      });
    }));
  }
});
