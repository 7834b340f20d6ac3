// The segment editor's live count: the form read into the filter document (as web/pages/segments.py reads it
// when saving) and counted by POST /api/segments/count, a moment after the manager stops typing.
(function () {
  "use strict";
  var form = document.getElementById("segment-form");
  var out = document.getElementById("segment-count");
  if (!form || !out) return;
  var note = document.getElementById("segment-count-note");
  var texts = JSON.parse(document.getElementById("segment-texts").textContent);
  var meta = document.querySelector("meta[name=csrf-token]");
  var token = meta ? meta.content : "";
  var DATES = ["last_contact_after", "last_contact_before", "purchased_since", "not_purchased_since"];

  function checked(name) {
    return Array.prototype.map.call(form.querySelectorAll("input[name=" + name + "]:checked"), function (el) { return el.value; });
  }
  function selected(name) {
    var el = form.elements[name];
    return Array.prototype.filter.call(el.options, function (o) { return o.selected; })
      .map(function (o) { return parseInt(o.value, 10); });
  }
  function text(name) { return form.elements[name].value.trim(); }
  function list(name) {
    return text(name).replace(/;/g, ",").split(",").map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function documentOf() {
    var doc = {stages: checked("stages"), abc: checked("abc"), xyz: checked("xyz"),
               owner_ids: selected("owner_ids"), team_ids: selected("team_ids"),
               time_zones: list("time_zones"), tags_any: list("tags_any"), tags_all: list("tags_all")};
    DATES.forEach(function (key) { if (text(key)) doc[key] = text(key); });
    ["never_called", "has_open_deals"].forEach(function (key) {
      var v = form.elements[key].value;
      if (v === "yes" || v === "no") doc[key] = v === "yes";
    });
    var equals = {}, has = [];
    form.elements.custom.value.split(/\r?\n/).forEach(function (line) {
      var at = line.indexOf("=");
      var key = (at < 0 ? line : line.slice(0, at)).trim();
      if (!key) return;
      if (at < 0) has.push(key); else equals[key] = line.slice(at + 1).trim();
    });
    doc.custom_equals = equals;
    doc.custom_has = has;
    if (text("name_contains")) doc.name_contains = text("name_contains");
    return doc;
  }

  // "time_zones.0" -> the label of the field it was typed in ("Часовые пояса"), each named once.
  function refused(fields) {
    var names = [];
    Object.keys(fields).forEach(function (key) {
      var top = key.split(".")[0];
      var label = (texts.labels || {})[top] || top;
      if (names.indexOf(label) < 0) names.push(label);
    });
    return names.join(", ");
  }
  // A red border on every field the count refused, none on the others.
  function mark(fields) {
    var bad = {};
    Object.keys(fields).forEach(function (key) { bad[(texts.inputs || {})[key.split(".")[0]] || key.split(".")[0]] = true; });
    Object.keys(texts.inputs || {}).forEach(function (key) {
      var name = texts.inputs[key];
      form.querySelectorAll("[name='" + name + "']").forEach(function (input) {
        if (bad[name]) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      });
    });
  }

  var timer = null, asked = 0;
  function count() {
    var mine = ++asked;
    out.dataset.state = "counting";
    fetch("/api/segments/count", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": token},
      body: JSON.stringify(documentOf())
    }).then(function (r) {
      return r.json().then(function (body) { return {ok: r.ok, body: body}; });
    }).then(function (answer) {
      if (mine !== asked) return;  // a later edit has asked again
      mark(answer.ok ? {} : answer.body.fields || {});
      if (answer.ok) {
        out.textContent = String(answer.body.count);
        out.dataset.state = "ok";
        note.textContent = "";
      } else {
        out.textContent = "—";
        out.dataset.state = "invalid";
        note.textContent = texts.invalid + " " + refused(answer.body.fields || {});
      }
    }).catch(function () {
      if (mine !== asked) return;
      out.dataset.state = "failed";
      note.textContent = texts.failed;
    });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(count, 350);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  count();
})();
