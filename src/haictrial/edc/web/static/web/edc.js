// Behaviour of the pages without inline scripts (the Content-Security-Policy allows only this origin's files).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-submit-on-change]")) {
    select.addEventListener("change", () => select.form.submit());
  }
  // A rejected save: the summary at the top takes the focus (screen readers read it), each link moves
  // the focus to its input (ids hold dots and brackets, so look them up by id, not by CSS selector).
  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.scrollIntoView({ block: "start" });
    summary.focus();
    for (const link of summary.querySelectorAll("a[data-focus]")) {
      link.addEventListener("click", (event) => {
        const input = document.getElementById(link.dataset.focus);
        if (input) {
          event.preventDefault();
          input.scrollIntoView({ block: "center" });
          input.focus();
        }
      });
    }
  }
});
