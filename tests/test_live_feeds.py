"""Live coverage for machines and lists: JSON-LD, the update feeds, site feeds, the LIVE badge.

- A live article's JSON-LD is a LiveBlogPosting whose ``liveBlogUpdate`` are the updates
  its page shows, given to the tag (no query of its own).
- A public live article has RSS and Atom feeds of its newest published updates, kept in
  the page cache until an update changes.
- The site's and a section's feeds list a live article once, updated when its newest
  update came, read in the articles' own query.
- Teasers and the lead story carry a "Live" badge while coverage is on; starting or
  ending coverage purges the cached home page.
"""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles.models import Article
from live.models import LiveUpdate, LiveUpdateAuthor
from live.signals import updates_key
from newsroom.pagecache import instance_key, purge
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory
from tests.pages import fresh_page_queries

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
DC = "{http://purl.org/dc/elements/1.1/}"
BADGE = '<span class="badge badge--live">Live</span>'


def post(article, minutes_ago: float, *, authors=(), **fields) -> LiveUpdate:
    """Create a published update of ``article``, ``minutes_ago`` old, with its byline.

    Its time is in whole seconds, as RSS dates are.
    """
    fields.setdefault("body", f"<p>Update posted {minutes_ago} minutes ago.</p>")
    update = LiveUpdate.objects.create(
        article=article,
        status=LiveUpdate.Status.PUBLISHED,
        published_at=(timezone.now() - timedelta(minutes=minutes_ago)).replace(microsecond=0),
        **fields,
    )
    for position, author in enumerate(authors, start=1):
        LiveUpdateAuthor.objects.create(update=update, author=author, position=position)
    return update


def permalink(update: LiveUpdate) -> str:
    return BASE + reverse(
        "articles:live_update", kwargs={"slug": update.article.slug, "pk": update.pk}
    )


def get_xml(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return ET.fromstring(response.content)


def live_feed(name: str, article) -> str:
    return reverse(f"articles:{name}", kwargs={"slug": article.slug})


# JSON-LD -------------------------------------------------------------------------------


def json_ld_of(article: Article, updates=None, notes=()) -> dict:
    """Render the tag as the page does, with the article and updates the view loads."""
    article = Article.objects.with_related().get(pk=article.pk)
    if updates is None:
        updates = list(LiveUpdate.objects.for_readers().filter(article=article)[:20])
    template = Template("{% load editorial %}{% article_json_ld article notes updates %}")
    context = Context(
        {
            "request": RequestFactory().get("/"),
            "article": article,
            "notes": notes,
            "updates": updates,
        }
    )
    with CaptureQueriesContext(connection) as queries:
        rendered = template.render(context)
    assert len(queries) == 0, [query["sql"] for query in queries]  # the tag queries nothing
    return json.loads(rendered)


@pytest.fixture
def coverage():
    reporter = AuthorFactory(name="Olena Kovalenko", slug="olena")
    desk = AuthorFactory(name="Kyiv desk", slug="kyiv-desk", kind="organization")
    started = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    article = ArticleFactory(
        headline="Russia's attack on Kyiv: live",
        slug="kyiv-live",
        live=True,
        coverage_started_at=started,
        published_at=started + timedelta(minutes=5),
        authors=[desk],
    )
    first = post(article, 30, headline="Strike on the port", authors=[reporter])
    second = post(
        article,
        10,
        body=(
            "<p>Air raid <strong>sirens</strong> sound across the city as residents "
            "head for shelters and metro stations tonight.</p>"
        ),
        photo=PhotoFactory(alt_text="A metro station used as a shelter", credit="AP"),
    )
    LiveUpdate.objects.create(
        article=article, body="<p>Draft waiting for an editor.</p>", headline="Draft"
    )
    return {"article": article, "first": first, "second": second, "reporter": reporter}


def test_a_live_articles_json_ld_is_a_live_blog_posting_with_its_updates(coverage):
    article, first, second = coverage["article"], coverage["first"], coverage["second"]

    data = json_ld_of(article)

    assert data["@type"] == "LiveBlogPosting"
    # Everything a NewsArticle has is still there.
    assert data["headline"] == "Russia's attack on Kyiv: live"
    assert data["publisher"]["@type"] == "Organization"
    assert data["image"]
    assert data["author"] == [
        {"@type": "Organization", "name": "Kyiv desk", "url": BASE + "/author/kyiv-desk/"}
    ]
    assert parse_datetime(data["coverageStartTime"]) == article.coverage_started_at
    assert "coverageEndTime" not in data
    assert parse_datetime(data["dateModified"]) == second.published_at
    newest, older = data["liveBlogUpdate"]  # published only, newest first
    assert newest["@type"] == older["@type"] == "BlogPosting"
    # No headline of its own: the first words of its text (markup dropped).
    assert newest["headline"] == (
        "Air raid sirens sound across the city as residents head for shelters…"
    )
    assert newest["articleBody"] == (
        "Air raid sirens sound across the city as residents head for shelters "
        "and metro stations tonight."
    )
    assert newest["url"] == permalink(second)
    assert newest["url"].endswith(f"/articles/kyiv-live/updates/{second.pk}/")
    assert parse_datetime(newest["datePublished"]) == second.published_at
    assert newest["image"][0].startswith(BASE + "/media/")
    # An update without a byline is the article's authors'.
    assert newest["author"] == data["author"]
    assert "dateModified" not in newest  # never edited
    assert older["headline"] == "Strike on the port"
    assert older["url"] == permalink(first)
    assert older["author"] == [
        {"@type": "Person", "name": "Olena Kovalenko", "url": BASE + "/author/olena/"}
    ]
    assert "image" not in older


def test_ended_coverage_has_its_end_and_edited_updates_their_change(coverage):
    article, first = coverage["article"], coverage["first"]
    ended = timezone.now().replace(microsecond=0) - timedelta(minutes=1)
    Article.objects.filter(pk=article.pk).update(coverage_ended_at=ended)
    corrected = timezone.now().replace(microsecond=0)
    LiveUpdate.objects.filter(pk=first.pk).update(
        headline="A" * 80 + " strike on the port and the grain terminal", corrected_at=corrected
    )

    data = json_ld_of(article)

    assert parse_datetime(data["coverageEndTime"]) == ended
    older = data["liveBlogUpdate"][1]
    assert len(older["headline"]) <= 110
    assert older["headline"].endswith("…")
    assert parse_datetime(older["dateModified"]) >= corrected


def test_json_ld_lists_the_updates_it_is_given_and_a_plain_article_stays_a_news_article(
    coverage,
):
    article, first = coverage["article"], coverage["first"]
    shown = list(LiveUpdate.objects.for_readers().filter(pk=first.pk))

    assert [item["headline"] for item in json_ld_of(article, shown)["liveBlogUpdate"]] == [
        "Strike on the port"
    ]
    plain = ArticleFactory()
    data = json_ld_of(plain, [])
    assert data["@type"] == "NewsArticle"
    assert "liveBlogUpdate" not in data and "coverageStartTime" not in data


# The live article's own feeds ----------------------------------------------------------


def test_the_update_feed_lists_published_updates_newest_first(client, coverage):
    article, first, second = coverage["article"], coverage["first"], coverage["second"]

    channel = get_xml(client, live_feed("live_feed_rss", article)).find("channel")
    items = channel.findall("item")

    assert channel.findtext("link") == BASE + article.get_absolute_url()
    assert [item.findtext("title") for item in items] == [second.title, "Strike on the port"]
    assert [item.findtext("link") for item in items] == [permalink(second), permalink(first)]
    # The sanitized body, as HTML; the photo as media:content and enclosure.
    assert "<strong>sirens</strong>" in items[0].findtext("description")
    assert items[0].find(f"{MEDIA}content").findtext(f"{MEDIA}credit") == "AP"
    assert items[0].find("enclosure") is not None
    assert [c.text for c in items[1].findall(f"{DC}creator")] == ["Olena Kovalenko"]
    pubdate = parsedate_to_datetime(items[1].findtext("pubDate"))
    assert pubdate == first.published_at
    assert "Draft" not in [item.findtext("title") for item in items]


def test_the_atom_update_feed_has_authors_dates_and_the_newest_50(client, coverage):
    article = coverage["article"]
    now = timezone.now()
    LiveUpdate.objects.bulk_create(
        LiveUpdate(
            article=article,
            headline=f"Older update {n}",
            body="<p>Text.</p>",
            status=LiveUpdate.Status.PUBLISHED,
            published_at=now - timedelta(hours=1, minutes=n),
        )
        for n in range(60)
    )

    entries = get_xml(client, live_feed("live_feed_atom", article)).findall(f"{ATOM}entry")

    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert len(entries) == 50
    assert titles[:3] == [coverage["second"].title, "Strike on the port", "Older update 0"]
    assert titles[-1] == "Older update 47"
    strike = entries[1]
    assert strike.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Olena Kovalenko"
    published = parse_datetime(strike.findtext(f"{ATOM}published"))
    assert published == coverage["first"].published_at
    assert parse_datetime(strike.findtext(f"{ATOM}updated")) == published  # not edited


@pytest.mark.parametrize("name", ("live_feed_rss", "live_feed_atom"))
def test_only_a_public_live_article_has_an_update_feed(client, name):
    plain = ArticleFactory(slug="plain")
    draft = ArticleFactory(slug="draft-live", live=True, status=Article.Status.DRAFT)
    scheduled = ArticleFactory(
        slug="later", live=True, published_at=timezone.now() + timedelta(hours=1)
    )
    for article in (plain, draft, scheduled):
        post(article, 5, headline="Something")

    for slug in ("plain", "draft-live", "later", "no-such-article"):
        assert client.get(reverse(f"articles:{name}", kwargs={"slug": slug})).status_code == 404


def test_a_new_update_purges_the_cached_update_feed(client, coverage):
    article = coverage["article"]
    url = live_feed("live_feed_rss", article)
    assert client.get(url)["X-Cache"] == "miss"
    assert client.get(url)["X-Cache"] == "hit"

    post(article, 0, headline="Power cut in the east")

    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert ET.fromstring(response.content).findtext("channel/item/title") == (
        "Power cut in the east"
    )


def test_the_update_feed_depends_on_its_articles_updates_and_row(client, coverage):
    article = coverage["article"]
    url = live_feed("live_feed_atom", article)
    client.get(url)

    for key in (updates_key(article.pk), instance_key(article)):
        assert client.get(url)["X-Cache"] == "hit"
        purge({key})
        assert client.get(url)["X-Cache"] == "miss"


def test_the_update_feed_runs_the_same_queries_for_2_updates_or_40(client, coverage):
    article = coverage["article"]
    url = live_feed("live_feed_rss", article)
    few = fresh_page_queries(client, url)
    reporter = coverage["reporter"]
    for n in range(38):
        post(article, 60 + n, headline=f"More {n}", authors=[reporter], photo=PhotoFactory())

    assert fresh_page_queries(client, url) == few


# Site and section feeds ----------------------------------------------------------------


def test_site_feeds_list_a_live_article_once_updated_at_its_newest_update(client):
    now = timezone.now().replace(microsecond=0)
    world = SectionFactory(slug="world")
    live = ArticleFactory(
        headline="Live: the war", section=world, live=True, published_at=now - timedelta(hours=3)
    )
    ArticleFactory(headline="Other story", section=world, published_at=now - timedelta(hours=1))
    post(live, 120)
    newest = post(live, 7)
    LiveUpdate.objects.create(article=live, body="<p>Draft.</p>")  # not counted

    for url in ("/feed/atom/", "/section/world/feed/atom/"):
        entries = get_xml(client, url).findall(f"{ATOM}entry")
        assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
            "Other story",
            "Live: the war",
        ]
        live_entry = entries[1]
        assert parse_datetime(live_entry.findtext(f"{ATOM}published")) == live.published_at
        updated = parse_datetime(live_entry.findtext(f"{ATOM}updated"))
        assert updated == newest.published_at
    # RSS has no item update time: the channel's lastBuildDate is the newest update's.
    channel = get_xml(client, "/feed/").find("channel")
    assert [item.findtext("title") for item in channel.findall("item")] == [
        "Other story",
        "Live: the war",
    ]
    last_build = parsedate_to_datetime(channel.findtext("lastBuildDate"))
    assert last_build == newest.published_at


def test_a_new_update_purges_the_site_feed(client):
    live = ArticleFactory(headline="Live: the war", live=True)
    post(live, 30)
    assert client.get("/feed/atom/")["X-Cache"] == "miss"
    assert client.get("/feed/atom/")["X-Cache"] == "hit"

    newest = post(live, 0)

    response = client.get("/feed/atom/")
    assert response["X-Cache"] == "miss"
    entry = ET.fromstring(response.content).find(f"{ATOM}entry")
    assert parse_datetime(entry.findtext(f"{ATOM}updated")) == newest.published_at


def test_the_latest_update_time_costs_no_query_per_article(client):
    first = ArticleFactory(live=True)
    post(first, 5)
    few = fresh_page_queries(client, "/feed/atom/")
    for _ in range(5):
        post(ArticleFactory(live=True), 3)
        ArticleFactory()

    assert fresh_page_queries(client, "/feed/atom/") == few


# The LIVE badge ------------------------------------------------------------------------


def home(client):
    response = client.get(reverse("articles:home"))
    assert response.status_code == 200
    return response


def test_the_lead_story_has_the_badge_until_coverage_ends_and_ending_purges_home(client):
    live = ArticleFactory(headline="Live: the war", live=True)

    first, second = home(client), home(client)
    assert BADGE in first.content.decode()
    assert second["X-Cache"] == "hit"

    live.coverage_ended_at = timezone.now()
    live.save()

    ended = home(client)
    assert ended["X-Cache"] == "miss"
    assert "Live: the war" in ended.content.decode()
    assert BADGE not in ended.content.decode()


def test_teasers_get_the_badge_when_coverage_starts_and_lose_it_when_it_stops(client):
    story = ArticleFactory(
        headline="Talks in Geneva", published_at=timezone.now() - timedelta(hours=2)
    )
    ArticleFactory(headline="Lead story", featured=True)
    assert BADGE not in home(client).content.decode()
    assert home(client)["X-Cache"] == "hit"

    story.live = True
    story.save()

    started = home(client)
    assert started["X-Cache"] == "miss"
    html = started.content.decode()
    assert html.count(BADGE) == 1
    assert html.index(BADGE) < html.index("Talks in Geneva")  # in that teaser, before its headline

    story.live = False
    story.save()

    stopped = home(client)
    assert stopped["X-Cache"] == "miss"
    assert BADGE not in stopped.content.decode()
