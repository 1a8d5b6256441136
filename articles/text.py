"""Plain-text helpers: reading time and excerpts from sanitized HTML."""

import math
import re
from html.parser import HTMLParser

from django.utils.text import Truncator

WORDS_PER_MINUTE = 230
CHARACTERS_PER_MINUTE = 500

# Scripts written without spaces between words: Han, Hiragana, Katakana, Hangul
# syllables, Thai, Lao, Khmer, Myanmar. Their text is timed by characters.
_UNSPACED_RE = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
    r"\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)


# Elements that separate words; inline ones (strong, a, abbr...) do not.
_BREAKING_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
        "img", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Return the visible text of an HTML fragment, entities decoded, whitespace collapsed."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    return " ".join("".join(parser.parts).split())


def reading_minutes(html: str) -> int:
    """Return the minutes an average adult needs to read ``html``, at least 1.

    Formula: ceil(words / 230 + unspaced characters / 500), at least 1. Only the
    visible text counts (markup dropped, entities decoded). A word is a
    whitespace-separated token holding at least one letter or digit, in any alphabet
    (Latin, Cyrillic, Greek, Arabic, Devanagari...), so "—" is not a word and "п'ять"
    or "well-known" is one. Characters of scripts written without spaces (Chinese,
    Japanese, Korean, Thai, Lao, Khmer, Myanmar) are counted one by one instead, so
    such text is not read as "one long word". So ~330 English words give 2 minutes,
    690 Ukrainian words 3 and 1,200 Chinese characters 3.
    """
    text = html_to_text(html)
    unspaced = len(_UNSPACED_RE.findall(text))
    words = sum(
        1 for token in _UNSPACED_RE.sub(" ", text).split() if any(char.isalnum() for char in token)
    )
    minutes = words / WORDS_PER_MINUTE + unspaced / CHARACTERS_PER_MINUTE
    return max(1, math.ceil(minutes))


def excerpt(html: str, words: int = 40) -> str:
    """Return the first ``words`` words of ``html`` as plain text, with an ellipsis if cut."""
    parts = html_to_text(html).split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]) + "…"


# A page's meta description, a search result's and a shared card's text, at most this long.
DESCRIPTION_LENGTH = 160


def describe(text: str) -> str:
    """Return ``text`` as a one-line description of at most ``DESCRIPTION_LENGTH`` characters."""
    return Truncator(" ".join(text.split())).chars(DESCRIPTION_LENGTH)
