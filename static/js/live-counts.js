// Pre/post test page: refresh the started and handed-in figures while a test is open. Without this
// script the page shows the figures as they were when it loaded, and a link reloads it.
(function () {
  "use strict";
  var table = document.querySelector("[data-counts-url]");
  if (!table || !window.fetch) { return; }
  var url = table.getAttribute("data-counts-url");
  var every = 10 * 1000;
  // Stop after an hour: the requests would otherwise keep an unattended sign-in alive for ever.
  var until = Date.now() + 60 * 60 * 1000;
  var timer;

  function stop() {
    window.clearInterval(timer);
    var note = document.querySelector("[data-counts-note]");
    if (note) { note.textContent = " (reload the page for the latest figures)"; }
  }

  function refresh() {
    if (Date.now() > until) { stop(); return; }
    if (document.hidden) { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { stop(); return; }
        Object.keys(data.phases).forEach(function (phase) {
          Object.keys(data.phases[phase]).forEach(function (key) {
            var cell = table.querySelector('[data-count="' + phase + "-" + key + '"]');
            if (cell) { cell.textContent = data.phases[phase][key]; }
          });
        });
        if (!data.open) { stop(); }
      })
      .catch(stop);
  }

  timer = window.setInterval(refresh, every);
})();
