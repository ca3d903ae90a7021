// The authoring editors. Every form with data-autosave (a module, a quiz file, the course settings) is saved
// as a draft two seconds after the last change and when the tab is closed, carrying the revision its text is
// based on. The module editor also has a Markdown toolbar and a live preview rendered by the server.
// Every form works without this script.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta) { return; }
  var token = meta.getAttribute("content");

  function post(url, data, leaving) {
    return fetch(url, { method: "POST", body: data, headers: { "X-CSRFToken": token },
                        credentials: "same-origin", keepalive: leaving === true });
  }

  function autosave(form, onChange) {
    var revision = form.querySelector('input[name="base_revision"]');
    var status = form.querySelector("[data-save-status]");
    var mergeButton = form.querySelector("[data-merge-button]");
    var saveTimer = null, saving = false, again = false, conflict = false, submitting = false;

    function say(text) { status.textContent = text; }

    function save(leaving) {
      if (conflict) { return; }
      if (saving) { again = true; return; }
      saving = true;
      say("Saving…");
      var data = new FormData(form);
      data.delete("preview");
      post(form.getAttribute("data-autosave"), data, leaving)
        .then(function (response) {
          if (response.status === 404) {
            return [404, { message: "Not saved: this was moved or retired since you opened it. " +
                                    "Copy your text before leaving this page." }];
          }
          return response.json().then(function (result) { return [response.status, result]; });
        })
        .then(function (pair) {
          var code = pair[0], result = pair[1];
          if (code === 200 && result.saved) {
            revision.value = result.revision;
            say(result.message.replace(/\.$/, "") + " at " + new Date().toLocaleTimeString() + ".");
          } else if (code === 409) {
            conflict = true;
            say(result.message);
            if (mergeButton) { mergeButton.hidden = false; }
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

    form.addEventListener("input", function () {
      if (onChange) { onChange(); }
      clearTimeout(saveTimer);
      saveTimer = setTimeout(function () { saveTimer = null; save(); }, 2000);
    });
    form.addEventListener("change", function (event) {
      // Checkboxes and radio buttons change without an input event in some browsers.
      if (event.target.type === "checkbox" || event.target.type === "radio") {
        clearTimeout(saveTimer);
        saveTimer = setTimeout(function () { saveTimer = null; save(); }, 2000);
      }
    });
    form.addEventListener("submit", function () { submitting = true; clearTimeout(saveTimer); saveTimer = null; });
    // A tab closed within the autosave delay still sends the last change.
    window.addEventListener("pagehide", function () {
      if (saveTimer && !submitting) { clearTimeout(saveTimer); saveTimer = null; save(true); }
    });
  }

  function markdownTools(form) {
    var body = form.querySelector("#body");
    var region = form.querySelector("[data-preview-region]");
    var toolbar = form.querySelector("[data-toolbar]");
    var previewTimer = null;
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

    function preview() {
      var data = new FormData();
      data.append("body", body.value);
      post(form.getAttribute("data-preview"), data)
        .then(function (response) { if (!response.ok) { throw new Error(); } return response.text(); })
        .then(function (html) { region.innerHTML = html; })
        .catch(function () {});
    }

    toolbar.hidden = false;
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-md]");
      if (!button) { return; }
      var start = body.selectionStart, end = body.selectionEnd;
      var inserted = wrappers[button.getAttribute("data-md")](body.value.slice(start, end));
      body.setRangeText(inserted, start, end, "end");
      body.focus();
      body.dispatchEvent(new Event("input", { bubbles: true }));
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
    if (!region.innerHTML.trim()) { preview(); }
    return function () { clearTimeout(previewTimer); previewTimer = setTimeout(preview, 400); };
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-autosave]"), function (form) {
    autosave(form, form.hasAttribute("data-preview") ? markdownTools(form) : null);
  });
})();
