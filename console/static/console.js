// socpilot console: progressive enhancements only; every page works without it.
// No inline script runs anywhere (the Content-Security-Policy forbids it).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Copy a hunting query to the clipboard.
  document.querySelectorAll("button.copy[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var src = document.getElementById(btn.getAttribute("data-copy"));
      if (!src || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(src.textContent).then(function () {
        btn.textContent = "Copied";
        setTimeout(function () { btn.textContent = "Copy"; }, 1500);
      });
    });
  });
  // A form that changes something is sent once: a double click does not post twice.
  document.querySelectorAll("form.once").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (form.dataset.sent) { ev.preventDefault(); return; }
      form.dataset.sent = "1";
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; b.textContent += "…"; });
    });
  });
  setupChat();
});

// The chat panel: the answer streams in token by token (Server-Sent Events
// over the form's POST), the conversation id goes into the URL so a reload
// keeps it, and answers can be rated. Every text goes in as textContent:
// nothing from an incident or a model is ever parsed as HTML.
function setupChat() {
  var form = document.getElementById("chat-form");
  if (!form || !window.fetch || !window.TextDecoder) { return; }
  var log = document.getElementById("chat-log");
  var status = document.getElementById("chat-status");
  var input = document.getElementById("chat-message");
  var send = document.getElementById("chat-send");
  var csrf = form.querySelector("input[name=csrf]").value;
  var base = document.body.dataset.base || "/";
  var convField = form.querySelector("input[name=conv]");

  log.querySelectorAll("form.rate").forEach(enhanceRate);

  function turn(cls, text) {
    var div = document.createElement("div");
    div.className = "turn " + cls;
    var t = document.createElement("div");
    t.className = "turn-text";
    t.textContent = text;
    div.appendChild(t);
    log.appendChild(div);
    div.scrollIntoView({ block: "end" });
    return div;
  }

  function rateForm(conv, index, model) {
    var f = document.createElement("form");
    f.className = "rate";
    f.method = "post";
    f.action = base + "chat/" + encodeURIComponent(conv) + "/rate";
    [["csrf", csrf], ["turn", String(index)], ["model", model]].forEach(function (kv) {
      var i = document.createElement("input");
      i.type = "hidden"; i.name = kv[0]; i.value = kv[1];
      f.appendChild(i);
    });
    [["up", "▲ useful", "Useful"], ["down", "▼ wrong", "Wrong or unhelpful"]].forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "submit"; btn.name = "value"; btn.value = b[0]; btn.textContent = b[1]; btn.title = b[2];
      f.appendChild(btn);
    });
    enhanceRate(f);
    return f;
  }

  function enhanceRate(f) {
    f.querySelectorAll("button").forEach(function (btn) {
      btn.addEventListener("click", function (ev) {
        ev.preventDefault();
        var body = new URLSearchParams(new FormData(f));
        body.set("value", btn.value);
        fetch(f.action, { method: "POST", body: body, headers: { "Accept": "application/json" }, credentials: "same-origin" })
          .then(function (r) {
            if (!r.ok) { throw new Error("the rating was not kept (" + r.status + ")"); }
            f.querySelectorAll("button").forEach(function (b) { b.classList.toggle("chosen", b === btn); });
            f.dataset.rated = btn.value;
          })
          .catch(function (e) { status.textContent = e.message; status.classList.add("error"); });
      });
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var msg = input.value.trim();
    if (!msg || send.disabled) { return; }
    send.disabled = true;
    status.classList.remove("error");
    status.textContent = "…";
    turn("turn-user", msg);
    var answer = turn("turn-assistant pending", "");
    var text = answer.querySelector(".turn-text");
    var body = new URLSearchParams(new FormData(form));
    var got = false;
    fetch(form.action, { method: "POST", body: body, headers: { "Accept": "text/event-stream" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) {
          return r.json().then(function (j) { throw new Error(j.error || ("the chat failed (" + r.status + ")")); },
            function () { throw new Error("the chat failed (" + r.status + ")"); });
        }
        var reader = r.body.getReader();
        var dec = new TextDecoder();
        var buf = "";
        function pump() {
          return reader.read().then(function (res) {
            if (res.done) {
              if (!got) { throw new Error("the answer was cut off"); }
              return;
            }
            buf += dec.decode(res.value, { stream: true });
            var i;
            while ((i = buf.indexOf("\n\n")) >= 0) {
              handle(buf.slice(0, i));
              buf = buf.slice(i + 2);
            }
            return pump();
          });
        }
        return pump();
      })
      .catch(function (e) {
        answer.classList.remove("pending");
        answer.classList.add("failed");
        status.textContent = e.message;
        status.classList.add("error");
      })
      .then(function () { send.disabled = false; input.focus(); });

    function handle(block) {
      var event = "message", data = "";
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event: ") === 0) { event = line.slice(7); }
        else if (line.indexOf("data: ") === 0) { data += line.slice(6); }
      });
      if (!data) { return; }
      var v = JSON.parse(data);
      if (event === "delta") {
        text.textContent += v.text;
        status.textContent = "answering…";
      } else if (event === "done") {
        got = true;
        answer.classList.remove("pending");
        input.value = "";
        if (!v.question) { answer.remove(); } else {
          // The final text is authoritative: it carries the notes the
          // stream could not (a fallback after a cut, unverified names).
          if (v.offline && v.note && text.textContent) {
            var cut = document.createElement("p");
            cut.className = "warning";
            cut.textContent = "The model's answer was cut: " + v.note + ".";
            answer.insertBefore(cut, text);
          }
          text.textContent = v.text;
          answer.dataset.turn = v.turn;
          answer.appendChild(rateForm(v.conversation, v.turn, v.model));
        }
        status.textContent = v.receipt;
        convField.value = v.conversation;
        var inc = document.getElementById("chat-incidents");
        if (inc && v.incidents) {
          inc.textContent = "In this conversation: ";
          v.incidents.forEach(function (n, j) {
            if (j) { inc.appendChild(document.createTextNode(", ")); }
            var a = document.createElement("a");
            a.href = base + "incidents/" + n; a.textContent = "#" + n;
            inc.appendChild(a);
          });
        }
        var u = new URL(window.location.href);
        u.searchParams.set("conv", v.conversation);
        u.hash = "chat";
        history.replaceState(null, "", u.toString());
      } else if (event === "error") {
        got = true;
        answer.classList.remove("pending");
        answer.classList.add("failed");
        status.textContent = v.message;
        status.classList.add("error");
      }
    }
  });
}

