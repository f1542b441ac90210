// Django's two-box selector (filter_horizontal) labels its search icons with
// aria-label on a plain <span>, which ARIA does not allow (axe: aria-prohibited-attr).
// Once Django has drawn the boxes (on load), give the icons the role that label needs.
"use strict";
window.addEventListener("load", () => {
  for (const icon of document.querySelectorAll(".help-tooltip.search-label-icon[aria-label]")) {
    icon.setAttribute("role", "img");
  }
});
