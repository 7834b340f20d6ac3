// The operator's desk: the state with pause and resume, a pop per ringing call with the caller's dossier,
// and the wrap-up form after a call. It follows /ws (docs/websocket.md) and acts over HTTP.
// Whatever the server sends that a person wrote (names, notes, subjects) goes into the page as text only.
(function () {
  "use strict";

  var CC = window.CC;
  var T = {};
  var V = {};
  var lang = document.documentElement.lang || undefined;
  var me = null;
  var windowSeconds = 300;
  var skew = 0; // the server's clock minus ours, in ms
  var agent = null;
  var pops = {}; // linkedid -> pop
  var wrapups = {}; // linkedid -> wrap-up
  var socket = null;
  var attempts = 0;
  var pinger = null;
  var pauseWaiting = null;
  var ended = false;

  // -- small helpers ----------------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function slot(root, name) { return root.querySelector('[data-slot="' + name + '"]'); }

  function clone(id) { return $(id).content.firstElementChild.cloneNode(true); }

  function say(key, values) { return CC.fill(T[key] || key, values); }

  function word(vocabulary, value) {
    var found = V[vocabulary] && V[vocabulary][value];
    return found || value || "";
  }

  function now() { return Date.now() + skew; }

  function moment(iso) {
    var t = iso ? Date.parse(iso) : NaN;
    return isNaN(t) ? null : t;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  // +79161234567 → +7 916 123-45-67, as the pages write Russian numbers; others stay as they are.
  function phone(number) {
    var m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(number || "");
    return m ? "+7 " + m[1] + " " + m[2] + "-" + m[3] + "-" + m[4] : (number || "");
  }

  var dateFormat = null;
  function when(iso) {
    var t = moment(iso);
    if (t === null) return "";
    try {
      dateFormat = dateFormat || new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
      return dateFormat.format(new Date(t));
    } catch (e) {
      return new Date(t).toLocaleString();
    }
  }

  function money(amount, currency) {
    var value = Number(amount);
    var text = isNaN(value) ? String(amount || "") : value.toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return currency ? text + "\u00a0" + currency : text;
  }

  // A datetime-local value (the operator's wall time) with the browser's offset at that moment.
  function withOffset(value) {
    var local = new Date(value);
    if (isNaN(local.getTime())) return null;
    var offset = -local.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    offset = Math.abs(offset);
    return value.slice(0, 16) + ":00" + sign + pad(Math.floor(offset / 60)) + ":" + pad(offset % 60);
  }

  function dialButton(number) {
    var button = el("button", "btn-dial");
    button.type = "button";
    button.setAttribute("data-dial", number);
    var label = CC.fill(CC.texts("dial-texts").call || "", { phone: phone(number) });
    button.title = label;
    button.setAttribute("aria-label", label);
    button.textContent = "\u260e";
    return button;
  }

  // -- alerts -----------------------------------------------------------------------------------------

  // kind: "error" (the default) goes after 20 s; a hand-over ("warn") stays until dismissed.
  function warn(text, kind) {
    var box = $("desk-alerts");
    var item = el("div", "alert alert-" + (kind || "error") + " desk-alert");
    item.setAttribute("role", "alert");
    item.appendChild(el("span", null, text));
    var close = el("button", "btn btn-ghost btn-icon", "\u00d7");
    close.type = "button";
    close.setAttribute("aria-label", T["pop.dismiss"] || "×");
    close.addEventListener("click", function () { item.remove(); });
    item.appendChild(close);
    box.appendChild(item);
    while (box.children.length > 3) box.firstElementChild.remove();
    if (!kind) setTimeout(function () { item.remove(); }, 20000);
    return item;
  }

  // A callback handed to me, or taken from me (by the team's lateness policy or by a manager).
  function handedOver(m) {
    var values = { title: m.title || "", client: m.client_name || T["nobody"], from: m.from || T["nobody"],
                   to: m.to || "", by: m.by || "" };
    var key = "callback." + (m.role === "taken" ? "taken" : "given") + (m.by ? "_by" : "");
    var item = warn(say(key, values), "warn");
    item.classList.add("handover");
    item.setAttribute("data-task", String(m.task_id));
    if (m.role !== "taken" && m.client_id) {
      var open = el("a", "btn btn-small", T["callback.open"]);
      open.href = "/clients/" + encodeURIComponent(String(m.client_id));
      item.insertBefore(open, item.lastChild);
    }
  }

  function problem(answer) {
    var data = (answer && answer.data) || {};
    if (answer.status === 401) return T["error.session"];
    if (data.error === "no-extension") return T["no_extension"];
    if (data.error === "telephony-unavailable") return T["error.unavailable"];
    return say("error.other", { message: data.message || ("HTTP " + answer.status) });
  }

  // -- the connection ---------------------------------------------------------------------------------

  function showConnection(state) {
    var node = $("desk-conn");
    node.setAttribute("data-conn", state);
    node.textContent = T["conn." + state] || state;
  }

  function connect() {
    if (ended) return;
    showConnection(attempts ? "reconnecting" : "connecting");
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
    try {
      socket = new WebSocket(url);
    } catch (e) {
      retry();
      return;
    }
    socket.addEventListener("open", function () {
      attempts = 0;
      showConnection("online");
      clearInterval(pinger);
      pinger = setInterval(function () {
        if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
      }, 25000);
    });
    socket.addEventListener("message", function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      handle(message);
    });
    socket.addEventListener("close", function (event) {
      clearInterval(pinger);
      socket = null;
      if (event.code === 4401) { // logged out, token revoked or user deactivated: reconnecting cannot help
        signedOut();
        return;
      }
      if (event.code === 4429) { // every socket this user may have is open (other tabs): try again slowly
        warn(T["conn.too_many"]);
        attempts = Math.max(attempts, 6);
      }
      retry();
    });
  }

  function signedOut() {
    if (ended) return;
    ended = true;
    warn(T["error.session"]);
    location.href = "/login?next=" + encodeURIComponent("/desk");
  }

  // Back off (0.5 s, 1 s, 2 s ... 30 s, with jitter); a refused socket may mean the session is over.
  function retry() {
    if (ended) return;
    showConnection("reconnecting");
    var delay = Math.min(30000, 500 * Math.pow(2, attempts)) * (0.75 + Math.random() * 0.5);
    attempts += 1;
    if (attempts >= 2) {
      fetch("/api/session", { credentials: "same-origin" }).then(function (response) {
        if (response.status === 401) signedOut();
      }, function () { /* the server is away: keep trying */ });
    }
    setTimeout(connect, delay);
  }

  function handle(m) {
    switch (m.type) {
      case "hello": hello(m); break;
      case "state": showState(m.agent); break;
      case "pop": popped(m); break;
      case "answered": answered(m); break;
      case "transferred": transferred(m); break;
      case "ended": callEnded(m); break;
      case "callback": handedOver(m); break;
      case "preview":
        // Campaign previews are desk_campaigns.js's; it builds them with the pieces this script shares.
        document.dispatchEvent(new CustomEvent("desk:preview", { detail: m }));
        break;
      case "error":
        if (m.action === "spy") break; // listening in is asked and answered on the live view
        warn(say(m.action === "pause" ? "error.pause" : "error.dial", { reason: m.reason || "" }));
        if (m.action === "pause") pauseDone();
        break;
      default: break;
    }
  }

  function hello(m) {
    me = m.user || {};
    windowSeconds = m.result_window_seconds || windowSeconds;
    var server = moment(m.server_time);
    if (server !== null) skew = server - Date.now();
    var device = me.extension || me.interface;
    var line = $("desk-extension");
    line.textContent = device ? say("extension", { ext: device }) : T["no_extension"];
    line.classList.toggle("field-error", !device);
    // The server sends again what still rings or goes on; a pop it does not re-send within a moment is over.
    Object.keys(pops).forEach(function (id) {
      var p = pops[id];
      if (p.state === "ringing" || p.state === "talking") {
        p.stale = true;
        setTimeout(function () {
          if (p.stale && pops[id] === p) {
            freeze(p);
            setPopState(p, "ended");
            forgetLater(p, 15000);
          }
        }, 5000);
      }
    });
    showState(m.agent);
  }

  // -- the state --------------------------------------------------------------------------------------

  function showState(a) {
    if (!a) return;
    agent = a;
    $("desk-state").setAttribute("data-state", a.state);
    $("desk-state-label").textContent = T["state." + a.state] || a.state;
    $("desk-state-reason").textContent = a.paused && a.reason ? word("reason", a.reason) : "";
    $("desk-pause-btn").hidden = !!a.paused;
    $("desk-pause-reason").disabled = !!a.paused;
    $("desk-unpause-btn").hidden = !a.paused;
    if (a.paused && a.reason && V.reason && V.reason[a.reason]) $("desk-pause-reason").value = a.reason;
    pauseDone();
    tick();
  }

  function pauseDone() {
    clearTimeout(pauseWaiting);
    pauseWaiting = null;
    $("desk-pause-waiting").hidden = true;
    $("desk-pause-btn").disabled = false;
    $("desk-unpause-btn").disabled = false;
  }

  function askPause(paused, reason) {
    $("desk-pause-btn").disabled = true;
    $("desk-unpause-btn").disabled = true;
    $("desk-pause-waiting").hidden = false;
    CC.postJson("/api/desk/pause", { paused: paused, reason: reason }).then(function (answer) {
      if (answer.status === 202 || answer.status === 200) {
        // The PBX confirms with a state message; without one the controls come back after a while.
        clearTimeout(pauseWaiting);
        pauseWaiting = setTimeout(pauseDone, 15000);
        return;
      }
      pauseDone();
      warn(problem(answer));
    }, function () {
      pauseDone();
      warn(T["error.network"]);
    });
  }

  function stateTimer() {
    if (!agent) return "";
    var t = now();
    if (agent.state === "in_call") {
      var from = moment(agent.call_since) || moment(agent.since);
      return from === null ? "" : clock((t - from) / 1000);
    }
    if (agent.state === "wrap_up") {
      var since = moment(agent.since);
      if (since === null) return "";
      return say("state.wrap_up_left", { time: clock(windowSeconds - (t - since) / 1000) });
    }
    var start = moment(agent.since);
    return start === null ? "" : clock((t - start) / 1000);
  }

  // -- pops -------------------------------------------------------------------------------------------

  function otherParty(call) {
    return call.direction === "outbound" ? call.callee : call.caller;
  }

  function updateEmpty() {
    $("desk-no-pops").hidden = Object.keys(pops).length > 0;
  }

  function setPopState(p, state, label) {
    p.state = state;
    p.node.setAttribute("data-state", state);
    slot(p.node, "state").textContent = label || T["pop." + state] || state;
    p.node.classList.toggle("pop-faded", state === "colleague" || state === "elsewhere");
  }

  function freeze(p, seconds) {
    if (p.frozen !== null) return;
    p.frozen = typeof seconds === "number" ? seconds : Math.max(0, (now() - p.from) / 1000);
    slot(p.node, "timer").textContent = clock(p.frozen);
  }

  function forget(p) {
    clearTimeout(p.later);
    if (pops[p.id] === p) delete pops[p.id];
    p.node.remove();
    updateEmpty();
  }

  function forgetLater(p, ms) {
    clearTimeout(p.later);
    p.later = setTimeout(function () {
      if (!wrapups[p.id]) forget(p);
    }, ms);
  }

  function popped(m) {
    var call = m.call || {};
    var id = call.linkedid;
    if (!id) return;
    var p = pops[id];
    if (!p) {
      var node = clone("tpl-pop");
      p = pops[id] = { id: id, node: node, from: now(), frozen: null, state: "ringing", body: false, number: m.number };
      node.setAttribute("data-linkedid", id);
      slot(node, "number").textContent = phone(m.number);
      if (m.number && m.number.charAt(0) === "+") slot(node, "dial").appendChild(dialButton(m.number));
      var meta = [word("direction", call.direction)];
      if (call.queue) meta.push(say("pop.queue", { queue: call.queue }));
      if (m.campaign && m.campaign.name) meta.push(say("pop.campaign", { name: m.campaign.name }));
      slot(node, "meta").textContent = meta.join(" · ");
      if (m.campaign) node.setAttribute("data-campaign", String(m.campaign.id));
      node.querySelector("[data-action=dismiss]").addEventListener("click", function () { forget(p); });
      $("desk-pops").prepend(node);
      setPopState(p, "ringing");
    }
    p.stale = false;
    p.call = call;
    if (!p.body) {
      p.body = true;
      var body = slot(p.node, "body");
      body.textContent = "";
      if (m.hidden) {
        note(p, T["pop.hidden"]);
      } else if (m.dossier) {
        body.appendChild(dossier(m.dossier));
      } else if (m.dossier_error) {
        note(p, T["pop.dossier_error"]);
      } else {
        note(p, T["pop.unknown"]);
        // A phone number can become a client's; an internal extension cannot.
        if ((m.number || "").charAt(0) === "+") body.appendChild(quickClient(p, m.number));
      }
    }
    if (call.state === "answered") {
      if (me && call.operator_id === me.id) {
        setPopState(p, "talking");
        p.from = moment(call.answered_at) || p.from;
      } else if (call.operator_id) {
        setPopState(p, "colleague");
        freeze(p);
      }
    }
    updateEmpty();
    tick();
  }

  function note(p, text) {
    var node = slot(p.node, "note");
    node.textContent = text;
    node.hidden = !text;
  }

  function answered(m) {
    var p = pops[m.call && m.call.linkedid];
    if (!p) return;
    p.call = m.call;
    if (m.mine) {
      setPopState(p, "talking");
      // From the answer as the server saw it, never later than now (the PBX's clock may run ahead).
      p.from = Math.min(moment(m.call.answered_at) || now(), now());
    } else {
      freeze(p);
      setPopState(p, "colleague");
    }
    tick();
  }

  function transferred(m) {
    var p = pops[m.call && m.call.linkedid];
    if (!p) return;
    note(p, say("pop.transferred", { source: m.from || "—", target: m.to || "—" }));
    if (me && m.from === me.login && m.to !== me.login) {
      freeze(p);
      setPopState(p, "elsewhere", T["pop.ended"]);
    }
  }

  function callEnded(m) {
    var call = m.call || {};
    var p = pops[call.linkedid];
    if (p) {
      p.stale = false;
      p.call = call;
      var talked = call.answered_at && p.state === "talking" && typeof call.talk_seconds === "number";
      freeze(p, talked ? call.talk_seconds : undefined);
      if (p.state !== "colleague" && p.state !== "elsewhere") {
        setPopState(p, "ended", call.outcome ? word("call_outcome", call.outcome) : T["pop.ended"]);
      }
      if (!m.wrap_up) forgetLater(p, 30000);
    }
    if (m.wrap_up) openWrapUp(call);
  }

  // -- the dossier in a pop ---------------------------------------------------------------------------

  function listOf(node, items, render) {
    node.textContent = "";
    if (!items || !items.length) {
      node.appendChild(el("li", "muted", T["pop.none"]));
      return;
    }
    items.forEach(function (item) { node.appendChild(render(item)); });
  }

  function badge(className, text) { return el("span", "badge " + className, text); }

  function dossier(d) {
    var box = clone("tpl-dossier");
    var c = d.client || {};
    var href = "/clients/" + encodeURIComponent(c.id);
    [slot(box, "name"), slot(box, "card")].forEach(function (link) {
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener";
    });
    slot(box, "name").textContent = c.name || "";
    var badges = slot(box, "badges");
    badges.appendChild(badge("badge-plain", word("kind", c.kind)));
    if (c.stage) badges.appendChild(badge("stage-" + c.stage, word("stage", c.stage)));
    if (c.abc_class) badges.appendChild(badge("class-badge class-" + c.abc_class, "ABC: " + c.abc_class));
    if (c.xyz_class) badges.appendChild(badge("badge-plain", "XYZ: " + c.xyz_class));

    var person = d.contact;
    var people = person ? [person] : (d.contacts || []).slice(0, 2);
    var contact = slot(box, "contact");
    if (!people.length) contact.appendChild(el("span", "muted", "—"));
    people.forEach(function (who) {
      var line = el("div");
      line.appendChild(el("span", "strong", who.full_name || ""));
      var role = [who.role, who.position].filter(Boolean).join(" · ");
      if (role) line.appendChild(el("span", "muted", " · " + role));
      contact.appendChild(line);
    });
    var owner = d.owner;
    slot(box, "owner").textContent = owner ? (owner.full_name || owner.login) : (T["nobody"] || "—");
    var others = (d.other_client_ids || []).length;
    if (others) {
      var more = slot(box, "others");
      more.textContent = say("pop.other_clients", { count: others });
      more.hidden = false;
    }

    listOf(slot(box, "history"), (d.interactions || []).slice(0, 5), function (i) {
      var li = el("li");
      var head = el("div", "pop-line");
      head.appendChild(el("span", "strong", when(i.occurred_at)));
      head.appendChild(el("span", "muted", word("interaction_kind", i.kind) + (i.direction ? " · " + word("direction", i.direction) : "")));
      if (i.result) {
        head.appendChild(badge(i.result.counts_as_result ? "badge-ok" : "badge-plain", i.result.name));
      } else if (i.call_outcome) {
        head.appendChild(badge("badge-plain", word("call_outcome", i.call_outcome)));
      }
      li.appendChild(head);
      if (i.subject) li.appendChild(el("span", "sub", i.subject));
      if (i.notes) li.appendChild(el("span", "sub pop-notes", i.notes.length > 160 ? i.notes.slice(0, 159) + "…" : i.notes));
      return li;
    });
    listOf(slot(box, "tasks"), d.tasks, function (task) {
      var li = el("li", task.overdue ? "overdue" : "");
      li.appendChild(el("span", "strong", task.title || ""));
      var sub = el("span", "sub", word("task_kind", task.kind) + " · " + (task.due_at ? when(task.due_at) : T["pop.no_due"]));
      if (task.overdue) {
        sub.appendChild(document.createTextNode(" · "));
        sub.appendChild(badge("badge-danger", T["pop.overdue"]));
      }
      li.appendChild(sub);
      return li;
    });
    listOf(slot(box, "deals"), d.deals, function (deal) {
      var li = el("li");
      li.appendChild(el("span", "strong", deal.title || ""));
      li.appendChild(el("span", "amount", money(deal.amount, deal.currency)));
      if (deal.stage) li.appendChild(el("span", "sub", deal.stage));
      return li;
    });
    listOf(slot(box, "claims"), d.claims, function (claim) {
      var li = el("li");
      li.appendChild(el("span", "strong", claim.subject || ""));
      var sub = el("span", "sub");
      sub.appendChild(badge("badge-warn", word("claim_status", claim.status)));
      if (claim.created_at) sub.appendChild(document.createTextNode(" · " + when(claim.created_at)));
      li.appendChild(sub);
      return li;
    });
    return box;
  }

  // -- a client for an unknown number -----------------------------------------------------------------

  function fieldErrors(form, fields) {
    var shown = false;
    Object.keys(fields || {}).forEach(function (key) {
      var target = form.querySelector('[data-error="' + key + '"]');
      if (!target && /^phones(\.|$)/.test(key)) target = form.querySelector('[data-error="phones.0"]');
      if (!target) return;
      target.textContent = reason(fields[key]);
      target.hidden = false;
      var input = target.parentElement.querySelector("input, select, textarea");
      if (input) input.setAttribute("aria-invalid", "true");
      shown = true;
    });
    return shown;
  }

  // A complaint goes away as soon as its field is changed.
  function calmOnInput(form) {
    form.addEventListener("input", function (event) {
      var field = event.target.closest(".field");
      if (!field || !event.target.hasAttribute("aria-invalid")) return;
      event.target.removeAttribute("aria-invalid");
      field.querySelectorAll("[data-error]").forEach(function (node) { node.hidden = true; });
    });
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error]").forEach(function (node) {
      node.hidden = true;
      node.textContent = "";
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
  }

  // The API's reasons are written for developers; the common ones get the page's own words.
  function reason(text) {
    text = String(text || "");
    if (/required|at least 1 character/i.test(text)) return T["error.required"];
    if (/at most/i.test(text)) return T["error.too_long"];
    if (/future/i.test(text)) return T["error.future"];
    return text;
  }

  function describeReason(r) {
    var parts = String(r).split(":");
    var kind = parts.shift();
    var value = parts.join(":");
    if (kind === "phone") return say("dup.reason.phone", { value: phone(value) });
    if (kind === "email") return say("dup.reason.email", { value: value });
    if (kind === "tax_id" || kind === "name") return T["dup.reason." + kind];
    return r;
  }

  function quickClient(p, number) {
    var form = clone("tpl-quick");
    form.elements.phone.value = number;
    calmOnInput(form);
    var submit = form.querySelector("button[type=submit]");

    function create(force) {
      clearErrors(form);
      var name = form.elements.name.value.trim();
      if (!name) {
        fieldErrors(form, { name: "required" });
        form.elements.name.focus();
        return;
      }
      var kind = form.querySelector("input[name=kind]:checked");
      var written = form.elements.phone.value.trim();
      var body = { name: name, kind: kind ? kind.value : "company", phones: written ? [written] : [] };
      submit.disabled = true;
      CC.postJson("/api/clients" + (force ? "?force=true" : ""), body).then(function (answer) {
        submit.disabled = false;
        var data = answer.data || {};
        if (answer.status === 201) {
          created(p, data, written || number);
        } else if (answer.status === 409 && data.candidates) {
          duplicates(form, data.candidates, function () { create(true); });
        } else if (answer.status === 422 && fieldErrors(form, data.fields)) {
          return;
        } else {
          var general = form.querySelector('[data-error="form"]');
          general.textContent = problem(answer);
          general.hidden = false;
        }
      }, function () {
        submit.disabled = false;
        var general = form.querySelector('[data-error="form"]');
        general.textContent = T["error.network"];
        general.hidden = false;
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      create(false);
    });
    return form;
  }

  function duplicates(form, candidates, force) {
    var place = slot(form, "duplicates");
    place.textContent = "";
    var box = clone("tpl-duplicates");
    var list = slot(box, "candidates");
    candidates.forEach(function (c) {
      var li = el("li");
      if (c.id) {
        var link = el("a", "strong", c.name || "");
        link.href = "/clients/" + encodeURIComponent(c.id);
        link.target = "_blank";
        link.rel = "noopener";
        li.appendChild(link);
      } else {
        li.appendChild(el("span", "strong muted", T["dup.hidden"]));
      }
      var reasons = el("span", "reasons");
      (c.reasons || []).forEach(function (r) { reasons.appendChild(badge("badge-warn", describeReason(r))); });
      li.appendChild(reasons);
      list.appendChild(li);
    });
    box.querySelector("[data-action=force]").addEventListener("click", force);
    place.appendChild(box);
  }

  function created(p, client, number) {
    CC.toast(T["pop.created"], "ok");
    var body = slot(p.node, "body");
    note(p, "");
    fetch("/api/dossier?phone=" + encodeURIComponent(number), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .catch(function () { return null; })
      .then(function (found) {
        body.textContent = "";
        if (found && found.client && found.client.id === client.id) {
          body.appendChild(dossier(found));
        } else {
          body.appendChild(dossier({ client: client, owner: null, contacts: [], interactions: [], tasks: [], deals: [], claims: [] }));
        }
      });
  }

  // -- the wrap-up ------------------------------------------------------------------------------------

  function openWrapUp(call) {
    var id = call.linkedid;
    if (!id || wrapups[id]) return;
    var form = clone("tpl-wrapup");
    var w = wrapups[id] = { id: id, node: form, call: call, until: (moment(call.ended_at) || now()) + windowSeconds * 1000 };
    form.setAttribute("data-linkedid", id);
    calmOnInput(form);
    var who = call.client_name || phone(otherParty(call));
    slot(form, "call").textContent = say("wrap.call", { who: who });
    form.querySelectorAll("[data-toggle]").forEach(function (box) {
      box.addEventListener("change", function () {
        var step = form.querySelector('[data-step="' + box.getAttribute("data-toggle") + '"]');
        step.hidden = !box.checked;
        if (box.checked) {
          var first = step.querySelector("input, textarea");
          if (first) first.focus();
        }
      });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      saveWrapUp(w);
    });
    $("desk-wrapups").prepend(form);
    tick();
    form.elements.disposition_id.focus();
  }

  function checked(form, name) {
    var box = form.querySelector('[data-toggle="' + name + '"]');
    return !!(box && box.checked);
  }

  function saveWrapUp(w) {
    var form = w.node;
    var f = form.elements;
    clearErrors(form);
    var general = slot(form, "error");
    general.hidden = true;
    var missing = {};
    var body = { linkedid: w.id, disposition_id: Number(f.disposition_id.value) || null, notes: f.notes.value };
    if (!body.disposition_id) missing.disposition_id = "required";
    if (checked(form, "callback")) {
      var due = f.callback_due.value ? withOffset(f.callback_due.value) : null;
      if (!due) missing["callback.due_at"] = "required";
      else if (Date.parse(due) <= Date.now()) missing["callback.due_at"] = "future";
      body.callback = { due_at: due, note: f.callback_note.value.trim() };
    }
    if (checked(form, "deal")) {
      if (!f.deal_title.value.trim()) missing["deal.title"] = "required";
      var amount = f.deal_amount.value.replace(/[\s\u00a0]/g, "").replace(",", ".");
      body.deal = { title: f.deal_title.value.trim(), amount: amount || "0" };
    }
    if (checked(form, "claim")) {
      if (!f.claim_subject.value.trim()) missing["claim.subject"] = "required";
      body.claim = { subject: f.claim_subject.value.trim(), description: f.claim_description.value };
    }
    if (Object.keys(missing).length) {
      fieldErrors(form, missing);
      var bad = form.querySelector("[aria-invalid=true]");
      if (bad) bad.focus();
      return;
    }
    var submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    form.setAttribute("aria-busy", "true");

    function fail(text) {
      submit.disabled = false;
      form.removeAttribute("aria-busy");
      general.textContent = text;
      general.hidden = false;
    }

    CC.postJson("/api/calls/wrap-up", body).then(function (answer) {
      var data = answer.data || {};
      if (answer.status === 200 || answer.status === 201) {
        delete wrapups[w.id];
        form.remove();
        if (pops[w.id]) forget(pops[w.id]);
        CC.toast(T["wrap.saved"], "ok");
        return;
      }
      if (answer.status === 422 && data.fields) {
        fail(T["error.fields"]);
        if (!fieldErrors(form, data.fields)) {
          general.textContent = T["error.fields"] + " " + Object.keys(data.fields).map(function (k) {
            return k + ": " + reason(data.fields[k]);
          }).join("; ");
        }
        return;
      }
      fail(answer.status === 404 ? T["error.not_logged"] : problem(answer));
    }, function () {
      fail(T["error.network"]);
    });
  }

  // -- the clock --------------------------------------------------------------------------------------

  function tick() {
    $("desk-state-timer").textContent = stateTimer();
    var t = now();
    Object.keys(pops).forEach(function (id) {
      var p = pops[id];
      if (p.frozen === null) slot(p.node, "timer").textContent = clock((t - p.from) / 1000);
    });
    Object.keys(wrapups).forEach(function (id) {
      var w = wrapups[id];
      var left = (w.until - t) / 1000;
      var node = slot(w.node, "countdown");
      node.textContent = clock(left);
      node.classList.toggle("badge-danger", left <= 0);
    });
  }

  // What desk_campaigns.js builds previews with: the same dossier, texts and clock as the pops.
  window.CCDesk = {
    dossier: function (d) { return dossier(d); },
    say: function (key, values) { return say(key, values); },
    text: function (key) { return T[key]; },
    phone: phone,
    clock: clock,
    now: now,
    warn: function (text) { return warn(text); },
    problem: function (answer) { return problem(answer); }
  };

  document.addEventListener("DOMContentLoaded", function () {
    T = CC.texts("desk-texts");
    V = T.vocab || {};
    $("desk-pause").addEventListener("submit", function (event) {
      event.preventDefault();
      askPause(true, $("desk-pause-reason").value);
    });
    $("desk-unpause-btn").addEventListener("click", function () { askPause(false, ""); });
    updateEmpty();
    setInterval(tick, 500);
    connect();
  });
})();
