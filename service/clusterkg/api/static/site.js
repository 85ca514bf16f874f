// Suggestions for the search box on every page, from /api/search (same origin only).
(function () {
  "use strict";
  var input = document.querySelector("form.search input[name=q]");
  var list = document.getElementById("search-suggestions");
  if (!input || !list || !window.fetch) return;
  var timer = null, last = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last) return;
      last = q;
      fetch("/api/search?limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (hits) {
          list.textContent = "";
          hits.forEach(function (hit) {
            var option = document.createElement("option");
            option.value = hit.label;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }, 150);
  });
})();
