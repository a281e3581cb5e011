// The registry page's upload (/admin/registry): dcc.Upload never reads a file over its
// max_size, and says nothing about it. Here the file's size is looked at as it is chosen
// or dropped, and a file over the cap is reported to the page (its store reg-too-big),
// whose callback says why and what to do instead. Nothing of the file is read or sent.
(function () {
  "use strict";

  function report(files, zone) {
    var cap = Number(zone.getAttribute("data-upload-cap") || 0);
    if (!cap || !files || !window.dash_clientside || !window.dash_clientside.set_props) {
      return;
    }
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > cap) {
        window.dash_clientside.set_props("reg-too-big", {
          data: { name: String(files[i].name).slice(0, 200), size: files[i].size, at: Date.now() },
        });
        return;
      }
    }
  }

  function zoneOf(target) {
    return target && target.closest ? target.closest("[data-upload-cap]") : null;
  }

  document.addEventListener("change", function (e) {
    var zone = zoneOf(e.target);
    if (zone && e.target.files) { report(e.target.files, zone); }
  }, true);
  document.addEventListener("drop", function (e) {
    var zone = zoneOf(e.target);
    if (zone && e.dataTransfer) { report(e.dataTransfer.files, zone); }
  }, true);
})();
