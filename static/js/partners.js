// Partners pages: a filter box for long selects, follow-up partner choices that track the chosen
// partners, and Ctrl+Enter to save. Every page works without it.
(function () {
  "use strict";

  // A text box above <select data-filter> that hides the options not matching what is typed.
  function addFilter(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.placeholder = select.getAttribute("data-filter-placeholder") || "Filter…";
    box.setAttribute("aria-label", box.placeholder + (select.labels && select.labels[0] ? ": " + select.labels[0].textContent.trim() : ""));
    var count = document.createElement("div");
    count.className = "select-count";
    count.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(count, select.nextSibling);
    function showCount() {
      if (!select.multiple) { return; }
      var chosen = Array.prototype.filter.call(select.options, function (o) { return o.selected; });
      var label = select.getAttribute("data-filter-selected") || "selected";
      count.textContent = chosen.length ? chosen.length + " " + label + ": " + chosen.map(function (o) { return o.text; }).join(", ") : "";
    }
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(select.options, function (o) {
        var text = o.text.toLowerCase();
        o.hidden = !o.selected && o.value !== "" && !words.every(function (w) { return text.indexOf(w) !== -1; });
      });
    });
    box.addEventListener("keydown", function (event) {
      // Ctrl+Enter / Cmd+Enter is the form's "save" shortcut (below): it must not also pick a match.
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

  // Follow-up "or partner" selects offer only the partners chosen for the engagement.
  function syncFollowUpPartners(source) {
    var chosen = Array.prototype.filter.call(source.options, function (o) { return o.selected; });
    document.querySelectorAll("select[data-follows]").forEach(function (target) {
      var current = target.value;
      while (target.options.length > 1) { target.remove(1); }
      chosen.forEach(function (o) { target.add(new Option(o.text, o.value, false, o.value === current)); });
    });
  }

  document.querySelectorAll("select[data-filter]").forEach(addFilter);
  var partners = document.querySelector("form [name=partners][data-filter]");
  if (partners && document.querySelector("select[data-follows]")) {
    partners.addEventListener("change", function () { syncFollowUpPartners(partners); });
  }

  // Ctrl+Enter (or Cmd+Enter) saves the form from any field.
  document.querySelectorAll("form[data-submit-shortcut]").forEach(function (form) {
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
    });
  });
})();
