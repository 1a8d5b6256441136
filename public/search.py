"""Search results as readers see them: the matches marked in the headline and a snippet.

Highlighting never trusts text from the database or the reader: every snippet is escaped,
and the only markup that reaches the page is our own ``<mark>``. On PostgreSQL the database
marks the matches with private-use characters (``ts_headline``, ``articles.search``), which
are turned into ``<mark>`` only after escaping; on SQLite the matches are found in Python.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles import text
from articles.models import Article
from articles.search import (
    ELLIPSIS,
    SNIPPET_WORDS,
    START,
    STOP,
    normalize_query,
    query_terms,
)

_MARKED_RE = re.compile(f"{START}([^{START}{STOP}]*){STOP}")
_SENTENCE_END = tuple('.!?…"”’)')


def highlight(articles: Iterable[Article], query: str) -> None:
    """Give each article of a results page ``search_headline`` and ``search_snippet``.

    Both are safe HTML: escaped text with the matched words in ``<mark>``. Call it on
    the page shown (not the whole result set): it runs no query.
    """
    terms = query_terms(normalize_query(query))
    for article in articles:
        if hasattr(article, "snippet_marked"):
            article.search_headline = _marks_to_html(article.headline_marked or article.headline)
            article.search_snippet = _marks_to_html(_ellipses(article.snippet_marked, article.dek))
        else:
            article.search_headline = mark_terms(article.headline, terms)
            article.search_snippet = mark_terms(_window(article, terms), terms)


def _ellipses(marked: str | None, dek: str) -> str:
    """Return the passages of ``marked`` with an ellipsis where they cut a sentence.

    ts_headline does not say where its passages start: one that starts the dek starts the
    text; any other is taken to start mid-text.
    """
    text = " ".join(html.unescape(marked or "").split())
    if not text:
        return ""
    plain = text.replace(START, "").replace(STOP, "")
    if not (dek and plain.startswith(" ".join(dek.split())[:40])):
        text = f"{ELLIPSIS} {text}"
    if not plain.endswith(_SENTENCE_END):
        text = f"{text} {ELLIPSIS}"
    return text


def _marks_to_html(marked: str) -> SafeString:
    """Escape ``marked`` and turn the database's match markers into ``<mark>``."""
    result = _MARKED_RE.sub(r"<mark>\1</mark>", str(escape(" ".join(marked.split()))))
    return mark_safe(result.replace(START, "").replace(STOP, ""))  # escaped above


def mark_terms(plain: str, terms: list[str]) -> SafeString:
    """Return ``plain`` escaped, with every occurrence of one of ``terms`` in ``<mark>``.

    Text is split on the matches first and each piece escaped, so a term can never match
    inside an entity that escaping made (``&amp;``, ``&lt;``...).
    """
    if not terms:
        return escape(plain)
    pattern = re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))), re.I)
    pieces: list[str] = []
    position = 0
    for match in pattern.finditer(plain):
        pieces.append(escape(plain[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    pieces.append(escape(plain[position:]))
    return mark_safe("".join(pieces))  # every piece escaped


def _window(article: Article, terms: list[str]) -> str:
    """Return about ``SNIPPET_WORDS`` words of dek and body text around the first match."""
    words = f"{article.dek} {text.html_to_text(article.body)}".split()
    lowered = [word.lower() for word in words]
    first = next((i for i, word in enumerate(lowered) if any(t in word for t in terms)), 0)
    start = max(0, first - SNIPPET_WORDS // 3)
    window = " ".join(words[start : start + SNIPPET_WORDS])
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_WORDS < len(words) else ""
    return f"{prefix}{window}{suffix}"
