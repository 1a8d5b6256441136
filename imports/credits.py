"""Credit lines as agencies and newsrooms write them in captions, read into their parts.

Agencies put the credit last: "Soldiers near Bakhmut. Photo by Anatolii Stepanov/AFP
via Getty Images", "Rescuers at work (Efrem Lukatsky/AP)", "Photo: Olha Kovalenko/
Reuters", "© Ivan Petrenko". Only the caption's last part is read, and only names
written as names (capitalised words) count, so "the road Kyiv/Kharkiv was closed" is
no credit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARTICLES = r"(?:de|da|di|du|van|von|der|den|al|el|la|le|bin|ibn)"
_WORD = r"(?:[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ][\w.'’\-]*|" + _PARTICLES + r")"
_NAME = rf"{_WORD}(?: {_WORD}){{0,5}}"
_PREFIX = r"(?:(?:Photo|Photograph|Image|Picture|Photo credit)s?\s*(?:by\b|:)|Credit:|©)"
_WITH_AGENCY = re.compile(
    rf"(?:{_PREFIX}\s*)?(?P<name>{_NAME})\s*/\s*(?P<agency>{_NAME}(?:\s*/\s*{_NAME})*)"
    rf"(?:\s+via\s+(?P<via>{_NAME}))?\.?",
    re.UNICODE,
)
_NAME_ONLY = re.compile(rf"{_PREFIX}\s*(?P<name>{_NAME})\.?", re.UNICODE)
# Where a caption's last part begins: after a sentence, a bar or a dash.
_LAST_PART = re.compile(r"(?:^|[.!?]\s+|\s+[|–—-]\s+)(?=[^.!?|–—]*$)")


@dataclass(frozen=True)
class Credit:
    line: str  # the credit line as readers see it
    photographer: str
    agency: str
    caption: str  # the caption without the credit


def _read(candidate: str) -> tuple[str, str] | None:
    if found := _WITH_AGENCY.fullmatch(candidate):
        return found["name"], found["agency"] or found["via"] or ""
    if found := _NAME_ONLY.fullmatch(candidate):
        return found["name"], ""
    return None


def parse(caption: str) -> Credit | None:
    """The credit at the end of ``caption``, or None when it has none we can read."""
    text = " ".join((caption or "").split())
    if not text:
        return None
    if text.endswith(")") and "(" in text:
        start = text.rindex("(")
        candidate, before = text[start + 1 : -1].strip(), text[:start].strip()
    else:
        start = _LAST_PART.search(text).end()
        candidate, before = text[start:].strip(), text[:start].strip()
    parts = _read(candidate)
    if parts is None:
        return None
    before = before.rstrip(" |–—-").strip()
    if before and not before.endswith((".", "!", "?")):
        before += "."
    return Credit(
        line=candidate.rstrip("."),
        photographer=parts[0].strip(),
        agency=parts[1].strip(),
        caption=before,
    )
