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

  // Text compared accents and case aside, by the same rule as missions/search.py (`normalise`) and the
  // database's mandate_normalise(): "MOSQUÉE" -> "mosquee", "Œuvre" -> "oeuvre". For the filter boxes.
  var NOT_DECOMPOSED = {
    "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ħ": "h", "Ħ": "H",
    "ı": "i", "þ": "th", "Þ": "TH", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss",
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": "\"", "\u201d": "\"", "\u2013": "-", "\u2014": "-"
  };
  var NOT_DECOMPOSED_RE = new RegExp("[" + Object.keys(NOT_DECOMPOSED).join("") + "]", "g");
  window.mandateNormalise = function (text) {
    return String(text === null || text === undefined ? "" : text)
      .normalize("NFKD")
      .replace(NOT_DECOMPOSED_RE, function (c) { return NOT_DECOMPOSED[c]; })
      .replace(/\p{Mn}/gu, "")
      .toLowerCase();
  };

  var page = document.body;
  var LONG_SELECT = 40;
  // A text box above a long select that hides the options not matching what is typed, accents and case
  // aside: <select data-filter>, and any select with more than LONG_SELECT options (800 districts of a
  // real country). Labels come from the select's data-filter-placeholder / data-filter-selected, else
  // from the page's <body> (base.html, translated there).
  function addFilter(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.placeholder = select.getAttribute("data-filter-placeholder") || page.getAttribute("data-filter-placeholder") || "Filter…";
    box.setAttribute("aria-label", box.placeholder + (select.labels && select.labels[0] ? ": " + select.labels[0].textContent.trim() : ""));
    var count = document.createElement("div");
    count.className = "select-count";
    count.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(count, select.nextSibling);
    function showCount() {
      if (!select.multiple) { return; }
      var chosen = Array.prototype.filter.call(select.options, function (o) { return o.selected; });
      var label = select.getAttribute("data-filter-selected") || page.getAttribute("data-filter-selected") || "selected";
      count.textContent = chosen.length ? chosen.length + " " + label + ": " + chosen.map(function (o) { return o.text; }).join(", ") : "";
    }
    box.addEventListener("input", function () {
      var words = window.mandateNormalise(box.value).split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(select.options, function (o) {
        var text = window.mandateNormalise(o.text);
        o.hidden = !o.selected && o.value !== "" && !words.every(function (w) { return text.indexOf(w) !== -1; });
      });
    });
    box.addEventListener("keydown", function (event) {
      // Ctrl+Enter / Cmd+Enter is a form's "save" shortcut (partners.js): it must not also pick a match.
      if (event.key !== "Enter" || event.ctrlKey || event.metaKey || event.altKey) { return; }
      event.preventDefault();  // Enter picks the first visible match instead of submitting the form
      var first = Array.prototype.find.call(select.options, function (o) { return !o.hidden && !o.selected && o.value !== ""; });
      if (first) {
        if (!select.multiple) { select.value = first.value; } else { first.selected = true; }
        select.dispatchEvent(new Event("change", { bubbles: true }));
        box.value = "";
        box.dispatchEvent(new Event("input"));
      }
    });
    select.addEventListener("change", showCount);
    showCount();
  }

  document.querySelectorAll("select").forEach(function (select) {
    if (select.hasAttribute("data-filter") || (select.options.length > LONG_SELECT && !select.hasAttribute("data-no-filter"))) {
      addFilter(select);
    }
  });

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
