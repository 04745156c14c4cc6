// Small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.documentElement.classList.remove("no-js");
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-nav-toggle]");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") === "true";
        toggle.setAttribute("aria-expanded", String(!open));
        document.getElementById("site-nav").classList.toggle("is-open", !open);
      });
    }
  });
  // htmx: swap 422 responses (invalid forms re-rendered with their errors) and 429 (a
  // form re-rendered with the rate-limit message, its text kept).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422 || event.detail.xhr.status === 429) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("htmx-error");
    if (box) {
      box.textContent = "通信に失敗しました。時間をおいてもう一度お試しください。（" + event.detail.xhr.status + "）";
      box.hidden = false;
    }
  });
})();

// Application/profile form: show only the panel for the chosen kind of affiliation.
// Without JS every panel stays visible and the server ignores the irrelevant ones.
document.addEventListener("DOMContentLoaded", function () {
  var radios = document.querySelectorAll('input[name="affiliation_type"]');
  if (!radios.length) return;
  function sync() {
    var chosen = document.querySelector('input[name="affiliation_type"]:checked');
    document.querySelectorAll("[data-affiliation]").forEach(function (panel) {
      panel.hidden = chosen ? panel.getAttribute("data-affiliation") !== chosen.value : false;
    });
  }
  radios.forEach(function (r) { r.addEventListener("change", sync); });
  sync();
});

// Read-only fields whose value is meant to be copied (the private calendar URL on
// templates/events/calendar.html): a click selects the whole value. Was an inline
// onclick; the Content-Security-Policy allows no inline handlers.
document.addEventListener("click", function (event) {
  var field = event.target.closest && event.target.closest("[data-select-on-click]");
  if (field && typeof field.select === "function") field.select();
});
