// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Move focus to a form's error summary so screen-reader users hear what went wrong.
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) { summary.focus(); }

  // Ask before destructive actions that carry data-confirm.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
  });

  var body = document.body;

  // Warn five minutes before the sign-in's fixed end (LIT_SESSION_MAX_HOURS), which activity cannot extend.
  var ends = parseInt(body.getAttribute("data-session-ends") || "0", 10);
  var endWarning = document.getElementById("session-end-warning");
  if (ends && endWarning) {
    var showInMs = ends * 1000 - 5 * 60 * 1000 - Date.now();
    window.setTimeout(function () {
      endWarning.hidden = false;
      endWarning.querySelector("[data-dismiss-session-warning]").focus();
    }, Math.max(showInMs, 0));
    endWarning.querySelector("[data-dismiss-session-warning]").addEventListener("click", function () {
      endWarning.hidden = true;
    });
  }

  // Warn two minutes before the idle sign-out and let the user stay signed in (WCAG 2.2.1).
  var minutes = parseInt(body.getAttribute("data-idle-minutes") || "0", 10);
  var url = body.getAttribute("data-keepalive-url");
  var warning = document.getElementById("idle-warning");
  if (!minutes || !url || !warning) { return; }
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var leadMs = Math.min(2 * 60 * 1000, minutes * 30 * 1000);
  var timer;
  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      warning.hidden = false;
      warning.querySelector("[data-keepalive]").focus();
    }, minutes * 60 * 1000 - leadMs);
  }
  warning.querySelector("[data-keepalive]").addEventListener("click", function () {
    fetch(url, { method: "POST", headers: { "X-CSRFToken": token }, credentials: "same-origin" })
      .then(function (response) {
        if (response.ok) { warning.hidden = true; schedule(); }
        else { window.location.reload(); }
      });
  });
  schedule();
})();
