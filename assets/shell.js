// Clientside behaviour of the shell (no data, nothing the server must trust).
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  shell: {
    langHref: function (href) {
      var link = document.getElementById("shell-lang");
      var base = (link && link.getAttribute("href") || "/lang/en").split("?")[0];
      return base + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    },
  },
});
