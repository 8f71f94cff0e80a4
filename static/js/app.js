// The relais' phone: install the service worker, print buttons, and keep forms
// typed without a connection until it comes back. No framework.
(function () {
  "use strict";

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* the site works without it */ });
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- The outbox: forms typed offline, kept in IndexedDB, sent once the network is back.
  var DB = "tdu-outbox", STORE = "forms";

  function db() {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open(DB, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(STORE, { keyPath: "key" }); };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }
  function store(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function all() { return store("readonly", function (s) { return s.getAll(); }); }

  function label(item) {
    var when = new Date(item.at).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
    return item.title + " — tapé à " + when.replace(":", "\u00a0h\u00a0");
  }

  function show(note) {
    var box = document.getElementById("outbox");
    if (!box) return Promise.resolve();
    return all().then(function (items) {
      var list = box.querySelector("ul");
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.textContent = label(item) + (item.refused ? " : refusé, à retaper" : " : en attente d'envoi");
        li.className = item.refused ? "error" : "pending";
        list.appendChild(li);
      });
      var p = box.querySelector("p");
      p.textContent = note || (items.length ? "Pas de connexion : ce que vous avez tapé est gardé sur ce téléphone et partira tout seul au retour du réseau." : "");
      box.hidden = !items.length && !note;
    });
  }

  function keep(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File) {
        if (value.size) fields.push([name, { blob: value, name: value.name, type: value.type }]);
      } else {
        fields.push([name, value]);
      }
    });
    var key = (form.querySelector("[name=client_key]") || {}).value || uuid();
    var title = form.getAttribute("data-offline-title") || document.title.split(" · ")[0];
    return store("readwrite", function (s) {
      s.put({ key: key, url: form.action || location.href, fields: fields, title: title, at: Date.now() });
    });
  }

  var sending = false;
  function flush() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    return all().then(function (items) {
      var sent = 0;
      return items.filter(function (i) { return !i.refused; }).reduce(function (chain, item) {
        return chain.then(function () {
          var body = new FormData();
          item.fields.forEach(function (f) {
            if (f[1] && f[1].blob) body.append(f[0], f[1].blob, f[1].name); else body.append(f[0], f[1]);
          });
          return fetch(item.url, { method: "POST", body: body, credentials: "same-origin" }).then(function (response) {
            // A success redirects (to the new remontée, the activity list…); a page
            // shown again means the server refused the form: keep it, marked refused.
            if (response.redirected && response.ok) {
              sent += 1;
              return store("readwrite", function (s) { s.delete(item.key); });
            }
            if (response.status >= 500) return null;  // try again later
            item.refused = true;
            return store("readwrite", function (s) { s.put(item); });
          }).catch(function () { return null; });  // still no network: keep it
        });
      }, Promise.resolve()).then(function () {
        return show(sent ? (sent > 1 ? sent + " envois faits" : "Envoyé") + " : merci, l'équipe l'a bien reçu." : null);
      });
    }).finally(function () { sending = false; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-offline") || navigator.onLine) return;
    event.preventDefault();
    keep(form).then(function () {
      form.reset();
      var key = form.querySelector("[name=client_key]");
      if (key) key.value = uuid();
      return show();
    });
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { show(); });

  function start() {
    // A form page may come from a cache: each form shown gets its own key.
    document.querySelectorAll("form[data-offline] [name=client_key]").forEach(function (input) { input.value = uuid(); });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    if (window.indexedDB) show().then(flush);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
