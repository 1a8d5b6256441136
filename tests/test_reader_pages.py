"""The reader's pages: home (lead, latest, section blocks), lists, article extras, old slugs."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleNote
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    PhotoFactory,
    SectionFactory,
)
from tests.pages import (
    GENERATION_QUERIES,
    TEASER_QUERIES,
    cold_page_queries,
    fresh_page_queries,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    """Start with no cached page: these tests are about the pages, not the cache."""
    cache.clear()


def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def lead_story(html: str) -> str:
    match = re.search(r'<article class="lead-story">(.*?)</article>', html, re.S)
    assert match, "the home page shows a lead story"
    return match[1]


# Home ------------------------------------------------------------------------


def test_home_lead_is_the_newest_featured_article_even_if_others_are_newer(client):
    ArticleFactory(headline="Old featured", featured=True, published_at=ago(days=3))
    ArticleFactory(headline="Newest featured", featured=True, published_at=ago(days=1))
    ArticleFactory(headline="Newer but not featured", published_at=ago(hours=1))

    html = html_of(client.get(reverse("articles:home")))

    assert "Newest featured" in lead_story(html)
    assert "Newer but not featured" not in lead_story(html)
    # The lead is not repeated in the latest list below it.
    assert html.count(">Newest featured</a>") == 1


def test_home_lead_is_the_newest_article_when_none_is_featured(client):
    ArticleFactory(headline="Yesterday", published_at=ago(days=1))
    ArticleFactory(headline="An hour ago", published_at=ago(hours=1))
    ArticleFactory(headline="Scheduled", published_at=timezone.now() + timedelta(hours=1))

    html = html_of(client.get(reverse("articles:home")))

    assert "An hour ago" in lead_story(html)
    assert "Scheduled" not in html


def test_featured_draft_never_leads(client):
    ArticleFactory(headline="Featured draft", featured=True, status=Article.Status.DRAFT)
    ArticleFactory(headline="Public story")

    html = html_of(client.get(reverse("articles:home")))

    assert "Public story" in lead_story(html)
    assert "Featured draft" not in html


def test_home_lead_photo_loads_at_once_and_others_lazily(client):
    ArticleFactory(headline="Older", lead_photo=PhotoFactory(alt_text="Older photo"))
    ArticleFactory(
        headline="Lead", featured=True, lead_photo=PhotoFactory(alt_text="The lead photo")
    )

    html = html_of(client.get(reverse("articles:home")))

    lead_img = re.search(r'<img [^>]*alt="The lead photo"[^>]*>', html)[0]
    other_img = re.search(r'<img [^>]*alt="Older photo"[^>]*>', html)[0]
    assert 'loading="lazy"' not in lead_img
    assert 'loading="lazy"' in other_img
    assert 'width="64" height="48"' in lead_img


def test_home_shows_a_block_per_section_with_its_newest_not_already_shown(client, settings):
    world = SectionFactory(name="World", slug="world", position=1)
    business = SectionFactory(name="Business", slug="business", position=2)
    SectionFactory(name="Empty", slug="empty", position=3)
    # The newest fill the whole "Latest" page, the lead among them.
    for n in range(settings.ARTICLES_PER_PAGE):
        ArticleFactory(headline=f"Fresh {n}", section=world, published_at=ago(minutes=n + 1))
    for n in range(5):
        ArticleFactory(headline=f"World older {n}", section=world, published_at=ago(days=n + 1))
        ArticleFactory(headline=f"Business {n}", section=business, published_at=ago(days=n + 1))

    response = client.get(reverse("articles:home"))

    blocks = [
        (section.name, [article.headline for article in articles])
        for section, articles in response.context["section_blocks"]
    ]
    assert blocks == [
        ("World", [f"World older {n}" for n in range(4)]),
        ("Business", [f"Business {n}" for n in range(4)]),
    ]
    html = html_of(response)
    assert '<h2 class="block-title" id="block-world"><a href="/section/world/">' in html
    assert "World older 4" not in html
    assert "Business 4" not in html
    assert "Empty" not in html.split('<main id="main"', 1)[1]  # no empty block


def test_home_page_two_is_the_plain_archive(client, settings):
    for n in range(settings.ARTICLES_PER_PAGE + 2):
        ArticleFactory(headline=f"Story {n:02d}", published_at=ago(minutes=n + 1))

    html = html_of(client.get(reverse("articles:home"), {"page": 2}))

    assert "Latest news, page 2</h1>" in html
    assert 'class="lead-story"' not in html
    assert 'class="block-title"' not in html
    assert f"Story {settings.ARTICLES_PER_PAGE:02d}" in html
    assert "<title>Latest news, page 2 — " in html


# Section, tag and author pages -------------------------------------------------


@pytest.mark.parametrize("kind", ["section", "tag", "author"])
def test_list_pages_show_only_published_articles_newest_first(client, kind):
    section, author = SectionFactory(slug="politics"), AuthorFactory(slug="ann")
    common = {"section": section, "authors": [author], "tags": ["elections"]}
    ArticleFactory(headline="Older piece", published_at=ago(days=2), **common)
    ArticleFactory(headline="Newer piece", published_at=ago(hours=2), **common)
    ArticleFactory(headline="Draft piece", status=Article.Status.DRAFT, **common)
    url = {
        "section": section.get_absolute_url(),
        "tag": reverse("articles:tag", kwargs={"slug": "elections"}),
        "author": author.get_absolute_url(),
    }[kind]

    html = html_of(client.get(url))

    assert html.index("Newer piece") < html.index("Older piece")
    assert "Draft piece" not in html


def test_author_page_heading_has_avatar_job_title_and_bio(client):
    author = AuthorFactory(
        name="Olena K",
        job_title="Kyiv correspondent",
        bio="Reports from Kyiv.",
        avatar=PhotoFactory(alt_text="Portrait of Olena K"),
    )

    html = html_of(client.get(author.get_absolute_url()))

    heading = re.search(r'<header class="page-header profile">(.*?)</header>', html, re.S)[1]
    assert 'alt="Portrait of Olena K"' in heading
    assert "Olena K</h1>" in heading
    assert "Kyiv correspondent" in heading
    assert "Reports from Kyiv." in heading


# Article page: related, previous / next ----------------------------------------


def test_related_articles_share_the_most_tags_then_are_newest(client):
    section = SectionFactory()
    article = ArticleFactory(headline="Main", section=section, tags=["a", "b", "c"])
    ArticleFactory(headline="Shares one, newer", tags=["a", "x"], published_at=ago(minutes=5))
    ArticleFactory(headline="Shares three", tags=["a", "b", "c"], published_at=ago(days=9))
    ArticleFactory(headline="Shares two", tags=["b", "c"], published_at=ago(days=5))
    ArticleFactory(headline="Shares one, older", tags=["c"], published_at=ago(days=8))
    ArticleFactory(headline="Draft sharing all", tags=["a", "b", "c"], status="draft")
    ArticleFactory(headline="Shares nothing", tags=["z"])

    response = client.get(article.get_absolute_url())

    assert [a.headline for a in response.context["related"]] == [
        "Shares three",
        "Shares two",
        "Shares one, newer",
        "Shares one, older",
    ]
    html = html_of(response)
    related = html[html.index('id="related-title"') :]
    assert related.index("Shares three") < related.index("Shares two")
    assert "Draft sharing all" not in html


def test_related_falls_back_to_the_sections_newest_without_itself(client):
    section = SectionFactory()
    article = ArticleFactory(headline="Untagged", section=section)
    ArticleFactory(headline="Same section", section=section, published_at=ago(days=1))
    ArticleFactory(headline="Other section")

    response = client.get(article.get_absolute_url())

    assert [a.headline for a in response.context["related"]] == ["Same section"]


def test_previous_and_next_are_in_the_same_section_by_publish_time(client):
    section = SectionFactory(name="Culture")
    first = ArticleFactory(headline="First", section=section, published_at=ago(days=3))
    middle = ArticleFactory(headline="Middle", section=section, published_at=ago(days=2))
    ArticleFactory(headline="Other section between", published_at=ago(days=1, hours=12))
    ArticleFactory(headline="Draft between", section=section, status="draft")
    last = ArticleFactory(headline="Last", section=section, published_at=ago(days=1))

    html = html_of(client.get(middle.get_absolute_url()))

    pager = re.search(r'<nav class="story-pager"[^>]*>(.*?)</nav>', html, re.S)[1]
    assert f'rel="prev" href="{first.get_absolute_url()}"' in pager
    assert f'rel="next" href="{last.get_absolute_url()}"' in pager
    assert "Previous in Culture" in pager and "Next in Culture" in pager
    newest = html_of(client.get(last.get_absolute_url()))
    assert 'rel="next"' not in re.search(r'<nav class="story-pager".*?</nav>', newest, re.S)[0]


# Earlier slugs ---------------------------------------------------------------


def test_an_earlier_slug_answers_301_to_the_current_url_keeping_the_query(client):
    article = ArticleFactory(slug="first-draft-title")
    article.slug = "final-title"
    article.save()

    response = client.get("/articles/first-draft-title/?utm_source=share&x=1")

    assert response.status_code == 301
    assert response["Location"] == "/articles/final-title/?utm_source=share&x=1"
    assert client.get(response["Location"]).status_code == 200


def test_a_slug_renamed_twice_still_reaches_the_article(client):
    article = ArticleFactory(slug="one")
    for slug in ("two", "three"):
        article.slug = slug
        article.save()

    assert client.get("/articles/one/")["Location"] == "/articles/three/"
    assert client.get("/articles/two/")["Location"] == "/articles/three/"


@pytest.mark.parametrize("status", [Article.Status.DRAFT, Article.Status.UNPUBLISHED])
def test_an_earlier_slug_of_a_non_public_article_is_404(client, status):
    article = ArticleFactory(slug="was-public")
    article.slug = "renamed"
    article.status = status
    article.save()

    assert client.get("/articles/was-public/").status_code == 404
    assert client.get("/articles/renamed/").status_code == 404


def test_an_unknown_slug_is_404(client):
    assert client.get("/articles/never-existed/").status_code == 404


# Constant number of queries ------------------------------------------------------


def build_site(articles: int, sections: int = 2) -> dict:
    """Return URLs of every page kind over ``articles`` fully dressed articles per section."""
    author = AuthorFactory(avatar=PhotoFactory())
    desk = AuthorFactory(kind="organization")
    all_sections = [SectionFactory() for _ in range(sections)]
    made = []
    for n in range(articles):
        for section in all_sections:
            made.append(
                ArticleFactory(
                    section=section,
                    authors=[author, desk, AuthorFactory(avatar=PhotoFactory())],
                    tags=["war", f"topic-{n}", f"place-{n % 3}"],
                    lead_photo=PhotoFactory(),
                    featured=n % 4 == 0,
                    published_at=ago(minutes=n * sections + len(made)),
                )
            )
    target = made[len(made) // 2]
    ArticleNote.objects.create(article=target, text="A correction.")
    urls = {
        "home": reverse("articles:home"),
        "section": all_sections[0].get_absolute_url(),
        "tag": reverse("articles:tag", kwargs={"slug": "war"}),
        "author": author.get_absolute_url(),
        "article": target.get_absolute_url(),
    }
    if len(made) > settings.ARTICLES_PER_PAGE:
        urls["home page 2"] = reverse("articles:home") + "?page=2"
    return urls


def count_queries(client, url: str) -> int:
    """Return the queries of a page rendered afresh (not from the page cache)."""
    cache.clear()
    return fresh_page_queries(client, url)


# Lists: the object, the articles (their teasers are kept, public.teasers).
# Home adds the lead and the section blocks (one window query).
# Article: the article, bylines, tags, notes, the related teasers, comments.
# The first page after an edit adds what the generation shares (GENERATION_QUERIES) and
# the articles of the teasers it purged, with their bylines (TEASER_QUERIES).
MAX_QUERIES = {"home": 3, "home page 2": 1, "section": 2, "tag": 2, "author": 2, "article": 6}


@pytest.mark.parametrize("articles", [1, 30])
def test_every_page_runs_few_queries(client, articles):
    urls = build_site(articles)

    counts = {page: count_queries(client, url) for page, url in urls.items()}
    cold = {page: cold_page_queries(client, url) for page, url in urls.items()}

    assert counts == {page: min(counts[page], MAX_QUERIES[page]) for page in counts}
    extra = GENERATION_QUERIES + TEASER_QUERIES
    assert all(cold[page] <= counts[page] + extra for page in counts), cold


def test_query_counts_do_not_grow_with_articles_or_sections(client):
    small = {page: count_queries(client, url) for page, url in build_site(1, 2).items()}
    Article.objects.all().delete()

    large = {page: count_queries(client, url) for page, url in build_site(30, 6).items()}

    assert large.pop("home page 2") <= MAX_QUERIES["home page 2"]
    assert large == small
