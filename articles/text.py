"""Plain-text helpers: reading time and excerpts from sanitized HTML."""

import math
import re
from html import unescape

WORDS_PER_MINUTE = 230
CHARACTERS_PER_MINUTE = 500

_TAG_RE = re.compile(r"<[^>]+>")
# Scripts written without spaces between words: Han, Hiragana, Katakana, Hangul
# syllables, Thai, Lao, Khmer, Myanmar. Their text is timed by characters.
_UNSPACED_RE = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
    r"\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
_WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


def html_to_text(html: str) -> str:
    """Return the visible text of an HTML fragment, whitespace collapsed."""
    text = _TAG_RE.sub(" ", html or "")
    return " ".join(unescape(text).split())


def reading_minutes(html: str) -> int:
    """Return the minutes an average adult needs to read ``html``, at least 1.

    Formula: words / 230 + unspaced characters / 500, rounded up. Words are runs of
    letters or digits in any alphabet (Latin, Cyrillic, Greek, Arabic...);
    characters of scripts written without spaces (Chinese, Japanese, Korean, Thai...)
    are counted one by one instead, so such text is not read as "one long word".
    A ~330-word English body gives 2 minutes.
    """
    text = html_to_text(html)
    unspaced = len(_UNSPACED_RE.findall(text))
    words = len(_WORD_RE.findall(_UNSPACED_RE.sub(" ", text)))
    minutes = words / WORDS_PER_MINUTE + unspaced / CHARACTERS_PER_MINUTE
    return max(1, math.ceil(minutes))


def excerpt(html: str, words: int = 40) -> str:
    """Return the first ``words`` words of ``html`` as plain text, with an ellipsis if cut."""
    parts = html_to_text(html).split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]) + "…"
