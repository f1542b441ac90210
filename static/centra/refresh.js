// A page whose content changes on its own (a background step's progress) reloads
// itself every few seconds, as its `data-centra-refresh` says, until the reader
// stops it: a script rather than <meta http-equiv="refresh">, which cannot be
// stopped (WCAG 2.2.1; axe's meta-refresh rule).
"use strict";
{
  const holder = document.querySelector("[data-centra-refresh]");
  if (holder) {
    const seconds = Number(holder.dataset.centraRefresh) || 2;
    const stop = document.getElementById("centra-refresh-stop");
    const timer = setTimeout(() => window.location.reload(), seconds * 1000);
    if (stop) {
      stop.hidden = false;
      stop.addEventListener("click", () => {
        clearTimeout(timer);
        stop.hidden = true;
        const note = document.getElementById("centra-refresh-stopped");
        if (note) note.hidden = false;
      });
    }
  }
}
