// Live progress of a report being generated: poll the small JSON status, move the bar, reload when finished.
(function () {
  "use strict";
  var box = document.getElementById("report-generation");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector(".report-progress");
  var percent = box.querySelector("[data-role=percent]");
  var message = box.querySelector("[data-role=message]");
  var failures = 0;

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (status) {
        failures = 0;
        if (status.finished) { window.location.reload(); return; }
        if (bar) { bar.value = status.progress; }
        if (percent) { percent.textContent = status.progress + "%"; }
        if (message) { message.textContent = status.message || status.state_label; }
        window.setTimeout(poll, 1500);
      })
      .catch(function () {
        failures += 1;  // a slow link drops a request now and then: back off, then keep trying
        window.setTimeout(poll, Math.min(1500 * Math.pow(2, failures), 30000));
      });
  }
  window.setTimeout(poll, 1000);
})();
