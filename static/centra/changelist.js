// The orders list's filters below 1440 px: a row of drop-downs above the list,
// closed on arrival (the list, not the filters, fills the screen), each naming
// its chosen value. Closing them here is not remembered as the user's choice
// (admin/js/filters.js remembers what the user opens and closes). The first
// option of each filter is its "All" (or "All but archived"), in whichever
// language the page is in: no chosen value is named for it.
"use strict";
{
  const narrow = window.matchMedia("(max-width: 1439px)");
  const filters = document.getElementById("changelist-filter");
  if (filters) {
    for (const details of filters.querySelectorAll("details")) {
      const chosen = details.querySelector("li.selected a");
      const summary = details.querySelector("summary");
      const first = details.querySelector("ul li");
      if (chosen && summary && !(first && first.contains(chosen))) {
        const note = document.createElement("span");
        note.className = "centra-filter-chosen";
        note.textContent = ": " + chosen.textContent.trim();
        summary.append(note);
      }
    }
    if (narrow.matches) {
      document.addEventListener(
        "toggle",
        (event) => {
          if (event.target.dataset && event.target.dataset.centraClosing) {
            delete event.target.dataset.centraClosing;
            event.stopImmediatePropagation();
          }
        },
        true,
      );
      // After admin/js/filters.js, a deferred script that runs after this one
      // (also deferred, so before DOMContentLoaded) and reopens what the session
      // last had open: every deferred script has run by DOMContentLoaded.
      document.addEventListener("DOMContentLoaded", () => {
        for (const details of filters.querySelectorAll("details[open]")) {
          details.dataset.centraClosing = "1";
          details.removeAttribute("open");
        }
      });
    }
  }
}
