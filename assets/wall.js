// The wall display's behaviour in the browser (/wall): scaling the design canvas, the
// clock, the playlist (keyboard: space pauses, arrows or PageUp/PageDown step, F full
// screen, Esc leaves), counters, the heartbeat that refreshes the panels when the data
// changes, the reconnecting mark, the stale banner and the scheduled full reload.
// Nothing here is trusted by the server: it only shows what the server rendered.
(function () {
  "use strict";
  var DESIGN_H = 1080, DESIGN_W = 1920;
  var state = {
    index: 0, paused: false, shownAt: Date.now(), started: Date.now(),
    lastBeat: 0, lastOk: 0, failures: 0, inFlight: false, views: null,
    requested: {},
  };

  // "2026-12-01 07:38:05" in the deployment's zone (the server names it), not the
  // screen computer's.
  function zonedClock(d, zone) {
    var parts = {};
    try {
      new Intl.DateTimeFormat("en-GB", {
        timeZone: zone || undefined, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
      }).formatToParts(d).forEach(function (p) { parts[p.type] = p.value; });
    } catch (e) {  // a browser without that zone: UTC, as the stores keep it
      return d.toISOString().slice(0, 19).replace("T", " ");
    }
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":"
      + parts.minute + ":" + parts.second;
  }

  // Leaflet functions the wall's maps name ({"variable": "jz.wall.style"}).
  window.jz = Object.assign({}, window.jz);
  window.jz.wall = {
    style: function (feature, context) {
      var k = (context && context.hideout && context.hideout.k) || 0;
      var colours = feature.properties.colors || [];
      return {fillColor: colours[k] || "#5a6575", color: "#081425", weight: 1.5,
              fillOpacity: 0.92, opacity: 1};
    },
    outline: function () { return {fill: false, color: "#4fc3f7", weight: 3, opacity: 1}; },
    point: function (feature, latlng) {
      return L.circleMarker(latlng, {radius: 9, fillColor: (feature.properties.colors || [])[0],
                                     color: "#081425", weight: 1, fillOpacity: 0.95});
    },
    label: function (feature, layer) {
      layer.bindTooltip(feature.properties.name, {permanent: true, direction: "center",
                                                  className: "jz-wall-label", opacity: 1});
    },
  };

  function $(id) { return document.getElementById(id); }
  function setting(name, fallback) {
    var el = $("wall-settings");
    var v = el && el.getAttribute("data-" + name);
    return v === null || v === undefined || v === "" ? fallback : v;
  }

  // ---------------------------------------------------------------- the canvas
  function fit() {
    var canvas = $("wall-canvas");
    if (!canvas) return;
    var w = window.innerWidth, h = window.innerHeight;
    // The canvas is 1080 high; as wide as the screen's shape asks, at least 1920.
    var scale = Math.min(h / DESIGN_H, w / DESIGN_W);
    var width = Math.max(DESIGN_W, Math.round(w / scale));
    var height = Math.max(DESIGN_H, Math.round(h / scale));
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    canvas.style.transform = "scale(" + scale + ")";
    canvas.classList.toggle("is-wide", width / height > 2.4);
    canvas.setAttribute("data-scale", scale.toFixed(4));
  }

  // ---------------------------------------------------------------- counters
  var NUM = /^([+\u2212-]?)([\d,]*\.?\d+)(.*)$/;
  function animate(el) {
    var final = el.getAttribute("data-counter") || "";
    var m = NUM.exec(final);
    if (!m) { el.textContent = final; return; }
    var digits = m[2].replace(/,/g, ""), decimals = (digits.split(".")[1] || "").length;
    var target = parseFloat(digits), commas = m[2].indexOf(",") >= 0, t0 = null;
    function show(v) {
      var s = v.toFixed(decimals);
      if (commas) {
        var parts = s.split(".");
        parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
        s = parts.join(".");
      }
      el.textContent = m[1] + s + m[3];
    }
    function step(ts) {
      if (t0 === null) t0 = ts;
      var p = Math.min(1, (ts - t0) / 1200);
      if (p < 1) { show(target * (1 - Math.pow(1 - p, 3))); requestAnimationFrame(step); }
      else el.textContent = final;  // the server's figure, exactly
    }
    requestAnimationFrame(step);
  }

  // ---------------------------------------------------------------- the playlist
  function views() { return document.querySelectorAll("#wall-views > .jz-wall-view"); }
  function show(i, animateCounters) {
    var all = views();
    if (!all.length) return;
    state.index = ((i % all.length) + all.length) % all.length;
    state.shownAt = Date.now();
    for (var k = 0; k < all.length; k++) all[k].classList.toggle("is-active", k === state.index);
    var active = all[state.index];
    var name = $("wall-viewname");
    if (name) name.textContent = active.getAttribute("data-title") || "";
    var dots = document.querySelectorAll("#wall-dots .jz-wall-dot");
    for (var d = 0; d < dots.length; d++) dots[d].classList.toggle("is-active", d === state.index);
    document.documentElement.setAttribute("data-wall-view", String(state.index));
    want(state.index);
    if (animateCounters) {
      var nums = active.querySelectorAll("[data-counter]");
      for (var n = 0; n < nums.length; n++) animate(nums[n]);
    }
  }
  function step(by) { show(state.index + by, true); }

  // Views after the first arrive as empty slots: ask for one a little before it shows.
  function want(i) {
    var el = views()[i];
    // Asked already: again only if still empty 10 s later (the answer may have failed).
    if (!el || el.children.length || Date.now() - (state.requested[i] || 0) < 10000) return;
    state.requested[i] = Date.now();
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props("wall-want", {data: {index: i, at: Date.now()}});
    }
  }

  function onKey(e) {
    if (!$("wall-root") || e.ctrlKey || e.altKey || e.metaKey) return;
    if (e.target && e.target.closest && e.target.closest("input, textarea, select, [contenteditable]")) return;
    var k = e.key;
    if (k === " " || k === "Spacebar" || k === "k") {
      state.paused = !state.paused;
      state.shownAt = Date.now();
      var p = $("wall-paused");
      if (p) p.classList.toggle("is-on", state.paused);
    } else if (k === "ArrowRight" || k === "PageDown" || k === "n") step(1);
    else if (k === "ArrowLeft" || k === "PageUp" || k === "p") step(-1);
    else if (k === "f" && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {});
    } else if (k === "Escape") { window.location.href = "/"; return; }
    else return;
    e.preventDefault();
  }

  // ---------------------------------------------------------------- heartbeat
  // Shows or hides a flag; true when that changed.
  function flag(id, on) {
    var el = $(id);
    if (!el || el.classList.contains("is-on") === on) return false;
    el.classList.toggle("is-on", on);
    return true;
  }
  function beat() {
    if (state.inFlight) return;
    state.inFlight = true;
    state.lastBeat = Date.now();
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, 8000);
    fetch("/wall/heartbeat", {credentials: "same-origin", cache: "no-store",
                              signal: ctrl.signal})
      .then(function (r) {
        if (r.status === 401) { window.location.href = "/login?next=/wall"; return null; }
        if (!r.ok) throw new Error("status " + r.status);
        return r.json();
      })
      .then(function (data) {
        if (!data) return;
        state.failures = 0;
        state.lastOk = Date.now();
        flag("wall-reconnect", false);
        // The stale banner takes a row of its own (wall.css): the maps and plots fit
        // themselves to the views' new height.
        if (flag("wall-stale", !!data.stale)) window.dispatchEvent(new Event("resize"));
        // Compared with what is on screen, not with what was asked for: a redraw that
        // failed is asked for again at the next heartbeat.
        if (data.stamp !== setting("stamp", null) && window.dash_clientside &&
            window.dash_clientside.set_props) {
          window.dash_clientside.set_props("wall-refresh",
                                           {data: {stamp: data.stamp, index: state.index,
                                                   at: Date.now()}});
        }
      })
      .catch(function () {
        state.failures += 1;
        flag("wall-reconnect", true);
      })
      .then(function () { clearTimeout(timer); state.inFlight = false; });
  }

  // ---------------------------------------------------------------- the tick
  function tick() {
    var now = Date.now();
    if (!$("wall-root")) {
      state.views = null;
      // /wall showing a message instead (no warehouse yet, say): try again every minute,
      // only when the server answers (never onto a browser error page).
      if (window.location.pathname === "/wall" && now - state.started > 60000 &&
          now - state.lastBeat > 60000) {
        state.lastBeat = now;
        fetch("/healthz", {cache: "no-store"}).then(function (r) {
          if (r.ok) window.location.reload();
        }).catch(function () {});
      }
      return;
    }
    var clock = $("wall-clock");
    if (clock) {
      var at = zonedClock(new Date(), clock.getAttribute("data-zone"));
      clock.textContent = at.slice(11);
      var day = $("wall-clock-date");
      if (day) day.textContent = at.slice(0, 10) + " " + (clock.getAttribute("data-zone-name") || "");
    }
    var all = views();
    if (all.length && all !== state.views && (!state.views || all[0] !== state.views[0])) {
      // New panels (first paint or a redraw): the page shows the view it drew in full.
      state.views = all;
      state.requested = {};
      for (var a = 0; a < all.length; a++) {
        if (all[a].classList.contains("is-active")) { state.index = a; break; }
      }
      show(state.index, true);
      fit();
    }
    var active = all[state.index];
    var dwell = active ? parseFloat(active.getAttribute("data-dwell")) || 30 : 30;
    if (!state.paused && all.length > 1 && now - state.shownAt >= dwell * 1000) step(1);
    else if (all.length > 1 && now - state.shownAt >= Math.min(5000, dwell * 500)) {
      // The next view, drawn while this one shows (not while it is still being drawn).
      want((state.index + 1) % all.length);
    }
    // Ask the server every poll seconds; while it is away, every 5 seconds.
    var poll = state.failures ? 5 : parseFloat(setting("poll", 30));
    if (now - state.lastBeat >= poll * 1000) beat();
    // A full reload every N hours, only when the server answers (never onto an error page).
    var hours = parseFloat(setting("reload-hours", 0));
    if (hours > 0 && now - state.started >= hours * 3600 * 1000 && now - state.lastOk < 10000) {
      window.location.reload();
    }
  }

  if (!window.__jzWall) {
    window.__jzWall = state;
    window.addEventListener("resize", fit);
    document.addEventListener("keydown", onKey);
    setInterval(tick, 250);
  }
})();
