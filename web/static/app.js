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

  // JSON writes from scripts carry the session's CSRF token, as forms carry it in a hidden field.
  function csrfToken() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : "";
  }

  // POST a JSON body; resolves to {status, data} (data null when the answer is not JSON),
  // rejects only when the server could not be reached.
  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values || {}, name) ? String(values[name]) : whole;
    });
  }

  // Short messages in a corner; text only.
  function toast(text, kind) {
    var area = document.getElementById("toasts");
    if (!area) {
      area = document.createElement("div");
      area.id = "toasts";
      area.className = "toasts";
      area.setAttribute("role", "status");
      area.setAttribute("aria-live", "polite");
      document.body.appendChild(area);
    }
    var item = document.createElement("div");
    item.className = "toast" + (kind ? " toast-" + kind : "");
    item.textContent = text;
    area.appendChild(item);
    setTimeout(function () { item.remove(); }, kind === "error" ? 9000 : 6000);
  }

  function texts(id) {
    var node = document.getElementById(id);
    if (!node) return {};
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return {};
    }
  }

  // Click-to-call: the PBX rings the operator's own phone, then dials the number from it.
  function dial(phone, button) {
    var said = texts("dial-texts");
    if (button) button.disabled = true;
    return postJson("/api/desk/dial", { phone: phone }).then(function (answer) {
      var data = answer.data || {};
      if (answer.status === 202) {
        toast(fill(said.calling, { number: data.number || phone }), "ok");
      } else if (data.error === "no-extension") {
        toast(said.no_extension, "error");
      } else if (data.error === "telephony-unavailable" || answer.status === 503) {
        toast(said.unavailable, "error");
      } else if (data.error === "bad-phone") {
        toast(said.bad_phone, "error");
      } else if (data.error === "client-in-work") {
        toast(fill(data.state === "wrap_up" ? said.busy_wrap_up : said.busy_call, { operator: data.operator }), "error");
      } else {
        toast(fill(said.failed, { message: data.message || answer.status }), "error");
      }
      return answer;
    }, function () {
      toast(said.network, "error");
    }).then(function (answer) {
      if (button) button.disabled = false;
      return answer;
    });
  }

  function dialButtons(root) {
    root.addEventListener("click", function (event) {
      var button = event.target.closest("[data-dial]");
      if (!button) return;
      event.preventDefault();
      dial(button.getAttribute("data-dial"), button);
    });
  }

  // What other scripts of the site (the desk) share.
  window.CC = { postJson: postJson, fill: fill, toast: toast, texts: texts, dial: dial, csrfToken: csrfToken };

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    rows(document);
    autosubmit(document);
    dialButtons(document);
  });
})();
