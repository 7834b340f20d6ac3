// The call review page: the transcript follows the recording (a click on a line plays from there), the
// scorecard and the notes are read and written through the API. Everything from the server is set as
// text, never as HTML.
(function () {
  "use strict";

  var root = document.getElementById("review");
  if (!root) return;
  var callId = root.getAttribute("data-call-id");
  var canReview = root.getAttribute("data-can-review") === "true";
  var texts = JSON.parse(document.getElementById("review-texts").textContent);
  var audio = document.getElementById("review-audio");
  var lines = [];

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var m = Math.floor(s / 60);
    return m + ":" + String(s % 60).padStart(2, "0");
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().catch(function () { return null; }).then(function (d) { return { status: r.status, data: d }; }); });
  }

  function sendJson(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": window.CC.csrfToken() },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().catch(function () { return null; }).then(function (d) { return { status: r.status, data: d }; }); });
  }

  // -- transcript ---------------------------------------------------------------------------------
  function showTranscript() {
    var status = document.getElementById("transcript-status");
    var list = document.getElementById("transcript");
    getJson("/api/calls/" + callId + "/transcript").then(function (r) {
      if (r.status === 200) {
        status.textContent = "";
        status.hidden = true;
        r.data.segments.forEach(function (seg) {
          var item = el("li", "line" + (seg.speaker ? " speaker-" + seg.speaker : ""));
          item.setAttribute("data-start", seg.start);
          item.setAttribute("data-end", seg.end);
          item.tabIndex = 0;
          item.appendChild(el("span", "line-time mono", clock(seg.start)));
          if (seg.speaker) item.appendChild(el("span", "line-speaker", texts["speaker." + seg.speaker] || seg.speaker));
          item.appendChild(el("span", "line-text", seg.text));
          function seek() {
            if (!audio) return;
            audio.currentTime = seg.start;
            var playing = audio.play();
            if (playing && playing.catch) playing.catch(function () {});
          }
          item.addEventListener("click", seek);
          item.addEventListener("keydown", function (e) { if (e.key === "Enter") seek(); });
          list.appendChild(item);
          lines.push(item);
        });
      } else if (r.status === 404 && r.data && r.data.error === "transcript-not-ready") {
        status.textContent = r.data.job.status === "failed" ? texts["transcript.failed"] : texts["transcript.pending"];
      } else if (r.status === 404) {
        status.textContent = texts["transcript.none"];
      } else {
        status.textContent = texts["load_failed"];
      }
    }, function () { status.textContent = texts["load_failed"]; });
  }

  function follow() {
    if (!audio) return;
    var now = audio.currentTime;
    lines.forEach(function (item) {
      var on = now >= Number(item.getAttribute("data-start")) && now < Number(item.getAttribute("data-end"));
      if (on) item.setAttribute("aria-current", "true"); else item.removeAttribute("aria-current");
    });
  }
  if (audio) {
    audio.addEventListener("timeupdate", follow);
    audio.addEventListener("seeked", follow);
  }

  // -- reviews and notes --------------------------------------------------------------------------
  function showReviews(data) {
    var box = document.getElementById("reviews");
    box.textContent = "";
    if (!data.reviews.length) box.appendChild(el("p", "muted", texts["none"]));
    data.reviews.forEach(function (review) {
      var block = el("div", "review");
      block.appendChild(el("p", "review-head", window.CC.fill(texts["by"], { who: review.reviewer || "—" }) + " · " +
        window.CC.fill(texts["score.total"], { total: review.total })));
      var list = el("ul", "review-scores");
      review.scores.forEach(function (s) { list.appendChild(el("li", "", s.name + ": " + s.score + "/10")); });
      block.appendChild(list);
      if (review.comment) block.appendChild(el("p", "review-comment", review.comment));
      box.appendChild(block);
    });
    var notes = document.getElementById("notes");
    notes.textContent = "";
    data.notes.forEach(function (note) {
      var item = el("li", "note");
      var at = note.at_ms === null ? texts["note.whole_call"] : clock(note.at_ms / 1000);
      var time = el("button", "link note-time mono", at);
      time.type = "button";
      if (note.at_ms !== null && audio) time.addEventListener("click", function () { audio.currentTime = note.at_ms / 1000; });
      item.appendChild(time);
      item.appendChild(el("span", "note-author", " " + (note.author || "—") + ": "));
      item.appendChild(el("span", "note-text", note.text));
      notes.appendChild(item);
    });
    if (canReview) fillCriteria(data);
  }

  function fillCriteria(data) {
    var box = document.getElementById("criteria");
    if (box.childElementCount) return;
    data.criteria.forEach(function (c) {
      var row = el("div", "criterion");
      var id = "score-" + c.code;
      var label = el("label", "", c.name + " (×" + c.weight + ")");
      label.htmlFor = id;
      var select = document.createElement("select");
      select.id = id;
      select.name = c.code;
      select.appendChild(el("option", "", "—")).value = "";
      for (var n = 0; n <= 10; n++) select.appendChild(el("option", "", n)).value = String(n);
      row.appendChild(label);
      row.appendChild(select);
      box.appendChild(row);
    });
  }

  function load() {
    getJson("/api/calls/" + callId + "/review").then(function (r) {
      if (r.status === 200) showReviews(r.data);
    });
  }

  var scoreForm = document.getElementById("score-form");
  if (scoreForm) scoreForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var scores = {};
    scoreForm.querySelectorAll("select").forEach(function (s) { if (s.value !== "") scores[s.name] = Number(s.value); });
    var status = document.getElementById("score-status");
    sendJson("PUT", "/api/calls/" + callId + "/review", { scores: scores, comment: document.getElementById("score-comment").value })
      .then(function (r) {
        status.textContent = r.status === 200 ? window.CC.fill(texts["score.saved"], { total: r.data.total }) : texts["score.failed"];
        status.setAttribute("data-state", r.status === 200 ? "saved" : "failed");
        if (r.status === 200) load();
      }, function () { status.textContent = texts["score.failed"]; });
  });

  var noteForm = document.getElementById("note-form");
  if (noteForm) noteForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = document.getElementById("note-text");
    var at = audio && audio.currentTime > 0 ? Math.round(audio.currentTime * 1000) : null;
    var status = document.getElementById("note-status");
    sendJson("POST", "/api/calls/" + callId + "/review/notes", { at_ms: at, text: text.value }).then(function (r) {
      status.textContent = r.status === 201 ? texts["note.added"] : texts["note.failed"];
      if (r.status === 201) { text.value = ""; load(); }
    }, function () { status.textContent = texts["note.failed"]; });
  });

  showTranscript();
  load();
})();
