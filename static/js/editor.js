// The module editor: a Markdown toolbar, a live preview rendered by the server, and autosave that
// carries the revision the text is based on. The form works without this script.
(function () {
  "use strict";
  var form = document.getElementById("module-form");
  if (!form) { return; }
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var body = form.querySelector("#body");
  var revision = form.querySelector('input[name="base_revision"]');
  var status = form.querySelector("[data-save-status]");
  var region = form.querySelector("[data-preview-region]");
  var mergeButton = form.querySelector("[data-merge-button]");
  var toolbar = form.querySelector("[data-toolbar]");
  var saveTimer = null, previewTimer = null, saving = false, again = false, conflict = false;

  var wrappers = {
    heading: function (text) { return "\n## " + (text || "Heading") + "\n"; },
    bold: function (text) { return "**" + (text || "bold text") + "**"; },
    italic: function (text) { return "*" + (text || "italic text") + "*"; },
    link: function (text) { return "[" + (text || "link text") + "](https://)"; },
    list: function (text) {
      return "\n" + (text || "item").split("\n").map(function (line) { return "- " + line; }).join("\n") + "\n";
    },
    dfn: function (text) { return "<dfn>" + (text || "term") + "</dfn>"; }
  };

  toolbar.hidden = false;
  toolbar.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-md]");
    if (!button) { return; }
    var start = body.selectionStart, end = body.selectionEnd;
    var inserted = wrappers[button.getAttribute("data-md")](body.value.slice(start, end));
    body.setRangeText(inserted, start, end, "end");
    body.focus();
    changed();
  });
  // Arrow keys move between the toolbar's buttons, so Tab reaches the text in one step.
  var buttons = Array.prototype.slice.call(toolbar.querySelectorAll("button"));
  buttons.forEach(function (button, index) { button.tabIndex = index === 0 ? 0 : -1; });
  toolbar.addEventListener("keydown", function (event) {
    var index = buttons.indexOf(document.activeElement);
    if (index < 0) { return; }
    var next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (next === undefined) { return; }
    event.preventDefault();
    next = (next + buttons.length) % buttons.length;
    buttons[index].tabIndex = -1;
    buttons[next].tabIndex = 0;
    buttons[next].focus();
  });

  function say(text) { status.textContent = text; }

  function preview() {
    var data = new FormData();
    data.append("body", body.value);
    fetch(form.getAttribute("data-preview"), { method: "POST", body: data, headers: { "X-CSRFToken": token },
                                               credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(); } return response.text(); })
      .then(function (html) { region.innerHTML = html; })
      .catch(function () {});
  }

  function save(leaving) {
    if (conflict) { return; }
    if (saving) { again = true; return; }
    saving = true;
    say("Saving…");
    var data = new FormData(form);
    data.delete("preview");
    fetch(form.getAttribute("data-autosave"), { method: "POST", body: data, headers: { "X-CSRFToken": token },
                                                credentials: "same-origin", keepalive: leaving === true })
      .then(function (response) {
        if (response.status === 404) {
          return [404, { message: "Not saved: this module was moved or retired since you opened it. " +
                                  "Copy your text before leaving this page." }];
        }
        return response.json().then(function (result) { return [response.status, result]; });
      })
      .then(function (pair) {
        var code = pair[0], result = pair[1];
        if (code === 200 && result.saved) {
          revision.value = result.revision;
          say("Draft saved at " + new Date().toLocaleTimeString() + ".");
        } else if (code === 409) {
          conflict = true;
          say(result.message);
          mergeButton.hidden = false;
        } else {
          say(result.message || "Not saved.");
        }
      })
      .catch(function () { say("Not saved: check your connection. Your text is still here."); })
      .then(function () {
        saving = false;
        if (again) { again = false; save(); }
      });
  }

  function changed() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 400);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(function () { saveTimer = null; save(); }, 2000);
  }

  form.addEventListener("input", changed);
  var submitting = false;
  form.addEventListener("submit", function () { submitting = true; clearTimeout(saveTimer); saveTimer = null; });
  // A tab closed within the autosave delay still sends the last change.
  window.addEventListener("pagehide", function () {
    if (saveTimer && !submitting) { clearTimeout(saveTimer); saveTimer = null; save(true); }
  });
  if (!region.innerHTML.trim()) { preview(); }
})();
