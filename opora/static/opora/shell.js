// The shell's behaviour, a static file so that the Content-Security-Policy needs no inline script.
// Loaded in the head without defer: it marks the page as scripted before the first paint (so a phone
// never sees the open menu flash), then wires the menu button and the toasts' close buttons.
// Without script the menu simply stays open and the messages stay on the page.
"use strict";

document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector("[data-menu-toggle]");
  const menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (toggle && menu) {
    const setOpen = (open) => {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    };
    toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }
  for (const button of document.querySelectorAll("[data-dismiss]")) {
    button.hidden = false;
    button.addEventListener("click", () => {
      const message = button.closest(".message");
      if (!message) {
        return;
      }
      message.classList.add("is-leaving");
      const remove = () => message.remove();
      message.addEventListener("animationend", remove, { once: true });
      // With animations off (prefers-reduced-motion) no animationend comes.
      setTimeout(remove, 300);
    });
  }
});
