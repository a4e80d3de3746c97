// Partners pages: follow-up partner choices that track the chosen partners, and Ctrl+Enter to save.
// (The filter boxes above long selects are app.js's, on every page.) Every page works without it.
(function () {
  "use strict";

  // Follow-up "or partner" selects offer only the partners chosen for the engagement.
  function syncFollowUpPartners(source) {
    var chosen = Array.prototype.filter.call(source.options, function (o) { return o.selected; });
    document.querySelectorAll("select[data-follows]").forEach(function (target) {
      var current = target.value;
      while (target.options.length > 1) { target.remove(1); }
      chosen.forEach(function (o) { target.add(new Option(o.text, o.value, false, o.value === current)); });
    });
  }

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
