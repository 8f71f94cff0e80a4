// The relais' phone: install the service worker, print buttons, and never lose
// a form typed with a poor connection. No framework.
//
// A form marked data-offline is first kept on the phone (IndexedDB, photo
// included), then sent with fetch. Saved: it leaves the phone and the page goes
// where the server says. No network or a failing one: it stays, shown « en
// attente d'envoi », and leaves at the next `online` event or page load. The
// server refused it: it is shown « refusé » with what was typed, to retype or
// remove. The session ended: it waits for the next login.
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
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

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
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function all() { return store("readonly", function (s) { return s.getAll(); }); }
  function put(item) { return store("readwrite", function (s) { return s.put(item); }); }
  function drop(key) { return store("readwrite", function (s) { return s.delete(key); }); }

  function describe(item) {
    var when = new Date(item.at).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
    var said = item.fields.filter(function (f) { return f[0] === "description"; }).map(function (f) { return f[1]; })[0];
    return item.title + " — tapé à " + when.replace(":", "\u00a0h\u00a0") + (said ? " : « " + said.slice(0, 60) + " »" : "");
  }

  function show(note) {
    var box = document.getElementById("outbox");
    if (!box || !window.indexedDB) return Promise.resolve();
    return all().then(function (items) {
      var list = box.querySelector("ul");
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = item.refused ? "error" : "pending";
        li.textContent = describe(item) + (item.refused ? " — refusé par le serveur, à retaper. " : item.waitsLogin ? " — en attente de votre connexion" : " — en attente d'envoi");
        if (item.refused) {
          var remove = document.createElement("button");
          remove.type = "button";
          remove.className = "link";
          remove.textContent = "Retirer";
          remove.addEventListener("click", function () { drop(item.key).then(function () { show(); }); });
          li.appendChild(remove);
        }
        list.appendChild(li);
      });
      var pending = items.some(function (i) { return !i.refused; });
      box.querySelector("p").textContent = note || (pending ? "Pas de connexion : ce que vous avez tapé est gardé sur ce téléphone et partira tout seul au retour du réseau." : "");
      box.hidden = !items.length && !note;
    });
  }

  function keep(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;  // the current token is sent at the time of sending
      if (value instanceof File) {
        if (value.size) fields.push([name, { blob: value, name: value.name, type: value.type }]);
      } else {
        fields.push([name, value]);
      }
    });
    var keyInput = form.querySelector("[name=client_key]");
    var item = {
      key: (keyInput && keyInput.value) || uuid(),
      url: form.action || location.href,
      fields: fields,
      title: form.getAttribute("data-offline-title") || document.title.split(" · ")[0],
      at: Date.now()
    };
    return put(item).then(function () { return item; });
  }

  // One try: "saved" (with where to go), "refused", "login", or "later" (network).
  // `queued`: sent later from the phone's outbox, when nobody is there to answer
  // a question (the server then saves a text it would have asked about, and flags it).
  function send(item, queued) {
    var body = new FormData();
    item.fields.forEach(function (f) {
      if (f[1] && f[1].blob) body.append(f[0], f[1].blob, f[1].name); else body.append(f[0], f[1]);
    });
    return fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: queued ? { "X-Outbox": "1", "X-Outbox-Queued": "1", "X-CSRFToken": csrf() } : { "X-Outbox": "1", "X-CSRFToken": csrf() }
    }).then(function (response) {
      if (response.status === 204 && response.headers.get("X-Outbox-Saved") === "1") {
        return drop(item.key).then(function () { return { state: "saved", location: response.headers.get("X-Outbox-Location") }; });
      }
      if (response.status === 401 || response.status === 403) {
        item.waitsLogin = true;
        return put(item).then(function () { return { state: "login" }; });
      }
      if (response.status >= 500 || response.status === 0) return { state: "later" };
      return { state: "refused" };
    }).catch(function () { return { state: "later" }; });
  }

  var flushing = false;
  function flush() {
    if (flushing || !window.indexedDB || !document.body.hasAttribute("data-signed-in")) return Promise.resolve();  // logged out: wait
    flushing = true;
    var sent = 0;
    return all().then(function (items) {
      return items.filter(function (i) { return !i.refused; }).reduce(function (chain, item) {
        return chain.then(function () {
          return send(item, true).then(function (result) {
            if (result.state === "saved") sent += 1;
            if (result.state === "refused") { item.refused = true; return put(item); }
          });
        });
      }, Promise.resolve());
    }).then(function () {
      return show(sent ? (sent > 1 ? sent + " envois faits : merci, l'équipe les a bien reçus." : "Envoyé : merci, l'équipe l'a bien reçu.") : null);
    }).finally(function () { flushing = false; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-offline") || !window.indexedDB || form.dataset.native) return;
    event.preventDefault();
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    keep(form).then(function (item) {
      return (navigator.onLine ? send(item) : Promise.resolve({ state: "later" })).then(function (result) {
        if (result.state === "saved") { window.location.assign(result.location); return; }
        if (result.state === "refused") {
          // Typed here and now: let the server show what to correct, on its own page.
          return drop(item.key).then(function () { form.dataset.native = "1"; form.submit(); });
        }
        form.reset();
        var key = form.querySelector("[name=client_key]");
        if (key) key.value = uuid();
        return show();
      });
    }).finally(function () { if (button) button.disabled = false; });
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { show(); });

  function freshKeys() {
    // A page may come from a cache or the back button: each form shown gets its own key.
    document.querySelectorAll("form[data-offline] [name=client_key]").forEach(function (input) { input.value = uuid(); });
  }
  window.addEventListener("pageshow", function (event) { if (event.persisted) freshKeys(); });

  function start() {
    freshKeys();
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    show().then(function () { if (navigator.onLine) return flush(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

// A long list of checkboxes (core/widgets.py SearchableCheckboxes): its search
// box, hidden without JavaScript, filters the options as one types (accents
// and case ignored). The ticked ones always stay in view.
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function start() {
    document.querySelectorAll("input[data-filter]").forEach(function (search) {
      var box = document.getElementById(search.dataset.filter + "-box");
      if (!box) return;
      search.hidden = false;
      search.addEventListener("input", function () {
        var words = fold(search.value).split(/\s+/).filter(Boolean);
        box.querySelectorAll("label").forEach(function (label) {
          var input = label.querySelector("input");
          var text = fold(label.textContent);
          var match = words.every(function (w) { return text.indexOf(w) !== -1; });
          (label.parentElement.tagName === "DIV" ? label.parentElement : label).hidden = !(match || (input && input.checked));
        });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
