// The running campaign for supervisors: every few seconds its figures, operators and latest attempts from
// /api/campaigns/{id}/board, written into the page in place (no reload; the buttons above never move).
// Names and numbers go into the page as text only.
(function () {
  "use strict";

  var CC = window.CC;
  var T = {};
  var board = null;
  var base = "";
  var EVERY = 3000;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function link(href, text, className) {
    var a = el("a", className, text);
    a.href = href;
    return a;
  }

  function pick(data, path) {
    return path.split(".").reduce(function (value, key) {
      return value === null || value === undefined ? null : value[key];
    }, data);
  }

  function percent(value, digits) {
    return value === null || value === undefined ? "—" : (value * 100).toFixed(digits) + "%";
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.round(seconds || 0));
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function when(iso) {
    var t = iso ? new Date(iso) : null;
    if (!t || isNaN(t.getTime())) return "";
    return t.toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function figures(data) {
    var target = Number(board.getAttribute("data-target")) || 0.03;
    board.querySelectorAll("[data-f]").forEach(function (node) {
      var path = node.getAttribute("data-f");
      var value = pick(data, path);
      if (/abandon_rate$/.test(path)) {
        node.textContent = percent(value, 1);
        node.parentElement.classList.toggle("stat-bad", value !== null && value > target);
        node.parentElement.classList.toggle("stat-ok", value !== null && value <= target);
      } else if (path === "occupancy") {
        node.textContent = percent(value, 0);
      } else {
        node.textContent = value === null || value === undefined ? "0" : String(value);
      }
    });
    var values = { since: encodeURIComponent(data.since), window_since: encodeURIComponent(data.window_since),
                   id: data.campaign.id, day: data.day };
    board.querySelectorAll("[data-href]").forEach(function (node) {
      var href = CC.fill(node.getAttribute("data-href"), values);
      node.href = href.charAt(0) === "/" ? href : base + "/" + href;
    });
  }

  function operators(rows) {
    var body = document.querySelector("#campaign-operators tbody");
    var fresh = document.createDocumentFragment();
    rows.forEach(function (op) {
      var tr = el("tr");
      tr.setAttribute("data-user", String(op.user_id));
      tr.appendChild(el("td", "wrap", op.full_name || op.login));
      var desk = el("td");
      if (op.joined) {
        var state = (op.agent && op.agent.state) || "available";
        desk.appendChild(el("span", "badge agent-" + state, (T.agent && T.agent[state]) || state));
      } else {
        desk.appendChild(el("span", "muted", T.not_joined));
      }
      tr.appendChild(desk);
      var connected = el("td", "num");
      connected.appendChild(link(base + "/attempts?connected=yes&operator=" + op.user_id + "&since=" + encodeURIComponent(board.since), op.connected));
      tr.appendChild(connected);
      tr.appendChild(el("td", "num mono", clock(op.talk_seconds)));
      fresh.appendChild(tr);
    });
    if (!rows.length) {
      var none = el("tr");
      none.appendChild(el("td", "muted", T.none)).colSpan = 4;
      fresh.appendChild(none);
    }
    body.replaceChildren(fresh);
  }

  // The AMD verdict in words; the raw cause only as a tooltip.
  function verdict(a) {
    if (!a.amd_status) return null;
    var node = el("span", "sub", (T.amd && T.amd[a.amd_status]) || a.amd_status);
    node.setAttribute("data-amd", a.amd_status);
    if (a.amd_cause) node.title = a.amd_cause;
    return node;
  }

  function recent(rows) {
    var body = document.querySelector("#campaign-recent tbody");
    var fresh = document.createDocumentFragment();
    rows.forEach(function (a) {
      var tr = el("tr");
      tr.setAttribute("data-attempt", String(a.id));
      tr.setAttribute("data-stage", a.stage);
      tr.appendChild(el("td", "nowrap", when(a.started_at)));
      var client = el("td", "wrap");
      client.appendChild(link("/clients/" + encodeURIComponent(a.client_id), a.client_name));
      client.appendChild(el("span", "sub mono nowrap", a.number_display || a.number));
      tr.appendChild(client);
      var outcome = el("td");
      outcome.appendChild(el("span", "badge attempt-" + a.stage, (T.stage && T.stage[a.stage]) || a.stage));
      var amd = verdict(a);
      if (amd) outcome.appendChild(amd);
      tr.appendChild(outcome);
      var who = el("td", "wrap", a.operator_name || "—");
      if (a.wait_for_operator_s !== null && a.wait_for_operator_s !== undefined) {
        who.appendChild(el("span", "sub", CC.fill(T.waited, { s: a.wait_for_operator_s.toFixed(1) })));
      }
      tr.appendChild(who);
      var call = el("td", "nowrap");
      if (a.call_id) call.appendChild(link("/calls/" + encodeURIComponent(a.call_id) + "/review", T.open_call));
      tr.appendChild(call);
      fresh.appendChild(tr);
    });
    body.replaceChildren(fresh);
  }

  // Why a running campaign places no calls, or nothing.
  function idle(why) {
    var box = document.getElementById("campaign-idle");
    if (!box) return;
    var text = why && T.idle ? CC.fill(T.idle[why.reason] || "", { at: why.next_local || "—" }) : "";
    box.textContent = text;
    box.hidden = !text;
    box.setAttribute("data-reason", why ? why.reason : "");
  }

  function load() {
    fetch("/api/campaigns/" + board.getAttribute("data-campaign") + "/board",
          { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) {
          location.href = "/login?next=" + encodeURIComponent(location.pathname);
          return null;
        }
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (data) {
        if (!data) return;
        board.since = data.since;
        figures(data);
        operators(data.operators || []);
        recent(data.recent || []);
        idle(data.idle);
        board.setAttribute("data-loaded", data.server_time);
        document.getElementById("campaign-conn").textContent = "";
      }, function () {
        document.getElementById("campaign-conn").textContent = T.load_failed || "";
      })
      .then(function () { setTimeout(load, EVERY); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    board = document.getElementById("campaign-board");
    if (!board) return;
    T = CC.texts("campaign-texts");
    base = "/campaigns/" + board.getAttribute("data-campaign");
    load();
  });
})();
