// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Confirm destructive or irreversible actions: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
