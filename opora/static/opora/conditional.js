// Fields that apply only with another field's value (opora.core.forms.ShowWhenMixin): a wrapper marked
// data-show-when="decision" data-show-values="accept" shows while the form's "decision" is "accept", and
// is hidden with its inputs disabled otherwise, so that what does not apply is neither seen nor posted (the
// server drops it anyway). Without script every field shows. A static file: the CSP allows no inline script.
"use strict";

(() => {
  function valueOf(form, name) {
    const chosen = [];
    for (const input of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) {
          chosen.push(input.type === "checkbox" && input.value === "on" ? "True" : input.value);
        }
      } else {
        chosen.push(input.value);
      }
    }
    return chosen;
  }

  function update(form) {
    for (const wrapper of form.querySelectorAll("[data-show-when]")) {
      const values = wrapper.dataset.showValues.split(" ");
      const applies = valueOf(form, wrapper.dataset.showWhen).some((value) => values.includes(value));
      wrapper.hidden = !applies;
      for (const input of wrapper.querySelectorAll("input, select, textarea, button")) {
        if (!applies && !input.disabled) {
          input.disabled = true;
          input.dataset.hiddenByCondition = "true";
        } else if (applies && input.dataset.hiddenByCondition) {
          input.disabled = false;
          delete input.dataset.hiddenByCondition;
        }
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form")) {
      if (!form.querySelector("[data-show-when]")) {
        continue;
      }
      update(form);
      form.addEventListener("change", () => update(form));
    }
  });
})();
