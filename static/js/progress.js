// Live progress of a long job (an import step, a report being generated): poll the job's small JSON status
// (`done`, `percent`, `message`: the same keys on every status view), move the bar, and reload the page when
// the job is over (the page then shows what came of it). The box names its status URL in
// data-progress-url; the bar is its <progress>, the figure [data-role=percent], the words [data-role=message].
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var percent = box.querySelector("[data-role=percent]");
  var message = box.querySelector("[data-role=message]");
  var interval = 1000;
  var failures = 0;

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (status) {
        failures = 0;
        if (status.done) { window.location.reload(); return; }
        if (bar) { bar.value = status.percent; bar.textContent = status.percent + "%"; }
        if (percent) { percent.textContent = status.percent + "%"; }
        if (message && status.message) { message.textContent = status.message; }
        window.setTimeout(poll, interval);
      })
      .catch(function () {
        failures += 1;  // a slow link drops a request now and then: back off, then keep trying
        window.setTimeout(poll, Math.min(interval * Math.pow(2, failures), 30000));
      });
  }
  window.setTimeout(poll, 700);
})();
