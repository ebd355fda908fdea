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
});
