// Field pages (/m): the offline queue. What a cadre saves (a visit with its photos, a
// risk report) goes into IndexedDB first, with an idempotency key made here; the queue is
// then sent, item by item, whenever the phone is online (at once, on the "online" event,
// and every 30 s while something waits). The server stores each key once, so an item
// sent twice (its answer lost) is not stored twice. Nothing here is trusted by the
// server: it checks every field, the household's scope and the photos again.
(function () {
  "use strict";
  var DB = "jz-field", OUTBOX = "outbox", REFUSED = "refused", RETRY_MS = 30000, SOON_MS = 5000;
  // What the server takes (domain/field.py, services/attachments.py, app.py's request limit).
  var MAX_PHOTOS = 4, MAX_PHOTO = 10 * 1048576, MAX_TOTAL = 18 * 1048576;
  var body = document.body;
  var sending = false;

  function msg(name) { return body.getAttribute("data-" + name) || name; }

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore(OUTBOX, { keyPath: "key" });
        req.result.createObjectStore(REFUSED, { keyPath: "key" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode), out;
        out = work(t.objectStore(store));
        t.oncomplete = function () { resolve(out && "result" in out ? out.result : out); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };  // e.g. the phone's storage is full
      });
    });
  }

  function all(store) { return tx(store, "readonly", function (s) { return s.getAll(); }); }
  function put(store, item) { return tx(store, "readwrite", function (s) { s.put(item); }); }
  function drop(store, key) { return tx(store, "readwrite", function (s) { s.delete(key); }); }

  // The items of the account logged in: a shared phone sends nobody's work as another's.
  var USER = body.getAttribute("data-user") || "";
  function mine(items) { return items.filter(function (i) { return i.user === USER; }); }

  function showCount() {
    return all(OUTBOX).then(mine).then(function (items) {
      var badge = document.getElementById("m-queue");
      if (badge) {
        badge.hidden = items.length === 0;
        document.getElementById("m-queue-count").textContent = String(items.length);
      }
      listOutbox(items);
      return items.length;
    });
  }

  // "No network": the phone says so, or the last send found none (a phone may say it is
  // online when it is not: a weak signal, a captive network).
  var unreachable = false;
  function showNet() {
    var net = document.getElementById("m-net");
    if (net) { net.hidden = navigator.onLine && !unreachable; }
  }

  function line(list, text) {
    var li = document.createElement("li");
    li.textContent = text;
    list.appendChild(li);
  }

  function listOutbox(items) {
    var list = document.getElementById("m-outbox");
    if (!list) { return; }
    list.textContent = "";
    items.forEach(function (i) { line(list, i.label + " · " + i.title + " · " + i.saved); });
    if (!items.length) { line(list, list.getAttribute("data-empty")); }
    all(REFUSED).then(mine).then(function (refused) {
      var r = document.getElementById("m-refused");
      if (!r) { return; }
      r.textContent = "";
      refused.forEach(function (i) { line(r, i.label + " · " + i.title + " · " + i.error); });
      if (!refused.length) { line(r, r.getAttribute("data-empty")); }
    });
  }

  function token() {
    return fetch("/m/api/token", { credentials: "same-origin", cache: "no-store" })
      .catch(function () { unreachable = true; showNet(); throw { offline: true }; })
      .then(function (r) {
        if (unreachable) { unreachable = false; showNet(); }
        if (r.status === 401 || r.redirected) { throw { login: true }; }
        if (!r.ok) { throw { later: true }; }
        return r.json();
      })
      .then(function (j) { return j.csrf; });
  }

  function sendOne(item, csrf) {
    var data = new FormData();
    data.append("key", item.key);
    Object.keys(item.fields).forEach(function (k) { data.append(k, item.fields[k]); });
    (item.photos || []).forEach(function (p) { data.append("photos", p.blob, p.name); });
    return fetch(item.url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" },
    }).then(function (r) {
      if (r.status === 401) { throw { login: true }; }
      if (r.status >= 500 || r.status === 429) { throw { later: true }; }
      if (r.status === 413) {  // larger than the server takes: refused, with the reason
        return put(REFUSED, Object.assign({}, item, { error: msg("toobig"), photos: [] }))
          .then(function () { return drop(OUTBOX, item.key); });
      }
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.ok) { return drop(OUTBOX, item.key); }
        // Refused for good (bad input, not in scope, a CSRF token too old is retried).
        if (r.status === 400 && !j.fields) { throw { later: true }; }
        var why = [j.error].concat(Object.values(j.fields || {})).filter(Boolean).join(" ");
        return put(REFUSED, Object.assign({}, item, { error: why, photos: [] }))
          .then(function () { return drop(OUTBOX, item.key); });
      });
    });
  }

  // A send that failed for want of a network is tried again soon, not only at the next
  // round: the "online" event does not come when the phone thought it was online all
  // along.
  var soon = null;
  function retrySoon() {
    if (soon === null) {
      soon = setTimeout(function () { soon = null; flush(); }, SOON_MS);
    }
  }

  function flush() {
    if (sending) { return Promise.resolve(); }
    if (!navigator.onLine) { return showCount().then(report); }
    sending = true;
    return all(OUTBOX).then(mine).then(function (items) {
      if (!items.length) { return; }
      return token().then(function (csrf) {
        return items.reduce(function (p, item) {
          return p.then(function () { return sendOne(item, csrf); });
        }, Promise.resolve());
      });
    }).catch(function (e) {
      var m = document.getElementById("m-message");
      if (m && e && e.login) { m.textContent = msg("login"); }
      // No network (the token's fetch, or a send, failed): again soon. A busy server or
      // an expired login waits for the next round.
      if (e && (e.offline || e instanceof TypeError)) { retrySoon(); }
    }).then(function () {
      sending = false;
      return showCount().then(report);
    });
  }

  // What became of the item this page saved last: sent, waiting, or refused (and why).
  var lastKey = null;
  function report() {
    var m = document.getElementById("m-message");
    if (!lastKey || !m) { return; }
    return all(OUTBOX).then(function (left) {
      var waiting = left.some(function (i) { return i.key === lastKey; });
      return all(REFUSED).then(function (refused) {
        var bad = refused.filter(function (i) { return i.key === lastKey; })[0];
        if (bad) {
          m.textContent = msg("failed") + " " + bad.error;
        } else {
          m.textContent = waiting ? msg("waiting") : msg("sent");
        }
        if (!waiting) { lastKey = null; }
      });
    });
  }

  function position(form) {
    ["lat", "lon"].forEach(function (name) {  // never the last visit's position
      var input = form.querySelector("[name=" + name + "]");
      if (input) { input.value = ""; }
    });
    var box = form.querySelector("[name=with_position]");
    if (!box || !box.checked || !navigator.geolocation) { return Promise.resolve(); }
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("[name=lat]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("[name=lon]").value = pos.coords.longitude.toFixed(6);
        resolve();
      }, function () { resolve(); }, { timeout: 8000, maximumAge: 60000 });
    });
  }

  function save(form) {
    var fields = {}, photos = [], label = document.getElementById("m-household-label");
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "with_position" || el.matches(":disabled")) { return; }
      if (el.type === "file") {
        Array.prototype.forEach.call(el.files, function (f) {
          photos.push({ name: f.name, type: f.type, blob: f });
        });
      } else { fields[el.name] = el.value; }
    });
    var total = photos.reduce(function (n, p) { return n + p.blob.size; }, 0);
    if (photos.length > MAX_PHOTOS || total > MAX_TOTAL ||
        photos.some(function (p) { return p.blob.size > MAX_PHOTO; })) {
      return Promise.reject({ message: msg("toobig") });
    }
    var item = {
      key: newKey(), user: USER, url: form.getAttribute("data-url"), fields: fields, photos: photos,
      label: label ? label.textContent : "", title: document.title.split(" · ")[0],
      saved: new Date().toLocaleString(),
    };
    return put(OUTBOX, item).then(function () { return item; });
  }

  function wireForm() {
    var form = document.getElementById("m-form");
    if (!form) { return; }
    var q = new URLSearchParams(window.location.search);
    document.getElementById("m-household").value = q.get("household") || "";
    // A form kept by the service worker was made on an earlier day: today is the phone's.
    var day = form.querySelector("input[type=date]");
    if (day) {
      var now = new Date(), local = new Date(now.getTime() - now.getTimezoneOffset() * 60000);
      day.max = local.toISOString().slice(0, 10);
      day.defaultValue = day.value = day.max;
    }
    document.getElementById("m-household-label").textContent = q.get("label") || "";
    form.parentNode.querySelectorAll("[data-query]").forEach(function (el) {
      var value = q.get(el.getAttribute("data-query")) || "";
      if (el.tagName === "INPUT") { el.value = value; } else { el.textContent = value; }
    });
    wireKinds(form, Boolean(q.get("member")));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var m = document.getElementById("m-message"), button = form.querySelector("button");
      button.disabled = true;
      position(form).then(function () { return save(form); }).then(function (item) {
        form.reset();
        lastKey = item.key;
        m.textContent = navigator.onLine ? msg("saved") : msg("waiting");
        return flush();
      }).catch(function (e) { m.textContent = (e && e.message) || msg("failed"); })
        .then(function () { button.disabled = false; });
    });
  }

  // The change form: the kinds of a member's change when a member is named, else the
  // household's; only the chosen kind's fields are shown and sent.
  function wireKinds(form, member) {
    var select = document.getElementById("m-change-kind");
    if (!select) { return; }
    form.parentNode.querySelectorAll("[data-member-line]").forEach(function (el) {
      el.hidden = !member;
    });
    Array.prototype.forEach.call(select.options, function (o) {
      o.hidden = o.disabled = (o.getAttribute("data-member") === "1") !== member;
    });
    function show() {
      if (select.selectedOptions[0] && select.selectedOptions[0].disabled) {
        select.value = Array.prototype.filter.call(select.options, function (o) {
          return !o.disabled;
        })[0].value;
      }
      form.querySelectorAll("fieldset[data-kind]").forEach(function (f) {
        var on = f.getAttribute("data-kind") === select.value;
        f.hidden = !on;
        f.disabled = !on;
      });
    }
    select.addEventListener("change", show);
    form.addEventListener("reset", function () { setTimeout(show, 0); });
    show();
  }

  function wireFilter() {
    var input = document.getElementById("m-filter");
    if (!input) { return; }
    input.addEventListener("input", function () {
      var words = input.value.trim().toLowerCase();
      document.querySelectorAll("#m-households .m-item").forEach(function (li) {
        li.hidden = words !== "" && li.getAttribute("data-search").toLowerCase().indexOf(words) < 0;
      });
    });
  }

  function wireLogout() {
    // Logging out leaves nothing of the households on the phone: the kept pages and the
    // refused items go (before the page leaves); what still waits to be sent stays (it
    // is the cadre's own work, marked with the account) and is sent after their next
    // login, never another account's.
    document.querySelectorAll("form[data-clear-offline]").forEach(function (f) {
      f.addEventListener("submit", function (ev) {
        if (f.getAttribute("data-cleared")) { return; }
        ev.preventDefault();
        var pages = window.caches ? caches.keys().then(function (ks) {
          return Promise.all(ks.map(function (k) { return caches.delete(k); }));
        }) : Promise.resolve();
        var refused = all(REFUSED).then(mine).then(function (items) {
          return Promise.all(items.map(function (i) { return drop(REFUSED, i.key); }));
        });
        Promise.all([pages, refused]).catch(function () {}).then(function () {
          f.setAttribute("data-cleared", "1");
          f.submit();
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(body.getAttribute("data-sw"), { scope: "/m/" })
        .catch(function () { /* no service worker (plain http): the pages need the network */ });
    }
    wireForm();
    wireFilter();
    wireLogout();
    showNet();
    var now = document.getElementById("m-send-now");
    if (now) { now.addEventListener("click", flush); }
    window.addEventListener("online", function () { showNet(); flush(); });
    window.addEventListener("offline", showNet);
    setInterval(flush, RETRY_MS);
    showCount().then(flush);
  });
  window.jzField = { flush: flush, count: showCount };
})();
