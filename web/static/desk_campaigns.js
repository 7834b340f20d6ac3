// The desk's campaigns: joining and leaving them, and preview mode — the campaign's next client shown with
// their dossier before the call, "Call now" or "Skip" (or the call goes out by itself when the countdown ends).
// desk.js hands over the `preview` messages of /ws (docs/websocket.md) and shares its dossier builder.
(function () {
  "use strict";

  var CC = window.CC;
  var previews = {}; // lead id -> preview
  var ticking = null;

  function D() { return window.CCDesk; }

  function slot(root, name) { return root.querySelector('[data-slot="' + name + '"]'); }

  function note(p, text) {
    var node = slot(p.node, "note");
    node.textContent = text || "";
    node.hidden = !text;
  }

  function forget(p) {
    if (previews[p.lead] === p) delete previews[p.lead];
    p.node.remove();
  }

  function left(p) {
    return Math.ceil((p.until - D().now()) / 1000);
  }

  function tick() {
    Object.keys(previews).forEach(function (id) {
      var p = previews[id];
      if (!p.until || p.done) return;
      var seconds = left(p);
      var node = slot(p.node, "countdown");
      node.textContent = D().say("preview.countdown", { time: D().clock(Math.max(0, seconds)) });
      if (seconds <= 0) dialling(p); // the dialer calls by itself now
    });
  }

  function dialling(p) {
    p.done = true;
    p.node.setAttribute("data-state", "dialling");
    p.node.querySelectorAll("[data-action]").forEach(function (b) { b.disabled = true; });
    note(p, D().text("preview.dialling"));
    setTimeout(function () { forget(p); }, 8000); // the call pops by itself once the client's phone is up
  }

  function decide(p, dial) {
    p.node.querySelectorAll("[data-action]").forEach(function (b) { b.disabled = true; });
    CC.postJson("/api/desk/preview", { lead_id: p.lead, dial: dial }).then(function (answer) {
      if (answer.status === 202) {
        if (dial) dialling(p);
        else forget(p);
        return;
      }
      p.node.querySelectorAll("[data-action]").forEach(function (b) { b.disabled = false; });
      note(p, D().problem(answer));
    }, function () {
      p.node.querySelectorAll("[data-action]").forEach(function (b) { b.disabled = false; });
      note(p, D().text("preview.failed"));
    });
  }

  function offered(m) {
    var old = previews[m.lead_id];
    if (old) forget(old);
    var offeredAt = Date.parse(m.offered_at);
    var until = m.countdown_s > 0 && !isNaN(offeredAt) ? offeredAt + m.countdown_s * 1000 : null;
    if (until !== null && until <= D().now()) return; // sent again after a reconnect, and already dialled
    var node = document.getElementById("tpl-preview").content.firstElementChild.cloneNode(true);
    var p = previews[m.lead_id] = { lead: m.lead_id, node: node, until: until, done: false };
    node.setAttribute("data-lead", String(m.lead_id));
    slot(node, "number").textContent = D().phone(m.number);
    slot(node, "meta").textContent = m.campaign && m.campaign.name ? D().say("pop.campaign", { name: m.campaign.name }) : "";
    slot(node, "countdown").hidden = until === null;
    var body = slot(node, "body");
    if (m.dossier) body.appendChild(D().dossier(m.dossier));
    else if (m.hidden) note(p, D().text("pop.hidden"));
    else if (m.dossier_error) note(p, D().text("pop.dossier_error"));
    node.querySelector("[data-action=dial]").addEventListener("click", function () { decide(p, true); });
    node.querySelector("[data-action=skip]").addEventListener("click", function () { decide(p, false); });
    document.getElementById("desk-previews").prepend(node);
    tick();
    if (!ticking) ticking = setInterval(tick, 500);
  }

  // Join or leave a campaign: its calls come to me only while I have joined it.
  function membership(item, action) {
    var buttons = item.querySelectorAll("button[data-action]");
    buttons.forEach(function (b) { b.disabled = true; });
    var id = item.getAttribute("data-campaign");
    CC.postJson("/api/campaigns/" + encodeURIComponent(id) + "/" + action, {}).then(function (answer) {
      buttons.forEach(function (b) { b.disabled = false; });
      if (answer.status !== 200) {
        D().warn(D().say("campaign.failed", { message: (answer.data && answer.data.message) || ("HTTP " + answer.status) }));
        return;
      }
      var joined = action === "join";
      item.setAttribute("data-joined", joined ? "yes" : "no");
      item.querySelector("[data-action=join]").hidden = joined;
      item.querySelector("[data-action=leave]").hidden = !joined;
      slot(item, "joined").hidden = !joined;
    }, function () {
      buttons.forEach(function (b) { b.disabled = false; });
      D().warn(D().text("error.network"));
    });
  }

  document.addEventListener("desk:preview", function (event) { offered(event.detail); });

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("desk-campaigns");
    if (!list) return;
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (!button) return;
      membership(button.closest("[data-campaign]"), button.getAttribute("data-action"));
    });
  });
})();
