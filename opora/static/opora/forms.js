// A form that came back with errors: put the focus on its first wrong field (the page otherwise opens at the
// top, far from it), and let the links of the error summary focus their field, not only scroll to it. When
// no one field is wrong (a refused action, a wrong password), the focus goes to the message instead.
// A static file, so that the Content-Security-Policy needs no inline script.
"use strict";

function focusField(id) {
  const field = document.getElementById(id);
  if (!field) {
    return false;
  }
  field.focus({ preventScroll: true });
  field.scrollIntoView({ block: "center" });
  return true;
}

function firstWrongField(summary) {
  const link = summary.querySelector("a[data-field]");
  return link ? link.dataset.field : null;
}

function focusBlock(block) {
  block.setAttribute("tabindex", "-1");
  block.focus({ preventScroll: true });
  block.scrollIntoView({ block: "center" });
}

document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    // An error of the whole form or action (no one field is wrong), or a save refused because someone else
    // changed the record meanwhile: its message is where the focus goes.
    const message = document.querySelector("main .form-errors, main .conflict");
    if (message) {
      focusBlock(message);
    }
    return;
  }
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-field]");
    if (link && focusField(link.dataset.field)) {
      event.preventDefault();
    }
  });
  const first = firstWrongField(summary);
  if (!first || !focusField(first)) {
    focusBlock(summary);
  }
});
