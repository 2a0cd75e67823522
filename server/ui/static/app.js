// cairn UI: small progressive enhancements; every page works without it.
(function () {
  "use strict";
  // The month selector shows its month as soon as it changes.
  var month = document.getElementById("month");
  if (month && month.form) {
    month.addEventListener("change", function () { month.form.submit(); });
  }
  // Empty search fields stay out of the shared URL: they lose their name
  // while the form is sent (a disabled field would stay disabled).
  var search = document.querySelector("form.search");
  if (search) {
    search.addEventListener("submit", function () {
      Array.prototype.forEach.call(search.elements, function (el) {
        if (el.name && el.value === "") {
          el.setAttribute("data-name", el.name);
          el.removeAttribute("name");
        }
      });
    });
    // Back from the results, the browser may show this page as it was
    // left: fields without names, holding the search sent. They get their
    // names back and the values of the search this page shows.
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(search.querySelectorAll("[data-name]"), function (el) {
        el.name = el.getAttribute("data-name");
        el.removeAttribute("data-name");
      });
      search.reset();
    });
  }
  // A mark on the timeline strip highlights its row.
  function highlight() {
    var old = document.querySelector("tr.target");
    if (old) { old.classList.remove("target"); }
    if (location.hash.indexOf("#entry-") === 0) {
      var row = document.getElementById(location.hash.slice(1));
      if (row) { row.classList.add("target"); }
    }
  }
  window.addEventListener("hashchange", highlight);
  highlight();
})();
