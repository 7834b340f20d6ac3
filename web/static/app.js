// Small enhancements; every page works without them.
(function () {
  "use strict";

  // Dates are rendered in UTC on the server; show them in the reader's own time zone.
  function localTimes(root) {
    var lang = document.documentElement.lang || undefined;
    var format;
    try {
      format = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
    } catch (e) {
      return;
    }
    root.querySelectorAll("time[data-local=datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when.getTime())) {
        el.title = el.textContent.trim() + " UTC";
        el.textContent = format.format(when);
      }
    });
  }

  // Repeated rows (phones, e-mails, addresses): add from a <template>, remove with the row's button.
  function rows(root) {
    root.addEventListener("click", function (event) {
      var add = event.target.closest("[data-add-row]");
      if (add) {
        var name = add.getAttribute("data-add-row");
        var list = root.querySelector('[data-rows="' + name + '"]');
        var tpl = document.getElementById("tpl-" + name);
        if (list && tpl) {
          list.appendChild(tpl.content.cloneNode(true));
          var input = list.lastElementChild.querySelector("input");
          if (input) input.focus();
        }
        return;
      }
      var remove = event.target.closest("[data-remove-row]");
      if (remove) {
        var row = remove.closest(".row-item");
        var container = row && row.parentElement;
        if (!row || !container) return;
        if (container.children.length > 1) {
          row.remove();
        } else {
          row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
          row.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
        }
      }
    });
  }

  // Filters apply as soon as one is chosen.
  function autosubmit(root) {
    root.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    rows(document);
    autosubmit(document);
  });
})();
