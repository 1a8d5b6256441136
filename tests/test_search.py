"""Reader search at /search/?q=: ranking, visibility, safe highlighting, odd input, speed.

Run on SQLite (substring fallback) and on PostgreSQL (full-text search with a trigger and
a GIN index); the tests marked ``postgresql_only`` need the real engine.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import search
from articles.models import Article
from public import search as highlighting
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search needs PostgreSQL"
)


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """Test the search view itself; the anonymous page cache has its own tests."""
    settings.PAGE_CACHE_ENABLED = False


@pytest.fixture
def page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True


def search_page(client, query: str, **params):
    response = client.get(reverse("articles:search"), {"q": query, **params})
    assert response.status_code == 200
    return response


def result_headlines(response) -> list[str]:
    """Return the plain headlines of the results shown, in order."""
    return [
        re.sub(r"<[^>]+>", "", headline)
        for headline in re.findall(
            r'<h2 class="search-result__headline"><a [^>]*>(.*?)</a></h2>',
            response.content.decode(),
        )
    ]


def results_html(response) -> str:
    """Return the markup of the result list only (not the header or the search form)."""
    match = re.search(r'<ol class="search-results".*?</ol>', response.content.decode(), re.S)
    return match.group() if match else ""


# Finding and ranking -----------------------------------------------------------------------


def test_headline_match_ranks_above_body_only_match(client):
    ArticleFactory(
        headline="Harvest festival returns",
        dek="Farmers gather in the square.",
        body="<p>Stalls sell pumpkins and apples.</p>",
        published_at=timezone.now() - timedelta(days=3),
    )
    ArticleFactory(
        headline="Council meeting runs late",
        body="<p>Councillors also discussed the harvest of the city orchards.</p>",
        published_at=timezone.now() - timedelta(hours=1),  # newer, yet less relevant
    )
    ArticleFactory(headline="Weather turns cold", body="<p>Frost expected.</p>")

    response = search_page(client, "harvest")

    assert result_headlines(response) == ["Harvest festival returns", "Council meeting runs late"]
    assert "2 articles found" in response.content.decode()


def test_dek_match_is_found(client):
    ArticleFactory(headline="A quiet day", dek="The lighthouse keeper retires after 40 years.")

    assert result_headlines(search_page(client, "lighthouse")) == ["A quiet day"]


def test_all_words_must_match(client):
    ArticleFactory(headline="Bridge repairs begin", body="<p>The river crossing closes.</p>")
    ArticleFactory(headline="Bridge tournament won", body="<p>Cards and tea.</p>")

    assert result_headlines(search_page(client, "bridge river")) == ["Bridge repairs begin"]


@postgresql_only
def test_english_stemming_finds_other_forms_of_a_word(client):
    ArticleFactory(headline="Election day arrives", body="<p>Polls open at seven.</p>")
    ArticleFactory(headline="Voters were running late", body="<p>Queues everywhere.</p>")

    assert result_headlines(search_page(client, "elections")) == ["Election day arrives"]
    assert result_headlines(search_page(client, "runs")) == ["Voters were running late"]


@postgresql_only
def test_dek_ranks_above_body_with_full_text_search(client):
    ArticleFactory(
        headline="Story one",
        dek="Nothing here.",
        body="<p>The glacier melts.</p>",
        published_at=timezone.now() - timedelta(hours=1),
    )
    ArticleFactory(
        headline="Story two",
        dek="The glacier retreats.",
        body="<p>Ice.</p>",
        published_at=timezone.now() - timedelta(days=2),
    )

    assert result_headlines(search_page(client, "glacier")) == ["Story two", "Story one"]


@postgresql_only
def test_html_attributes_in_the_body_are_not_searched(client):
    ArticleFactory(
        headline="Links story",
        body='<p>Read <a href="https://example.org/zebracrossing">the report</a>.</p>',
    )

    assert result_headlines(search_page(client, "zebracrossing")) == []
    assert result_headlines(search_page(client, "report")) == ["Links story"]


@pytest.mark.parametrize(
    "hidden",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.IN_REVIEW},
        {"status": Article.Status.UNPUBLISHED},
        {"published_at": timezone.now() + timedelta(days=1)},  # scheduled
        {  # taken down by its unpublish time
            "published_at": timezone.now() - timedelta(days=2),
            "unpublish_at": timezone.now() - timedelta(days=1),
        },
    ],
    ids=["draft", "review", "unpublished", "scheduled", "expired"],
)
def test_articles_readers_may_not_see_are_never_found(client, hidden):
    ArticleFactory(headline="Secret submarine plans", **hidden)
    ArticleFactory(headline="Public submarine museum")

    response = search_page(client, "submarine")

    assert result_headlines(response) == ["Public submarine museum"]
    assert "Secret" not in response.content.decode()
    assert [a.headline for a in search.search_articles("submarine")] == ["Public submarine museum"]


# Highlighting and escaping -----------------------------------------------------------------


def test_matched_words_are_highlighted_in_headline_and_snippet(client):
    ArticleFactory(
        headline="Budget vote delayed",
        dek="",
        body="<p>The city budget was due on Friday; councillors asked for more time.</p>",
    )

    results = results_html(search_page(client, "budget"))

    assert '<a href="/articles/' in results
    assert "<mark>Budget</mark> vote delayed" in results
    assert "city <mark>budget</mark> was due" in results


def test_highlighting_escapes_article_text_and_only_our_mark_reaches_the_page(client):
    ArticleFactory(
        headline="Why <b> and <script> tags matter",
        dek='Quotes " and ampersands & in the <b>dek</b>.',
        body="<p>Plain &lt;b&gt;bold&lt;/b&gt; text and &lt;script&gt;alert(1)&lt;/script&gt;.</p>",
    )

    response = search_page(client, "<script>")
    results = results_html(response)
    page = response.content.decode()

    assert result_headlines(response)  # found, by the word "script"
    assert "<script" not in page
    assert "<b>" not in page
    assert "&lt;b&gt;" in results
    # Inside a result the only tags besides the teaser's own are <mark> and </mark>.
    tags = set(re.findall(r"</?([a-z0-9]+)", results))
    assert "mark" in tags
    assert tags <= {"ol", "li", "article", "p", "a", "h2", "mark", "time", "span"}


def test_snippet_shows_entities_of_the_body_as_their_characters(client):
    ArticleFactory(
        headline="Phone deal",
        dek="",
        body="<p>The regulator cleared AT&amp;T&#8217;s takeover of the carrier.</p>",
    )

    results = results_html(search_page(client, "regulator"))

    assert "AT&amp;T’s takeover" in results  # escaped once: the page shows "AT&T’s"
    assert "&amp;amp;" not in results and "#8217" not in results


def test_query_is_escaped_on_the_page(client):
    response = search_page(client, '"><img src=x onerror=alert(1)>')
    page = response.content.decode()

    assert "<img src=x" not in page
    assert "onerror=alert(1)&gt;" in page  # shown back to the reader, escaped


def test_highlight_markers_in_stored_text_do_not_become_markup():
    marked = f"a {search.START}<em>x</em>{search.STOP} b {search.START}"

    html = highlighting._marks_to_html(marked)

    assert html == "a <mark>&lt;em&gt;x&lt;/em&gt;</mark> b "


def test_mark_terms_never_matches_inside_an_entity_made_by_escaping():
    html = highlighting.mark_terms("Fish & amp < lt", ["amp", "lt"])

    assert html == "Fish &amp; <mark>amp</mark> &lt; <mark>lt</mark>"


# Odd queries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "x" * 10_000,
        "word " * 2_000,
        "!!! ??? ... --- ((( )))",
        "' OR 1=1 --",
        "'; DROP TABLE articles_article; --",
        "<img src=x onerror=alert(1)>",
        "nul\x00byte",
        '"unclosed phrase',
        "-",
        "the of",  # only stop words
        "a & b | !c <-> d:*",  # tsquery operators
        "%_\\",  # LIKE wildcards
        "\u202e\ufeff\u200b",  # invisible format characters
    ],
)
def test_absurd_queries_give_a_normal_page(client, page_cache_on, query):
    """Also through the page cache: an odd query must not break its key either."""
    ArticleFactory(headline="Ordinary story", dek="Calm seas.", body="<p>Calm.</p>")

    response = search_page(client, query)

    assert b"<h1" in response.content
    assert "Ordinary story" not in result_headlines(response)


def test_surrogate_and_nul_in_the_raw_url_give_a_normal_page(client, page_cache_on):
    ArticleFactory(headline="Ordinary story")

    for raw in ("q=%ED%A0%80", "q=%00", "q=%FF%FE", "q=a%00b", "q=" + "%25" * 3000):
        response = client.get(f"{reverse('articles:search')}?{raw}")
        assert response.status_code == 200, raw


def test_a_lone_surrogate_cannot_break_the_search_function():
    # Not from a URL (Django decodes those with replacement characters), but from code.
    ArticleFactory(headline="Lone wolf sighted")

    assert [a.headline for a in search.search_articles("lone \ud800 wolf")] == ["Lone wolf sighted"]


def test_like_wildcards_are_matched_literally(client):
    ArticleFactory(headline="Rates rise by 5%")
    ArticleFactory(headline="Rates fall")

    assert result_headlines(search_page(client, "rates 5%")) == ["Rates rise by 5%"]


def test_normalize_query_cleans_and_caps_the_input():
    assert search.normalize_query("  city \x00 council\t\n ") == "city council"
    assert search.normalize_query("lone \ud800 surrogate") == "lone surrogate"
    assert search.normalize_query("?!... ---") == ""
    assert search.normalize_query(None) == ""
    assert len(search.normalize_query("y" * 10_000)) == search.MAX_QUERY_LENGTH


def test_empty_query_shows_the_form_and_a_hint_without_results(client):
    ArticleFactory(headline="Ordinary story")

    for query in ("", "   ", "?!"):
        page = search_page(client, query).content.decode()
        assert 'type="search"' in page
        assert "Type one or more words" in page
        assert "Ordinary story" not in page

    page = client.get(reverse("articles:search")).content.decode()
    assert "Type one or more words" in page


def test_nothing_found_says_so_and_suggests_what_to_try(client):
    ArticleFactory(headline="Ordinary story")

    page = search_page(client, "xylophone").content.decode()

    assert "No articles found." in page
    assert "Nothing matched “xylophone”" in page
    assert reverse("articles:home") in page


# The page ----------------------------------------------------------------------------------


def test_search_page_is_not_indexed_and_titled_with_the_query(client):
    ArticleFactory(headline="Flood defences tested")

    page = search_page(client, "flood").content.decode()

    assert '<meta name="robots" content="noindex">' in page
    assert re.search(r"<title>Search: flood — ", page)
    assert 'value="flood"' in page  # the form keeps the query


def test_result_shows_section_date_and_byline(client):
    ArticleFactory(
        headline="Tram line opens",
        section=SectionFactory(name="City", slug="city"),
        authors=[AuthorFactory(name="Olena Kovalenko")],
    )

    results = results_html(search_page(client, "tram"))

    assert 'href="/section/city/"' in results
    assert "Olena Kovalenko" in results
    assert "<time datetime=" in results


def test_every_page_has_a_search_box_in_the_header(client):
    page = client.get(reverse("articles:home")).content.decode()

    form = re.search(r'<form class="site-search" role="search".*?</form>', page, re.S).group()
    assert f'action="{reverse("articles:search")}"' in form
    assert 'method="get"' in form
    assert 'for="site-search-q"' in form
    assert 'type="search" id="site-search-q" name="q"' in form


def test_pagination_keeps_the_query(client):
    per_page = settings.ARTICLES_PER_PAGE
    for n in range(per_page + 1):
        ArticleFactory(
            headline=f"Volcano report {n}", published_at=timezone.now() - timedelta(hours=n + 1)
        )
    ArticleFactory(headline="Unrelated")

    first = search_page(client, "volcano report")
    page = first.content.decode()

    assert len(result_headlines(first)) == per_page
    assert 'href="?q=volcano+report&amp;page=2"' in page
    second = search_page(client, "volcano report", page=2)
    assert len(result_headlines(second)) == 1
    assert 'href="?q=volcano+report&amp;page=1"' in second.content.decode()
    assert f"{per_page + 1} articles found, showing {per_page + 1}–{per_page + 1}" in (
        second.content.decode()
    )


# Speed -------------------------------------------------------------------------------------


def make_results(count: int) -> None:
    """Add ``count`` matching articles, each with a lead photo, two authors and tags."""
    section = SectionFactory(slug="science")
    for n in range(count):
        ArticleFactory(
            headline=f"Comet sighting {n}",
            section=section,
            lead_photo=PhotoFactory(),
            authors=[AuthorFactory(avatar=PhotoFactory()), AuthorFactory()],
            tags=["space", f"topic-{n}"],
        )


def search_queries(client, query: str = "comet") -> int:
    """Queries of a results page, once the generation's shared values are known."""
    search_page(client, query)  # the section navigation, computed once per generation
    with CaptureQueriesContext(connection) as captured:
        search_page(client, query)
    return len(captured)


def test_search_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    make_results(1)
    # The paginator's count, the results (with section, lead photo and snippet), bylines
    # with authors and avatars, tags, and the section navigation.
    with django_assert_max_num_queries(5):
        search_page(client, "comet")
    few = search_queries(client)

    make_results(29)
    assert search_queries(client) == few


def test_an_empty_query_runs_no_article_query(client, django_assert_max_num_queries):
    make_results(3)

    with django_assert_max_num_queries(1):  # the section navigation only
        search_page(client, "")


# PostgreSQL: the trigger and the index ------------------------------------------------------


@postgresql_only
def test_trigger_fills_the_search_vector_on_save_and_update():
    article = ArticleFactory(headline="Orchestra tours", dek="", body="<p>Violins.</p>")

    def vector() -> str:
        return Article.objects.values_list("search_vector", flat=True).get(pk=article.pk)

    assert "'orchestra':1A" in vector()
    assert "'violin'" in vector()

    article.body = "<p>Trumpets now.</p>"
    article.save()
    assert "'trumpet'" in vector()
    assert "'violin'" not in vector()

    Article.objects.filter(pk=article.pk).update(dek="Choir joins")
    assert re.search(r"'choir':\d+B", vector())  # the dek weighs B


@postgresql_only
def test_search_vector_has_a_gin_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s",
            [Article._meta.db_table],
        )
        definitions = [row[0] for row in cursor.fetchall()]

    assert any("USING gin (search_vector)" in d for d in definitions), definitions


@postgresql_only
def test_the_planner_can_use_the_gin_index():
    ArticleFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM {Article._meta.db_table} "
            "WHERE search_vector @@ websearch_to_tsquery('english', %s)",
            ["harvest"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "article_search_vector_gin" in plan, plan


def test_a_word_in_much_of_the_archive_is_ranked_among_its_newest_matches(client, monkeypatch):
    from articles import search as search_module

    monkeypatch.setattr(search_module, "RESULT_POOL", 3)
    make_results(5)

    page = search_page(client, "comet").content.decode()

    assert "The 3 newest matching articles" in page
    assert "sighting 4<" in page and "sighting 0<" not in page
