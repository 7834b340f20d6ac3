// The live view: loads /api/live, then follows /ws?live=1 and applies each change in place.
// Every value from the server is written with textContent, never as markup.
(function () {
  "use strict";

  var texts = {};
  var view = { queues: [], operators: [], calls: new Map(), names: new Map(), skew: 0 };
  var pending = null; // messages that arrived while /api/live was loading; replayed over its answer
  var reloadTimer = null;
  var loading = false;
  var loadAgain = false;
  var renderQueued = false;
  var socket = null;
  var attempts = 0;
  var everOpen = false;
  var signedOut = false;
  var WAITING = { queued: true, ringing: true };

  function now() { return Date.now() + view.skew; }

  function duration(seconds) {
    if (seconds === null || seconds === undefined || isNaN(seconds)) return "—";
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var tail = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + (m < 10 ? "0" : "") + m + ":" + tail : m + ":" + tail;
  }

  function text(key, values) {
    var s = texts[key] || key;
    Object.keys(values || {}).forEach(function (name) { s = s.split("{" + name + "}").join(values[name]); });
    return s;
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== null && content !== undefined) node.textContent = String(content);
    return node;
  }

  function cell(className, content) {
    var td = el("td", className);
    (Array.isArray(content) ? content : [content]).forEach(function (part) {
      if (part === null || part === undefined) return;
      td.appendChild(typeof part === "object" ? part : document.createTextNode(String(part)));
    });
    return td;
  }

  // A duration that counts up from `since` (an ISO time) once a second.
  function since(value, className) {
    var node = el("span", "tick mono" + (className ? " " + className : ""), "—");
    if (value) {
      node.setAttribute("data-since", value);
      tickOne(node);
    }
    return node;
  }

  function tickOne(node) {
    var from = Date.parse(node.getAttribute("data-since"));
    node.textContent = isNaN(from) ? "—" : duration((now() - from) / 1000);
  }

  function tick() {
    document.querySelectorAll("[data-since]").forEach(tickOne);
  }

  function numberOf(call) {
    return call.direction === "outbound" ? call.callee : call.caller;
  }

  // Russian numbers as the pages write them (+7 916 123-45-67); anything else as it came.
  function phone(number) {
    var m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(number || "");
    return m ? "+7 " + m[1] + " " + m[2] + "-" + m[3] + "-" + m[4] : number || "—";
  }

  function operatorName(login) {
    for (var i = 0; i < view.operators.length; i++) {
      var op = view.operators[i];
      if (op.login === login) return op.full_name || op.login;
    }
    return login;
  }

  function fill(id, rows) {
    var table = document.getElementById(id);
    table.tBodies[0].replaceChildren.apply(table.tBodies[0], rows);
    var empty = document.querySelector('[data-empty-for="' + id + '"]');
    if (empty) empty.hidden = rows.length > 0;
  }

  function liveCalls() {
    return Array.from(view.calls.values()).sort(function (a, b) {
      return Date.parse(a.started_at) - Date.parse(b.started_at);
    });
  }

  function renderQueues(calls) {
    var byName = new Map();
    view.queues.forEach(function (q) { byName.set(q.queue, q); });
    calls.forEach(function (c) {
      if (c.queue && !byName.has(c.queue)) {
        byName.set(c.queue, { queue: c.queue, answered: 0, abandoned: 0, service_level: null, avg_wait_seconds: null });
      }
    });
    var rows = Array.from(byName.keys()).sort().map(function (name) {
      var q = byName.get(name);
      var waiting = calls.filter(function (c) { return c.queue === name && WAITING[c.state]; });
      var oldest = waiting.length ? waiting[0].started_at : null;
      var tr = el("tr");
      tr.setAttribute("data-queue", name);
      tr.appendChild(cell("strong", name));
      tr.appendChild(cell("num q-waiting" + (waiting.length ? " attention" : ""), waiting.length));
      tr.appendChild(cell("num q-longest", since(oldest)));
      tr.appendChild(cell("num q-answered", q.answered));
      tr.appendChild(cell("num q-abandoned", q.abandoned));
      tr.appendChild(cell("num q-sl", q.service_level === null ? "—" : Math.round(q.service_level * 100) + "%"));
      tr.appendChild(cell("num mono q-avg", q.avg_wait_seconds === null ? "—" : duration(Math.round(q.avg_wait_seconds))));
      return tr;
    });
    fill("live-queues", rows);
  }

  function callSummary(call, from) {
    var parts = [el("span", "mono", phone(numberOf(call)))];
    var name = call.client_name || view.names.get(call.linkedid);
    if (name) parts.push(el("span", "sub", name));
    if (from) parts.push(since(from, "sub"));
    return parts;
  }

  function renderOperators(calls) {
    var rows = view.operators.map(function (op) {
      var agent = op.agent || { state: "available", reason: "" };
      var tr = el("tr");
      tr.setAttribute("data-user-id", op.user_id);
      tr.setAttribute("data-state", agent.state);
      var who = [el("span", "strong", op.full_name || op.login)];
      who.push(el("span", "sub", op.extension ? text("ext", { ext: op.extension }) + " · " + op.login : op.login));
      tr.appendChild(cell("op-name", who));
      var state = [el("span", "badge agent-" + agent.state, text("agent." + agent.state))];
      if (agent.state === "paused" && agent.reason) state.push(el("span", "sub op-reason", agent.reason));
      if (agent.since) state.push(since(agent.since, "sub"));
      tr.appendChild(cell("op-state", state));
      var current = agent.state === "in_call" ? view.calls.get(agent.call) : null;
      var content;
      if (current) {
        content = callSummary(current, agent.call_since);
      } else if (agent.state === "in_call") {
        content = [since(agent.call_since)];
      } else {
        var ringing = calls.filter(function (c) { return c.ringing && c.ringing.indexOf(op.login) >= 0; });
        content = ringing.length ? [el("span", "badge call-ringing", texts["rings_here"]), " ",
          el("span", "mono", phone(numberOf(ringing[0])))] : ["—"];
      }
      tr.appendChild(cell("op-call", content));
      tr.appendChild(cell("num op-calls-today", op.calls_today));
      tr.appendChild(cell("num mono op-talk-today", duration(op.talk_seconds_today)));
      return tr;
    });
    fill("live-operators", rows);
  }

  function renderCalls(calls) {
    var rows = calls.map(function (c) {
      var tr = el("tr");
      tr.setAttribute("data-linkedid", c.linkedid);
      tr.setAttribute("data-state", c.state);
      tr.appendChild(cell("call-number", [el("span", "mono", phone(numberOf(c))), el("span", "sub", text("direction." + c.direction))]));
      var name = c.client_name || view.names.get(c.linkedid);
      tr.appendChild(cell("call-client" + (name ? "" : " muted"), name || texts["unknown_client"]));
      tr.appendChild(cell("call-queue", c.queue || "—"));
      tr.appendChild(cell("call-state", el("span", "badge call-" + c.state, text("call." + c.state))));
      var who;
      if (c.operator) who = operatorName(c.operator);
      else if (c.ringing && c.ringing.length) who = text("ringing_at", { names: c.ringing.map(operatorName).join(", ") });
      else who = "—";
      tr.appendChild(cell("call-operator", who));
      tr.appendChild(cell("num call-duration", since(c.started_at)));
      tr.appendChild(cell("call-listen", listenControls(c)));
      return tr;
    });
    fill("live-calls", rows);
    document.getElementById("live-calls-count").textContent = String(calls.length);
  }

  var SPY_MODES = ["listen", "whisper", "barge"];

  // Who listens in now, and the buttons that ring my phone to listen, whisper or barge in.
  function listenControls(call) {
    var parts = [];
    (call.listening || []).forEach(function (l) {
      parts.push(el("span", "badge spy-" + l.mode, text("spy.listening", {
        who: l.login ? operatorName(l.login) : l.interface, mode: text("spy." + l.mode) })));
      parts.push(" ");
    });
    if (call.state !== "answered" || !call.operator) return parts.length ? parts : ["—"];
    SPY_MODES.forEach(function (mode) {
      var button = el("button", "btn btn-small", text("spy." + mode));
      button.type = "button";
      button.setAttribute("data-spy", mode);
      button.setAttribute("data-linkedid", call.linkedid);
      button.title = text("spy." + mode + "_hint");
      parts.push(button);
      parts.push(" ");
    });
    return parts;
  }

  function spy(button) {
    var mode = button.getAttribute("data-spy");
    var linkedid = button.getAttribute("data-linkedid");
    button.disabled = true;
    window.CC.postJson("/api/live/calls/" + encodeURIComponent(linkedid) + "/spy", { mode: mode }).then(function (answer) {
      var data = answer.data || {};
      if (answer.status === 202) {
        window.CC.toast(text("spy.calling", { mode: text("spy." + mode).toLowerCase() }), "ok");
      } else if (data.error === "no-extension") {
        window.CC.toast(text("spy.no_extension"), "error");
      } else if (answer.status === 503) {
        window.CC.toast(text("spy.unavailable"), "error");
      } else if (data.error === "call-not-live") {
        window.CC.toast(text("spy.gone"), "error");
      } else {
        window.CC.toast(text("spy.failed", { message: data.message || answer.status }), "error");
      }
    }, function () {
      window.CC.toast(text("spy.unavailable"), "error");
    }).then(function () { button.disabled = false; });
  }

  function render() {
    renderQueued = false;
    var calls = liveCalls();
    renderQueues(calls);
    renderOperators(calls);
    renderCalls(calls);
  }

  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    window.requestAnimationFrame(render);
  }

  function putCall(call) {
    if (call.client_name) view.names.set(call.linkedid, call.client_name);
    if (call.state === "ended") {
      view.calls.delete(call.linkedid);
      view.names.delete(call.linkedid);
      scheduleReload(1000); // today's answered, abandoned and service level have moved
    } else {
      var known = view.calls.has(call.linkedid) || view.names.has(call.linkedid);
      view.calls.set(call.linkedid, call);
      // A new caller's name comes with /api/live unless an operator's pop has already looked it up.
      if (!known && !call.client_name && /^\+/.test(numberOf(call))) scheduleReload(500);
    }
  }

  function putAgent(agent) {
    view.operators.forEach(function (op) {
      if (op.user_id === agent.user_id) op.agent = agent;
    });
  }

  function apply(message) {
    if (message.type === "live.call") {
      putCall(message.call);
    } else if (message.type === "live.agent") {
      putAgent(message.agent);
    } else if (message.type === "error" && message.action === "spy") {
      window.CC.toast(text("spy.failed", { message: message.reason }), "error"); // the PBX's answer to my click
      return;
    } else if (message.type === "live.snapshot") {
      view.calls = new Map();
      message.calls.forEach(putCall);
      message.agents.forEach(putAgent);
    } else {
      return;
    }
    scheduleRender();
  }

  function showError(message) {
    var box = document.getElementById("live-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function load() {
    if (loading) {
      loadAgain = true;
      return;
    }
    loading = true;
    pending = [];
    fetch("/api/live", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        var replay = pending || [];
        pending = null;
        view.skew = Date.parse(data.server_time) - Date.now() || 0;
        view.queues = data.queues;
        view.operators = data.operators;
        view.calls = new Map();
        data.calls.forEach(putCall);
        replay.forEach(apply);
        showError("");
        scheduleRender();
      })
      .catch(function () {
        pending = null;
        showError(texts["load_failed"]);
        scheduleReload(5000);
      })
      .then(function () {
        loading = false;
        if (loadAgain) {
          loadAgain = false;
          load();
        }
      });
  }

  function scheduleReload(delay) {
    if (reloadTimer !== null) return;
    reloadTimer = window.setTimeout(function () {
      reloadTimer = null;
      load();
    }, delay);
  }

  function setStatus(state) {
    var node = document.getElementById("live-status");
    node.setAttribute("data-state", state);
    node.textContent = texts["status." + state] || state;
  }

  function signIn() {
    signedOut = true;
    setStatus("signed_out");
    location.href = "/login?next=" + encodeURIComponent("/live");
  }

  function connect() {
    if (signedOut) return;
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws?live=1";
    setStatus("connecting");
    socket = new WebSocket(url);
    socket.addEventListener("open", function () {
      attempts = 0;
      setStatus("live");
      if (everOpen) scheduleReload(200); // whatever happened while the line was down
      everOpen = true;
    });
    socket.addEventListener("message", function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (pending !== null) pending.push(message);
      apply(message);
    });
    socket.addEventListener("close", function (event) {
      socket = null;
      if (event.code === 4403) {
        setStatus("forbidden");
        return;
      }
      if (event.code === 4401) { // logged out, or the user was deactivated: reconnecting cannot help
        signIn();
        return;
      }
      setStatus(event.code === 4429 ? "too_many" : "offline");
      if (event.code === 4429) attempts = Math.max(attempts, 5);
      var delay = Math.min(30000, 1000 * Math.pow(2, attempts)) * (0.75 + Math.random() / 2);
      attempts += 1;
      if (attempts >= 2) {
        // A refused handshake has no close code; the session may be what ended.
        fetch("/api/session", { credentials: "same-origin" }).then(function (response) {
          if (response.status === 401) signIn();
        }, function () { /* the server is away: keep trying */ });
      }
      window.setTimeout(connect, delay);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("live-texts");
    if (!source) return;
    texts = JSON.parse(source.textContent);
    document.getElementById("live-calls").addEventListener("click", function (event) {
      var button = event.target.closest("[data-spy]");
      if (button) spy(button);
    });
    connect();
    load();
    window.setInterval(tick, 1000);
    window.setInterval(function () { scheduleReload(0); }, 60000); // the day's figures, even when no call ends here
    window.setInterval(function () {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
    }, 25000);
  });
})();
