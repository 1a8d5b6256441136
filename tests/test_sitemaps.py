"""Sitemaps, the Google News sitemap and robots.txt: what a search engine is told."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
SITEMAP_KINDS = ("articles", "sections", "tags", "authors")


def get_xml(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def sitemap_url(kind: str) -> str:
    return reverse("articles:sitemap", kwargs={"section": kind})


def locs(client, url: str) -> list[str]:
    return [el.text for el in get_xml(client, url).iter(f"{SM}loc")]


def absolute(path: str) -> str:
    return f"http://testserver{path}"


# The index ---------------------------------------------------------------------


def test_index_lists_every_sitemap_with_its_lastmod(client):
    article = ArticleFactory(authors=[AuthorFactory()], tags=["Kyiv"])

    index = get_xml(client, reverse("articles:sitemap_index"))

    entries = {
        el.findtext(f"{SM}loc"): parse_datetime(el.findtext(f"{SM}lastmod"))
        for el in index.findall(f"{SM}sitemap")
    }
    expected = [absolute(sitemap_url(kind)) for kind in SITEMAP_KINDS]
    assert list(entries) == [*expected, absolute(reverse("articles:news_sitemap"))]
    assert all(lastmod is not None for lastmod in entries.values())
    news_lastmod = entries[absolute(reverse("articles:news_sitemap"))]
    assert news_lastmod == article.published_at.replace(microsecond=0)


def test_index_of_an_empty_site_is_still_valid(client):
    index = get_xml(client, reverse("articles:sitemap_index"))

    assert len(index.findall(f"{SM}sitemap")) == 5
    for kind in SITEMAP_KINDS:
        assert locs(client, sitemap_url(kind)) in ([], [absolute("/section/")])


def test_unknown_sitemap_or_page_is_404(client):
    assert client.get(sitemap_url("nothing")).status_code == 404
    assert client.get(sitemap_url("articles") + "?p=9").status_code == 404


# The sitemaps ------------------------------------------------------------------


def test_article_sitemap_lists_public_articles_only_with_their_last_change(client):
    now = timezone.now()
    public = ArticleFactory(published_at=now - timedelta(days=2))
    Article.objects.filter(pk=public.pk).update(updated_at=now - timedelta(hours=3))
    ArticleFactory(status=Article.Status.DRAFT)
    ArticleFactory(status=Article.Status.UNPUBLISHED)
    ArticleFactory(published_at=now + timedelta(hours=1))

    urlset = get_xml(client, sitemap_url("articles"))

    (url,) = urlset.findall(f"{SM}url")
    assert url.findtext(f"{SM}loc") == absolute(public.get_absolute_url())
    lastmod = parse_datetime(url.findtext(f"{SM}lastmod"))
    assert lastmod == (now - timedelta(hours=3)).replace(microsecond=0)


def test_section_sitemap_lists_every_section(client):
    politics, empty = SectionFactory(slug="politics"), SectionFactory(slug="empty")
    ArticleFactory(section=politics)

    assert sorted(locs(client, sitemap_url("sections"))) == [
        absolute(empty.get_absolute_url()),
        absolute(politics.get_absolute_url()),
    ]


def test_tag_and_author_sitemaps_list_only_those_with_public_articles(client):
    writer, drafter = AuthorFactory(), AuthorFactory()
    public = ArticleFactory(authors=[writer], tags=["Kyiv"])
    ArticleFactory(authors=[drafter], tags=["Secret"], status=Article.Status.DRAFT)
    tag = public.tags.get()

    assert locs(client, sitemap_url("tags")) == [
        absolute(reverse("articles:tag", kwargs={"slug": tag.slug}))
    ]
    assert locs(client, sitemap_url("authors")) == [absolute(writer.get_absolute_url())]


def test_list_page_lastmod_is_its_newest_public_article(client):
    section = SectionFactory()
    now = timezone.now()
    ArticleFactory(section=section, published_at=now - timedelta(days=3))
    newest = ArticleFactory(section=section, published_at=now - timedelta(hours=1))
    ArticleFactory(section=section, status=Article.Status.DRAFT)

    (url,) = get_xml(client, sitemap_url("sections")).findall(f"{SM}url")

    lastmod = parse_datetime(url.findtext(f"{SM}lastmod"))
    assert lastmod == max(newest.updated_at, newest.published_at).replace(microsecond=0)


def test_article_sitemap_pages_are_blocks_of_ids_listed_in_the_index(client, monkeypatch):
    from public.sitemaps import BlockSitemap

    monkeypatch.setattr(BlockSitemap, "limit", 2)
    articles = [ArticleFactory() for _ in range(5)]
    Article.objects.filter(pk=articles[1].pk).update(status=Article.Status.DRAFT)
    public = [a for a in articles if a.pk != articles[1].pk]
    pages = (articles[-1].pk - articles[0].pk) // 2 + 1  # blocks of 2 from the lowest id

    index = locs(client, reverse("articles:sitemap_index"))
    listed_pages = [loc for loc in index if loc.startswith(absolute(sitemap_url("articles")))]
    assert listed_pages == [absolute(sitemap_url("articles"))] + [
        absolute(f"{sitemap_url('articles')}?p={page}") for page in range(2, pages + 1)
    ]
    listed = []
    for page in range(1, pages + 1):
        with CaptureQueriesContext(connection) as queries:
            listed += locs(client, f"{sitemap_url('articles')}?p={page}")
        assert len(queries) <= 2  # the lowest and highest ids, then the block
        assert not any("OFFSET" in q["sql"] or "COUNT(" in q["sql"] for q in queries)
    assert sorted(listed) == sorted(absolute(a.get_absolute_url()) for a in public)
    assert client.get(f"{sitemap_url('articles')}?p={pages + 1}").status_code == 404
    assert client.get(f"{sitemap_url('articles')}?p=two").status_code == 404


# Google News -------------------------------------------------------------------


def test_news_sitemap_lists_articles_of_the_last_48_hours_not_left_out(client):
    now = timezone.now()
    recent = ArticleFactory(headline="Fresh", published_at=now - timedelta(hours=2))
    ArticleFactory(headline="Old", published_at=now - timedelta(days=3))
    ArticleFactory(
        headline="Left out", published_at=now - timedelta(hours=1), in_news_sitemap=False
    )
    ArticleFactory(headline="Draft", status=Article.Status.DRAFT)
    ArticleFactory(headline="Scheduled", published_at=now + timedelta(hours=1))

    assert locs(client, reverse("articles:news_sitemap")) == [absolute(recent.get_absolute_url())]


def test_news_sitemap_entry_names_publication_language_date_and_escaped_title(client, settings):
    settings.NEWSROOM_NAME = "Kyiv & Co"
    article = ArticleFactory(headline="Q&A: <b>what</b> “now”")

    response = client.get(reverse("articles:news_sitemap"))
    news = ET.fromstring(response.content).find(f"{SM}url/{NEWS}news")

    assert b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' in response.content
    assert b"Q&amp;A: &lt;b&gt;what&lt;/b&gt;" in response.content
    assert news.findtext(f"{NEWS}title") == "Q&A: <b>what</b> “now”"
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Kyiv & Co"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
    published = parse_datetime(news.findtext(f"{NEWS}publication_date"))
    assert published == article.published_at.replace(microsecond=0)


def test_editor_can_leave_an_article_out_of_the_news_sitemap_in_the_admin(admin_client):
    article = ArticleFactory()

    page = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))

    assert b'name="in_news_sitemap"' in page.content


# robots.txt --------------------------------------------------------------------


def test_robots_txt_names_the_sitemaps_and_keeps_crawlers_out_of_traps(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    for path in ("/admin/", "/preview/", "/search/"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/news-sitemap.xml" in lines
    assert not any(line == "Disallow: /" for line in lines)


# Queries -----------------------------------------------------------------------


def make_articles(count: int) -> None:
    sections = [SectionFactory(), SectionFactory()]
    for n in range(count):
        ArticleFactory(
            section=sections[n % 2],
            authors=[AuthorFactory(), AuthorFactory()],
            tags=[f"topic-{n}", "Kyiv"],
        )


@pytest.mark.parametrize(
    "url",
    [
        reverse("articles:sitemap_index"),
        *(sitemap_url(kind) for kind in SITEMAP_KINDS),
        reverse("articles:news_sitemap"),
        "/robots.txt",
    ],
)
def test_sitemaps_run_a_constant_number_of_queries(client, url):
    UserFactory()  # unrelated rows change nothing
    make_articles(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    make_articles(20)
    caches["default"].clear()  # the page is rendered again, not answered from the cache
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)

    assert response.status_code == 200
    assert len(large) == len(small) <= 10
