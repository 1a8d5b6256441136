"""Comment text as HTML: escaped, paragraphs kept, links made safe. Nothing else is HTML."""

from __future__ import annotations

import re

from django.utils.html import linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe

LINK_REL = "nofollow ugc noopener"
LINK_TEXT_MAX = 60  # long addresses are shortened on the page, the link stays whole

_OPEN_LINK = re.compile(r'<a href="(?!mailto:)')
_ANY_LINK = re.compile(r"<a href=")


def comment_html(text: str) -> SafeString:
    """Return ``text`` as safe HTML: escaped, paragraphs and line breaks, links that pass no rank.

    Every ``<a`` in the result comes from urlize, since the reader's own ``<`` is escaped.
    """
    linked = urlize(text, trim_url_limit=LINK_TEXT_MAX, nofollow=False, autoescape=True)
    linked = _OPEN_LINK.sub(f'<a rel="{LINK_REL}" href="', linked)
    return mark_safe(linebreaks(linked, autoescape=False))


def count_links(text: str) -> int:
    """Return how many links the page would show for ``text`` (what urlize turns into links)."""
    return len(_ANY_LINK.findall(urlize(text, nofollow=False, autoescape=True)))
