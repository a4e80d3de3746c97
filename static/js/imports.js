// Live progress of an import step (reading, checking, importing): poll the job's small JSON status, move
// the bar, reload the page when the step is over (the page then shows the matching, preview or result).
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("progress");
  var percent = box.querySelector("[data-role=percent]");
  var failures = 0;

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (status) {
        failures = 0;
        if (!status.running) { window.location.reload(); return; }
        var value = Math.round(status.permille / 10);
        if (bar) { bar.value = value; bar.textContent = value + "%"; }
        if (percent) { percent.textContent = value + "%"; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        failures += 1;  // a slow link drops a request now and then: back off, then keep trying
        window.setTimeout(poll, Math.min(1000 * Math.pow(2, failures), 30000));
      });
  }
  window.setTimeout(poll, 700);
})();
