"""The back office's one way of writing dates and times (English locales).

Every date staff read — lists, the order page, the timeline, the ledger,
read-only fields — goes through these, in the active time zone: "30 Nov 2026"
and "30 Nov 2026, 14:05". Input formats stay Django's own.
"""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
