// Clientside behaviour of the shell (no data, nothing the server must trust).
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  shell: {
    langHref: function (href) {
      var link = document.getElementById("shell-lang");
      var base = (link && link.getAttribute("href") || "/lang/en").split("?")[0];
      return base + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    },
    // The navigation entry of the current page: the one whose page path is the URL's
    // path or the longest that leads it ("/region" for /region/610924000000).
    navActive: function (pathname, ids) {
      var path = (pathname || window.location.pathname || "/").replace(/\/+$/, "") || "/";
      // One household belongs to the household list's entry.
      path = path.replace(/^\/household\//, "/households/");
      var best = -1, length = -1;
      (ids || []).forEach(function (id, i) {
        var m = (id && id.match) || "/";
        var hit = m === "/" ? path === "/" : path === m || path.indexOf(m + "/") === 0;
        if (hit && m.length > length) { best = i; length = m.length; }
      });
      return (ids || []).map(function (_, i) { return i === best; });
    },
    // A narrow screen: the burger opens and closes the navigation; following a link
    // (a new path) closes it.
    navToggle: function (opened, pathname, navbar) {
      var ctx = window.dash_clientside.callback_context;
      var byBurger = (ctx && ctx.triggered || []).some(function (t) {
        return t.prop_id === "shell-burger.opened";
      });
      var open = byBurger && !!opened;
      return [Object.assign({}, navbar, { collapsed: { mobile: !open, desktop: false } }), open];
    },
  },
});
