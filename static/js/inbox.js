// The header's counts (my work, unread notifications), fetched once per page so that no page pays for
// them in its own queries. Without JavaScript the header shows the counts the session last saw
// (refreshed by the home page and the notification pages).
(function () {
  "use strict";
  var link = document.getElementById("notifications-link");
  if (!link || !window.fetch) { return; }
  fetch(link.getAttribute("data-counts-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (counts) {
      if (!counts) { return; }
      Object.keys(counts).forEach(function (name) {
        var badge = document.querySelector('[data-count="' + name + '"]');
        if (!badge) { return; }
        // The page came with the session's last counts (no JavaScript needed); these are the live ones.
        var some = counts[name] > 0;
        badge.textContent = some ? String(counts[name]) : "";
        badge.hidden = !some;
        var label = document.querySelector('[data-count-label="' + name + '"]');
        if (label) { label.hidden = !some; }
      });
    })
    .catch(function () { /* the counts are a convenience: the page works without them */ });
})();
