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
  // htmx: swap 422 responses (invalid forms re-rendered with their errors).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) {
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
