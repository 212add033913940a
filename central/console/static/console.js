// A live part of a page (the fleet's rows, the alerts) asks central for its HTML every
// few seconds and swaps it in: the page updates itself without a reload. A refresh is
// marked as one (X-Console-Poll), so it does not keep an idle session alive; an ended
// session goes back to the sign-in. Each live part is an element with data-refresh-url
// and data-refresh-s.
(function () {
  "use strict";
  function follow(live) {
    var url = live.getAttribute("data-refresh-url");
    var every = Math.max(1, parseFloat(live.getAttribute("data-refresh-s")) || 5) * 1000;
    function refresh() {
      fetch(url, { headers: { "X-Console-Poll": "1" }, credentials: "same-origin", cache: "no-store" })
        .then(function (answer) {
          if (answer.status === 401) {
            window.location.assign("/admin/sign-in?expired=1");
            return null;
          }
          if (!answer.ok) { throw new Error("HTTP " + answer.status); }
          return answer.text();
        })
        .then(function (html) {
          if (html !== null) {
            live.innerHTML = html;
            live.classList.remove("stale");
          }
        })
        .catch(function () { live.classList.add("stale"); })
        .then(function () { window.setTimeout(refresh, every); });
    }
    window.setTimeout(refresh, every);
  }
  var parts = document.querySelectorAll("[data-refresh-url]");
  for (var i = 0; i < parts.length; i += 1) { follow(parts[i]); }
})();
