"""Inputs a careless or hostile visitor may send to any form field."""

WEIRD_VALUES = [
    "",
    " ",
    "A" * 100_000,
    "\x00",
    "12\x003456",
    "ü🙂\u202egnp.exe",
    "１２３４５６",  # full-width digits
    "𝟏𝟐𝟑𝟒𝟓𝟔",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%00%0d%0aSet-Cookie: x=1",
    "../../etc/passwd",
    "9" * 400,
    "-1",
    "\r\n",
    ["123456", "654321"],  # a field sent twice, as an array
    ["", "on"],
]


def weird_posts(fields: list[str]) -> list[dict]:
    """One form per weird value in each field, the others left sensible."""
    return [{field: value} for field in fields for value in WEIRD_VALUES]
