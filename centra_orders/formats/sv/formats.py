"""The back office's dates in Swedish: "7 dec 2026" and "7 dec 2026 14:05".

The same short, unambiguous shape as the English ones (centra_orders/formats/en),
in Swedish order and month names. Numbers keep Django's Swedish separators
(a no-break space between thousands, a decimal comma); input formats stay Django's.
"""

DATE_FORMAT = "j b Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j b Y H:i"
SHORT_DATE_FORMAT = "j b Y"
SHORT_DATETIME_FORMAT = "j b Y H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
