// Typeahead pickers with chips (opora.core.widgets.PickMany / PickOne), the ARIA 1.2 combobox pattern.
//
// The server renders a box to tick (or a radio button) for each person chosen or offered; without script
// that is the form. Here the boxes are hidden, the ticked ones become chips, and a text box asks the
// picker's endpoint (the same scoped search as the list it comes from) after two letters. A pick ticks the
// person's box, adding one when the page did not offer them, so the form posts exactly what it would
// without script, and a form sent back with an error keeps its chips. Names come back as text and are
// only ever set as textContent, never as markup.
"use strict";

(() => {
  const MIN_LETTERS = 2;
  const WAIT_MS = 250;
  let pickers = 0;

  function text(root, key, count) {
    const value = root.dataset[key] || "";
    return count === undefined ? value : value.replace("{count}", String(count));
  }

  function optionLabel(input) {
    const label = input.closest("label");
    return label ? label.textContent.trim() : input.value;
  }

  function setUp(root) {
    pickers += 1;
    const prefix = `picker-${pickers}`;
    const multiple = root.dataset.multiple === "true";
    const name = root.dataset.name;
    const options = root.querySelector("[data-picker-options]");
    const fieldset = root.closest("fieldset");
    const legend = fieldset && fieldset.querySelector("legend");

    const chips = document.createElement("ul");
    chips.className = "picker-chips";
    chips.setAttribute("aria-label", text(root, "textChosen"));

    const input = document.createElement("input");
    input.type = "text";
    input.id = root.dataset.id ? `${root.dataset.id}_search` : `${prefix}-input`;
    input.className = "picker-input";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", `${prefix}-list`);
    if (legend) {
      if (!legend.id) {
        legend.id = `${prefix}-legend`;
      }
      input.setAttribute("aria-labelledby", legend.id);
    }
    if (fieldset && fieldset.getAttribute("aria-describedby")) {
      input.setAttribute("aria-describedby", fieldset.getAttribute("aria-describedby"));
    }
    if (fieldset && fieldset.getAttribute("aria-invalid")) {
      input.setAttribute("aria-invalid", fieldset.getAttribute("aria-invalid"));
    }

    const list = document.createElement("ul");
    list.id = `${prefix}-list`;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    if (legend) {
      list.setAttribute("aria-labelledby", legend.id);
    }
    list.hidden = true;

    const status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");

    let found = [];
    let active = -1;
    let timer = null;
    let asked = 0;

    function boxes() {
      return Array.from(options.querySelectorAll(`input[name="${CSS.escape(name)}"]`));
    }

    function boxFor(id) {
      return boxes().find((box) => box.value === String(id));
    }

    function renderChips() {
      chips.replaceChildren();
      for (const box of boxes()) {
        if (!box.checked || box.value === "") {
          continue;
        }
        const chip = document.createElement("li");
        chip.className = "chip";
        const label = document.createElement("span");
        label.textContent = box.dataset.label || optionLabel(box);
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "chip-remove";
        remove.setAttribute("aria-label", `${text(root, "textRemove")}: ${label.textContent}`);
        remove.textContent = "×";
        remove.addEventListener("click", () => {
          unpick(box);
          input.focus();
        });
        chip.append(label, remove);
        chips.append(chip);
      }
      chips.hidden = chips.children.length === 0;
    }

    function unpick(box) {
      box.checked = false;
      if (!multiple) {
        const none = boxFor("");
        if (none) {
          none.checked = true;
        }
      }
      renderChips();
    }

    function pick(person) {
      let box = boxFor(person.id);
      if (!box) {
        box = document.createElement("input");
        box.type = multiple ? "checkbox" : "radio";
        box.name = name;
        box.value = String(person.id);
        box.dataset.label = person.label;
        const item = document.createElement("li");
        item.append(box);
        options.append(item);
      }
      if (!multiple) {
        for (const other of boxes()) {
          other.checked = false;
        }
      }
      box.checked = true;
      renderChips();
      input.value = "";
      close();
    }

    function close() {
      list.hidden = true;
      list.replaceChildren();
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      found = [];
      active = -1;
    }

    function highlight(index) {
      const items = list.querySelectorAll("[role=option]");
      items.forEach((item, position) => item.setAttribute("aria-selected", position === index ? "true" : "false"));
      active = index;
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(results) {
      list.replaceChildren();
      found = results;
      active = -1;
      if (results.length === 0) {
        const item = document.createElement("li");
        item.className = "picker-empty";
        item.textContent = text(root, "textNone");
        list.append(item);
        status.textContent = text(root, "textNone");
      } else {
        results.forEach((person, index) => {
          const item = document.createElement("li");
          item.id = `${prefix}-option-${index}`;
          item.setAttribute("role", "option");
          item.setAttribute("aria-selected", "false");
          item.textContent = person.label;
          const chosen = boxFor(person.id);
          if (chosen && chosen.checked) {
            item.classList.add("is-chosen");
          }
          // mousedown, not click: it comes before the input loses its focus and closes the list.
          item.addEventListener("mousedown", (event) => {
            event.preventDefault();
            pick(person);
          });
          list.append(item);
        });
        status.textContent = text(root, "textFound", results.length);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    async function ask(query) {
      const number = ++asked;
      try {
        const address = new URL(root.dataset.source, window.location.href);
        address.searchParams.set("q", query);
        const response = await fetch(address, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        const answer = await response.json();
        if (number === asked && input.value.trim() === query) {
          show(answer.results || []);
        }
      } catch (error) {
        if (number === asked) {
          close();
          status.textContent = text(root, "textFailed");
        }
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      const query = input.value.trim();
      if (query.length < MIN_LETTERS) {
        asked += 1;
        close();
        status.textContent = query ? text(root, "textMin") : "";
        return;
      }
      timer = setTimeout(() => ask(query), WAIT_MS);
    });

    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" && found.length) {
        event.preventDefault();
        highlight(active + 1 >= found.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp" && found.length) {
        event.preventDefault();
        highlight(active <= 0 ? found.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        // Enter in the box never sends the form half-filled: it chooses, or does nothing.
        event.preventDefault();
        const person = found[active >= 0 ? active : 0];
        if (person && !list.hidden) {
          pick(person);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        } else {
          input.value = "";
        }
      } else if (event.key === "Backspace" && input.value === "") {
        const chosen = boxes().filter((box) => box.checked && box.value !== "");
        if (chosen.length) {
          unpick(chosen[chosen.length - 1]);
        }
      }
    });

    input.addEventListener("blur", () => setTimeout(close, 150));

    const box = document.createElement("div");
    box.className = "picker-box";
    box.append(chips, input);
    options.hidden = true;
    root.prepend(box, list, status);
    root.classList.add("is-live");
    renderChips();
    const own = root.dataset.id;
    if (own) {
      // The error summary's link points at the field's first box; with the boxes hidden, at the search.
      for (const link of document.querySelectorAll("[data-error-summary] a[data-field]")) {
        if (link.dataset.field === own || link.dataset.field.startsWith(`${own}_`)) {
          link.dataset.field = input.id;
          link.setAttribute("href", `#${input.id}`);
        }
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const roots = document.querySelectorAll("[data-picker]");
    roots.forEach(setUp);
    if (roots.length) {
      // The page's own "Find" box serves the pickers without script; with them it is not needed.
      for (const fallback of document.querySelectorAll("[data-picker-fallback]")) {
        fallback.hidden = true;
      }
    }
  });
})();
