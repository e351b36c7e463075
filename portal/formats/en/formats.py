"""English dates as the portal writes them in sentences: "15 December 2026"
(Django's own English is "Dec. 15, 2026"). Every other format, and Spanish
and French ("15 de diciembre de 2026", "15 décembre 2026"), stay Django's:
get_format looks here first, then in Django's own locale."""

DATE_FORMAT = "j F Y"
