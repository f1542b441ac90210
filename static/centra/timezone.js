// Tells the server the reader's time zone, so every date is shown on their clock
// (centra_orders/timezones.py). A file, not an inline script: the CSP allows no other.
"use strict";
{
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && !document.cookie.split("; ").includes("centra_tz=" + zone)) {
    document.cookie = `centra_tz=${zone}; path=/; max-age=31536000; SameSite=Lax`;
  }
}
