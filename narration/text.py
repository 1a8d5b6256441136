"""What a narration reads: the headline, the dek and the body as plain text."""

from __future__ import annotations

import html
import re

from django.utils.html import strip_tags

# Block ends become paragraph breaks so the voice pauses between paragraphs.
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|figcaption|div)>|<br\s*/?>", re.IGNORECASE)
_FIGURE = re.compile(r"<figure\b.*?</figure>", re.IGNORECASE | re.DOTALL)


def narration_text(article) -> str:
    """Return the article as the text to read aloud, paragraph per line."""
    body = _FIGURE.sub(" ", article.body or "")  # captions and credits are not read
    body = html.unescape(strip_tags(_BLOCK_END.sub("\n", body)))
    parts = [article.headline, article.dek, *body.splitlines()]
    return "\n".join(" ".join(part.split()) for part in parts if part and part.strip())
