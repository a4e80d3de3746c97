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
  // A select that submits its form when changed: <select data-autosubmit> (no inline handler, for the CSP).
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]") && event.target.form) {
      event.target.form.submit();
    }
  });
  // A read-only field whose whole text is selected when focused, to copy it: <input data-select-on-focus>.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("input[data-select-on-focus]")) {
      event.target.select();
    }
  });
  // The CSRF token for a script's POST, read from the page (the cookie is HttpOnly: CSRF_COOKIE_HTTPONLY),
  // as Django's CSRF documentation describes. Pages with such a script render {% csrf_token %}.
  window.mandateCsrfToken = function () {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };

  // A table wider than the page scrolls inside its .table-wrap: make that region reachable by keyboard
  // (Tab to it, then the arrow keys scroll it), and only while it actually scrolls.
  function markScrollableTables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth) {
        wrap.setAttribute("tabindex", "0");
      } else if (wrap.getAttribute("tabindex") === "0") {
        wrap.removeAttribute("tabindex");
      }
    });
  }
  markScrollableTables();
  window.addEventListener("resize", markScrollableTables);
})();
