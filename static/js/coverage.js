// The coverage page (/coverage/): after htmx swaps the results, take the visitor to them.
// Without JS every link and the form reload the page, which starts at the top as usual.
(function () {
  "use strict";
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function scrollTo(element) {
    element.scrollIntoView({ block: "start", behavior: reduceMotion ? "auto" : "smooth" });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var results = event.detail.target;
    if (!results || results.id !== "coverage-results") return;
    var found = results.querySelector("#cov-detail-title, #cov-search-title");
    var active = document.activeElement;
    if (active && active !== document.body && results.contains(active)) {
      // htmx kept the focus on a control of the results (the prefecture <select>, the
      // search box, a sort link): leave it there, so that arrowing through the <select>
      // keeps working (the status line announces the change); show what appeared.
      if (found && (active.id === "cov-prefecture" || active.id === "cov-q")) {
        found.scrollIntoView({ block: "nearest", behavior: reduceMotion ? "auto" : "smooth" });
      }
      return;
    }
    // A map, table or list link: move the focus to the new results and scroll to them.
    var heading = found || document.getElementById("cov-results-heading");
    if (!heading) return;
    heading.focus({ preventScroll: true });
    scrollTo(heading);
  });
})();
