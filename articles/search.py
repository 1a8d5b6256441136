"""Reader search queries: ranked, published articles only (highlighting: ``public.search``).

On PostgreSQL this is full-text search against ``Article.search_vector``, which a trigger
(migration 0007) keeps as headline (weight A) + dek (B) + body text (C), English-stemmed,
behind a GIN index: "elections" finds "election" and a headline hit outranks a body hit.
SQLite has no such engine, so there a case-insensitive substring match stands in for it,
headline hits first, then newest.

Highlighting never trusts text from the database or the reader: every snippet is escaped,
and the only markup that reaches the page is our own ``<mark>``. On PostgreSQL the database
marks the matches with private-use characters (``ts_headline``), which are turned into
``<mark>`` only after escaping; on SQLite the matches are found in Python.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, Func, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Concat

from articles.models import Article

MAX_QUERY_LENGTH = 200
# Results are ranked among the newest this many matches: a word found in most of the
# archive then costs the same as a rare one (news readers want the recent anyway).
RESULT_POOL = 500
# The SQLite fallback ANDs one LIKE per term over three columns: keep that bounded.
MAX_TERMS = 8
SNIPPET_WORDS = 30
# PostgreSQL snippets: up to two passages around matches, each up to 18 words.
FRAGMENTS, FRAGMENT_WORDS = 2, 18
ELLIPSIS = "\u2026"
CONFIG = "english"

# Private-use characters: ts_headline puts them around matches, in place of HTML tags,
# so matches can be marked after the text has been escaped.
START, STOP = "\ue000", "\ue001"
_WORD_RE = re.compile(r"\w+")
# Tags of the stored (sanitized) body. The snippet keeps character references, decoded in
# Python before escaping ("AT&amp;T" shows as "AT&T"); the trigger drops them as well.
_TAG_SQL = r"<[^>]+>"


def normalize_query(raw: str | None) -> str:
    """Return the reader's query made safe to search: printable, trimmed, at most 200 chars.

    Control characters (a NUL byte makes PostgreSQL fail), lone surrogates (they cannot be
    encoded for the database) and our own highlight markers are dropped; runs of whitespace
    become one space. A query without a single letter or digit gives "" (nothing to find).
    """
    if not raw:
        return ""
    raw = raw[: MAX_QUERY_LENGTH * 4]  # don't clean 10,000 characters to keep 200
    cleaned = "".join(
        " " if char.isspace() else char
        for char in raw
        if char.isspace() or unicodedata.category(char) not in {"Cc", "Cs", "Co", "Cn"}
    )
    query = " ".join(cleaned.split())[:MAX_QUERY_LENGTH].strip()
    return query if _WORD_RE.search(query) else ""


def query_terms(query: str) -> list[str]:
    """Return the distinct words of ``query`` (lowercased, in order, at most ``MAX_TERMS``)."""
    terms: list[str] = []
    for word in _WORD_RE.findall(query.lower()):
        if word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def is_full_text() -> bool:
    """Return whether the database does full-text search (PostgreSQL) or the fallback."""
    return connection.vendor == "postgresql"


def search_articles(query: str) -> QuerySet[Article]:
    """Return the published articles matching ``query``, best first, ready for teasers.

    ``query`` is normalized here, so raw reader input is fine; an empty result (not an
    error) answers a query with nothing to search for. Each article carries what
    ``highlight`` needs, fetched in the same query.
    """
    query = normalize_query(query)
    articles = Article.objects.published().with_related()
    if not query:
        return articles.none()
    if is_full_text():
        return _full_text(articles, query)
    return _substring(articles, query)


def newest_matches(articles: QuerySet[Article], matches: Q) -> QuerySet[Article]:
    """Return ``articles`` among the newest ``RESULT_POOL`` that satisfy ``matches``."""
    newest = articles.filter(matches).order_by("-published_at", "-id")
    return articles.filter(pk__in=newest.values("pk")[:RESULT_POOL])


def _full_text(articles: QuerySet[Article], query: str) -> QuerySet[Article]:
    search = SearchQuery(query, search_type="websearch", config=CONFIG)
    body_text = Func(
        F("body"),
        Value(_TAG_SQL),
        Value(" "),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )
    options = {"config": CONFIG, "start_sel": START, "stop_sel": STOP}
    return (
        newest_matches(articles, Q(search_vector=search))
        .annotate(
            rank=SearchRank(F("search_vector"), search),
            headline_marked=SearchHeadline("headline", search, highlight_all=True, **options),
            snippet_marked=SearchHeadline(
                Concat(F("dek"), Value(" "), body_text, output_field=TextField()),
                search,
                max_fragments=FRAGMENTS,
                max_words=FRAGMENT_WORDS,
                min_words=FRAGMENT_WORDS // 2,
                fragment_delimiter=f" {ELLIPSIS} ",
                **options,
            ),
        )
        # The snippet comes from the annotation, so teasers still need no body.
        .defer("body")
        .order_by("-rank", "-published_at", "-id")
    )


def _substring(articles: QuerySet[Article], query: str) -> QuerySet[Article]:
    terms = query_terms(query)
    matches = Q()
    headline_hits = Q()
    for term in terms:
        matches &= Q(headline__icontains=term) | Q(dek__icontains=term) | Q(body__icontains=term)
        headline_hits |= Q(headline__icontains=term)
    # The body stays: the snippet is cut from it in Python (SQLite has no ts_headline).
    return (
        newest_matches(articles, matches)
        .annotate(
            headline_hit=Case(When(headline_hits, then=1), default=0, output_field=IntegerField())
        )
        .order_by("-headline_hit", "-published_at", "-id")
    )
