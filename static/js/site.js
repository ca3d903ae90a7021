// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Move focus to a form's error summary so screen-reader users hear what went wrong.
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) { summary.focus(); }

  // Ask before destructive actions that carry data-confirm, in a dialog of the site's own (the browser's
  // confirm() cannot be styled, names no site and is blocked in some browsers). Without script the button
  // simply submits.
  var dialog = null;
  function askFirst(button) {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "confirm-dialog";
      dialog.setAttribute("aria-labelledby", "confirm-dialog-text");
      dialog.innerHTML = '<p id="confirm-dialog-text"></p><form method="dialog">' +
        '<button type="submit" class="button warning" value="yes">Yes</button> ' +
        '<button type="submit" class="button secondary" value="no" autofocus>No, go back</button></form>';
      document.body.appendChild(dialog);
    }
    dialog.querySelector("#confirm-dialog-text").textContent = button.getAttribute("data-confirm");
    dialog.onclose = function () {
      if (dialog.returnValue !== "yes") { button.focus(); return; }
      if (button.form && button.form.requestSubmit) { button.form.requestSubmit(button); return; }
      button.setAttribute("data-confirmed", "1");
      button.click();
    };
    dialog.returnValue = "";
    dialog.showModal();
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (!button || !window.HTMLDialogElement) { return; }
    if (button.getAttribute("data-confirmed")) { button.removeAttribute("data-confirmed"); return; }
    event.preventDefault();
    askFirst(button);
  });

  // Text limits: count as the writer types, line breaks as one character (as the server counts them),
  // and say plainly when the text is too long. Nothing is cut: the server refuses and says why.
  function showCount(counter, field) {
    var limit = parseInt(counter.getAttribute("data-max-chars"), 10);
    var length = field.value.replace(/\r\n?/g, "\n").length;
    var over = length - limit;
    counter.classList.toggle("too-long", over > 0);
    counter.textContent = over > 0
      ? "Too long: " + length.toLocaleString() + " characters, the limit is " + limit.toLocaleString() +
        ". Remove " + over.toLocaleString() + " character" + (over === 1 ? "" : "s") + " before saving."
      : length.toLocaleString() + " of " + limit.toLocaleString() + " characters used.";
  }
  document.querySelectorAll("[data-count-for]").forEach(function (counter) {
    var field = document.getElementById(counter.getAttribute("data-count-for"));
    if (!field) { return; }
    if (field.value) { showCount(counter, field); }
    var wait;
    field.addEventListener("input", function () {
      window.clearTimeout(wait);
      wait = window.setTimeout(function () { showCount(counter, field); }, 250);
    });
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
