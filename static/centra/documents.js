// The print button of the document pages (a file, not an inline handler: the
// site's Content-Security-Policy allows scripts from its own files only).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
});
