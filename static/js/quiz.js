// Quiz pages: save each answer as soon as it is given, and show a timer. The form still works
// without this script: every button posts the page and saves its answers.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");

  // One save of a question at a time: saves sent side by side could be applied by the server in either order,
  // and an earlier answer written last would replace a later one. A change made while a save is on its way is
  // sent when that save has been answered, with the question as it is then.
  var sending = {};
  var waiting = {};

  function save(section, what) {
    var id = section.getAttribute("data-response-id");
    window.clearTimeout(timers[id]);
    var status = section.querySelector("[data-save-status]");
    if (status) { status.textContent = "Saving…"; }
    if (sending[id]) {
      waiting[id] = waiting[id] === "check" ? "check" : what;  // an asked-for check is still announced
      return;
    }
    send(section, id, what, status);
  }

  function send(section, id, what, status) {
    sending[id] = true;
    var data = new FormData();
    section.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (field.disabled || !field.name || field.name === "flag") { return; }
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) { return; }
      data.append(field.name, field.value);
    });
    var flag = section.querySelector('input[name="flag"]');
    if (flag) { data.append("flag", flag.checked ? "1" : "0"); }
    var url = form.getAttribute("data-autosave-url").replace(/\/0$/, "/" + id);
    fetch(url, { method: "POST", body: data, headers: { "X-CSRFToken": token }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 413) {
          return [false, { message: "Not saved: this answer is larger than the site accepts. Shorten it; nothing has been cut." }];
        }
        return response.json().then(function (body) { return [response.ok, body]; });
      })
      .then(function (result) {
        if (!status || id in waiting) { return; }  // the save waiting to be sent will report
        status.textContent = result[0] ? (what === "flag" ? "Flag saved." : "Answer saved.") : result[1].message;
        showCheck(section, result, what);
        var link = document.querySelector('.question-nav a[href$="#q' + id + '"]');
        if (link && result[0]) { link.classList.toggle("answered", result[1].answered); }
        if (result[0] && section.hasAttribute("data-answerable")) {
          section.setAttribute("data-answered", result[1].answered ? "1" : "0");
          recount();
        }
      }, function () {
        if (status && !(id in waiting)) { status.textContent = "Not saved yet: check your connection. Your answer is sent again when you change page."; }
      })
      .then(sendWaiting, sendWaiting);

    function sendWaiting() {
      sending[id] = false;
      if (id in waiting) {
        var next = waiting[id];
        delete waiting[id];
        send(section, id, next, status);
      }
    }
  }

  // Keep "You have answered N of M questions" beside the hand-in button true as answers are saved.
  function recount() {
    var count = document.querySelector("[data-answered-count]");
    var all = form.querySelectorAll("[data-answerable]");
    if (!count || !all.length) { return; }
    var done = form.querySelectorAll('[data-answerable][data-answered="1"]').length;
    count.textContent = "You have answered " + done + " of " + all.length + " questions.";
  }

  // Questions that check an answer as it is written (the search builder): show the checks on
  // what was just saved, and announce them when the learner asks or leaves the field.
  function showCheck(section, result, what) {
    if (!result[0] || result[1].check_html === undefined) { return; }
    var region = section.querySelector("[data-search-check]");
    if (region) { region.innerHTML = result[1].check_html; }
    var announce = section.querySelector("[data-check-status]");
    if (announce && (what === "check" || what === "answer")) { announce.innerHTML = result[1].check_summary_html; }
  }

  var timers = {};
  if (form) {
    form.addEventListener("click", function (event) {
      var button = event.target.closest("[data-check-search]");
      if (!button) { return; }
      event.preventDefault();
      var announce = button.closest("[data-response-id]").querySelector("[data-check-status]");
      if (announce) { announce.textContent = "Checking your search…"; }
      save(button.closest("[data-response-id]"), "check");
    });
    form.addEventListener("change", function (event) {
      var section = event.target.closest("[data-response-id]");
      if (section) { save(section, event.target.name === "flag" ? "flag" : "answer"); }
    });
    form.addEventListener("input", function (event) {
      var section = event.target.closest("[data-response-id]");
      if (!section || event.target.type === "radio" || event.target.type === "checkbox") { return; }
      var id = section.getAttribute("data-response-id");
      window.clearTimeout(timers[id]);
      timers[id] = window.setTimeout(function () { save(section); }, 800);
    });
  }

  var timer = document.querySelector("[data-deadline]");
  if (!timer) { return; }
  var deadline = Date.parse(timer.getAttribute("data-deadline"));
  var text = timer.querySelector("[data-timer-text]");
  var announce = timer.querySelector("[data-timer-announce]");
  var announced = {};
  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    text.textContent = minutes + " min " + (seconds < 10 ? "0" : "") + seconds + " s";
    [10, 5, 1].forEach(function (mark) {
      if (minutes < mark && !announced[mark] && left > 0) {
        announced[mark] = true;
        announce.textContent = "Less than " + mark + " minute" + (mark === 1 ? "" : "s") + " left.";
      }
    });
    if (left <= 300) { timer.classList.add("ending"); }
    if (left === 0) {
      announce.textContent = "Time is up. Your saved answers are being submitted.";
      window.setTimeout(function () { window.location.reload(); }, 3000);
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
