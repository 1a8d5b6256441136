"""RSS and Atom feeds: what a feed reader gets, for the site, a section, a tag and an author."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles.models import Article, TagRedirect
from photos.models import Photo
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory
from tests.pages import GENERATION_QUERIES, cold_page_queries, fresh_page_queries

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
DC = "{http://purl.org/dc/elements/1.1/}"

FEED_NAMES = ("feed_rss", "feed_atom")
OBJECT_FEED_NAMES = (
    "section_feed_rss",
    "section_feed_atom",
    "tag_feed_rss",
    "tag_feed_atom",
    "author_feed_rss",
    "author_feed_atom",
)


def get_xml(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    return ET.fromstring(response.content)


def rss_items(client, url: str) -> list[ET.Element]:
    return get_xml(client, url).findall("./channel/item")


def atom_entries(client, url: str) -> list[ET.Element]:
    return get_xml(client, url).findall(f"{ATOM}entry")


def rss_titles(client, url: str) -> list[str]:
    return [item.findtext("title") for item in rss_items(client, url)]


def atom_titles(client, url: str) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in atom_entries(client, url)]


def feed_url(name: str, obj=None) -> str:
    return reverse(f"articles:{name}", kwargs={"slug": obj.slug} if obj is not None else {})


def with_card(photo: Photo) -> Photo:
    """Record a 1200×630 card rendition for ``photo``, as the rendition builder would."""
    photo.renditions = {
        "version": 1,
        "source": photo.image.name,
        "files": {
            "card.jpg": {"name": f"renditions/{photo.pk}/card.jpg", "width": 1200, "height": 630}
        },
    }
    Photo.objects.filter(pk=photo.pk).update(renditions=photo.renditions)
    return photo


def full_article(**kwargs) -> Article:
    """Return a public article with two bylines, two tags and a lead photo."""
    defaults = {
        "authors": [AuthorFactory(name="Olena Kovalenko"), AuthorFactory(name="Kyiv Desk")],
        "tags": ["Kyiv", "Energy"],
        "lead_photo": PhotoFactory(credit="Photo by Jane Doe/AFP"),
    }
    return ArticleFactory(**(defaults | kwargs))


# What is listed ----------------------------------------------------------------


@pytest.mark.parametrize("name", FEED_NAMES)
def test_feeds_list_only_public_articles(client, name):
    now = timezone.now()
    ArticleFactory(headline="Public story")
    ArticleFactory(headline="Draft story", status=Article.Status.DRAFT)
    ArticleFactory(headline="Story in review", status=Article.Status.IN_REVIEW)
    ArticleFactory(headline="Unpublished story", status=Article.Status.UNPUBLISHED)
    ArticleFactory(headline="Scheduled story", published_at=now + timedelta(hours=1))
    ArticleFactory(
        headline="Expired story",
        published_at=now - timedelta(days=2),
        unpublish_at=now - timedelta(minutes=1),
    )

    titles = (rss_titles if name.endswith("rss") else atom_titles)(client, feed_url(name))

    assert titles == ["Public story"]


def test_feed_lists_the_20_newest_articles_newest_first(client):
    now = timezone.now()
    for hours in range(1, 26):
        ArticleFactory(headline=f"Story {hours}h ago", published_at=now - timedelta(hours=hours))

    titles = rss_titles(client, feed_url("feed_rss"))

    assert titles == [f"Story {hours}h ago" for hours in range(1, 21)]


@pytest.mark.parametrize("kind", ("rss", "atom"))
def test_object_feeds_list_only_their_articles(client, kind):
    politics, sport = SectionFactory(name="Politics"), SectionFactory(name="Sport")
    reporter, other = AuthorFactory(), AuthorFactory()
    ArticleFactory(headline="Ours", section=politics, authors=[reporter], tags=["Elections"])
    ArticleFactory(headline="Theirs", section=sport, authors=[other], tags=["Football"])
    ArticleFactory(
        headline="Our draft",
        section=politics,
        authors=[reporter],
        tags=["Elections"],
        status=Article.Status.DRAFT,
    )
    titles = rss_titles if kind == "rss" else atom_titles
    elections = Article.objects.get(headline="Ours").tags.get()

    assert titles(client, feed_url(f"section_feed_{kind}", politics)) == ["Ours"]
    assert titles(client, feed_url(f"tag_feed_{kind}", elections)) == ["Ours"]
    assert titles(client, feed_url(f"author_feed_{kind}", reporter)) == ["Ours"]


@pytest.mark.parametrize("name", OBJECT_FEED_NAMES)
def test_feed_of_an_unknown_slug_is_404(client, name):
    url = reverse(f"articles:{name}", kwargs={"slug": "no-such-thing"})

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("kind", ("rss", "atom"))
def test_feed_of_a_merged_tag_redirects_to_the_tag_it_became(client, kind):
    article = ArticleFactory(tags=["Kyiv"])
    tag = article.tags.get()
    TagRedirect.objects.create(old_slug="kiev", tag=tag)

    response = client.get(reverse(f"articles:tag_feed_{kind}", kwargs={"slug": "kiev"}))

    assert response.status_code == 301
    assert response["Location"] == feed_url(f"tag_feed_{kind}", tag)


# What an item carries ------------------------------------------------------------


def test_rss_item_has_title_link_summary_authors_categories_date_and_image(client):
    article = full_article(headline="Power restored", dek="Engineers worked all night.")
    photo = with_card(article.lead_photo)

    channel = get_xml(client, feed_url("feed_rss")).find("channel")
    (item,) = channel.findall("item")

    assert channel.findtext("link") == "http://testserver/"
    assert item.findtext("title") == "Power restored"
    assert item.findtext("link") == f"http://testserver{article.get_absolute_url()}"
    assert item.findtext("guid") == item.findtext("link")
    assert item.findtext("description") == "Engineers worked all night."
    assert [el.text for el in item.findall(f"{DC}creator")] == ["Olena Kovalenko", "Kyiv Desk"]
    assert sorted(el.text for el in item.findall("category")) == ["Energy", "Kyiv"]
    pub_date = parsedate_to_datetime(item.findtext("pubDate"))
    assert pub_date == article.published_at.replace(microsecond=0)
    card_url = f"http://testserver{photo.image.storage.url(f'renditions/{photo.pk}/card.jpg')}"
    enclosure = item.find("enclosure")
    assert enclosure.attrib == {"url": card_url, "length": "0", "type": "image/jpeg"}
    media = item.find(f"{MEDIA}content")
    assert media.get("url") == card_url
    assert (media.get("width"), media.get("height"), media.get("medium")) == (
        "1200",
        "630",
        "image",
    )
    assert media.findtext(f"{MEDIA}credit") == "Photo by Jane Doe/AFP"
    assert media.findtext(f"{MEDIA}description") == photo.alt_text


def test_atom_entry_has_title_link_summary_authors_categories_dates_and_image(client):
    article = full_article(headline="Power restored", dek="Engineers worked all night.")
    photo = article.lead_photo  # no renditions yet: the original is offered
    Article.objects.filter(pk=article.pk).update(
        content_updated_at=article.published_at + timedelta(minutes=30)
    )

    feed = get_xml(client, feed_url("feed_atom"))
    (entry,) = feed.findall(f"{ATOM}entry")

    link = f"http://testserver{article.get_absolute_url()}"
    assert entry.findtext(f"{ATOM}title") == "Power restored"
    assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == link
    assert entry.findtext(f"{ATOM}id") == link
    assert entry.findtext(f"{ATOM}summary") == "Engineers worked all night."
    authors = entry.findall(f"{ATOM}author")
    assert [a.findtext(f"{ATOM}name") for a in authors] == ["Olena Kovalenko", "Kyiv Desk"]
    assert authors[0].findtext(f"{ATOM}uri").startswith("http://testserver/author/")
    assert sorted(c.get("term") for c in entry.findall(f"{ATOM}category")) == ["Energy", "Kyiv"]
    published = parse_datetime(entry.findtext(f"{ATOM}published"))
    updated = parse_datetime(entry.findtext(f"{ATOM}updated"))
    assert published == article.published_at
    assert updated - published == timedelta(minutes=30)
    enclosure = entry.find(f"{ATOM}link[@rel='enclosure']")
    assert enclosure.get("href") == f"http://testserver{photo.image.url}"
    assert enclosure.get("type") == "image/jpeg"
    media = entry.find(f"{MEDIA}content")
    assert (media.get("width"), media.get("height")) == ("64", "48")
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/feed/atom/"


def test_summary_without_a_dek_is_a_plain_text_excerpt_of_the_body(client):
    ArticleFactory(dek="", body="<p>First <strong>bold</strong> words.</p><p>Then more.</p>")

    (item,) = rss_items(client, feed_url("feed_rss"))

    assert item.findtext("description") == "First bold words. Then more."


def test_titles_and_summaries_with_markup_characters_survive_intact(client):
    ArticleFactory(headline="Q&A: why <b> tags & “quotes” matter", dek="Fish & chips < 5 €")

    (item,) = rss_items(client, feed_url("feed_rss"))
    (entry,) = atom_entries(client, feed_url("feed_atom"))

    assert item.findtext("title") == "Q&A: why <b> tags & “quotes” matter"
    assert entry.findtext(f"{ATOM}title") == "Q&A: why <b> tags & “quotes” matter"
    # Summaries are HTML for readers: the text is escaped once, so it shows as written.
    assert item.findtext("description") == "Fish &amp; chips &lt; 5 €"


def test_article_without_photo_or_tags_has_no_enclosure_and_no_category(client):
    ArticleFactory(authors=[AuthorFactory()])

    (item,) = rss_items(client, feed_url("feed_rss"))

    assert item.find("enclosure") is None
    assert item.find(f"{MEDIA}content") is None
    assert item.findall("category") == []


# Queries -----------------------------------------------------------------------


def make_articles(count: int, section, author) -> None:
    for n in range(count):
        ArticleFactory(
            section=section,
            authors=[author, AuthorFactory()],
            tags=["Kyiv", f"topic-{n}"],
            lead_photo=PhotoFactory(),
        )


@pytest.mark.parametrize("name", FEED_NAMES + OBJECT_FEED_NAMES)
def test_feeds_run_a_constant_number_of_queries(client, name):
    section, author = SectionFactory(), AuthorFactory()
    make_articles(2, section, author)
    objects = {"section": section, "tag": Article.objects.first().tags.get(name="Kyiv")}
    objects["author"] = author
    obj = objects.get(name.split("_")[0])
    url = feed_url(name, obj)

    small = fresh_page_queries(client, url)
    make_articles(15, section, author)
    large = fresh_page_queries(client, url)
    first_after_an_edit = cold_page_queries(client, url)
    response = client.get(url)

    assert large == small <= 5
    assert first_after_an_edit <= large + GENERATION_QUERIES
    assert len(re.findall(rb"<(?:item|entry)>", response.content)) == 17


# Autodiscovery -----------------------------------------------------------------


def head_of(response) -> str:
    html = response.content.decode()
    return html[: html.index("</head>")]


def alternate_links(response) -> set[tuple[str, str]]:
    head = head_of(response)
    return set(
        re.findall(
            r'<link rel="alternate" type="(application/[a-z+]+)" title="[^"]+" href="([^"]+)">',
            head,
        )
    )


def test_every_page_advertises_the_site_feeds(client):
    article = ArticleFactory()

    for url in (reverse("articles:home"), article.get_absolute_url()):
        links = alternate_links(client.get(url))
        assert ("application/rss+xml", "http://testserver/feed/") in links
        assert ("application/atom+xml", "http://testserver/feed/atom/") in links


def test_section_tag_and_author_pages_advertise_their_own_feeds(client):
    author = AuthorFactory(slug="olena")
    article = ArticleFactory(
        section=SectionFactory(slug="politics"), authors=[author], tags=["Kyiv"]
    )
    tag = article.tags.get()

    for page, feed in (
        (article.section.get_absolute_url(), "/section/politics/feed/"),
        (reverse("articles:tag", kwargs={"slug": tag.slug}), f"/tag/{tag.slug}/feed/"),
        (author.get_absolute_url(), "/author/olena/feed/"),
    ):
        links = alternate_links(client.get(page))
        assert ("application/rss+xml", f"http://testserver{feed}") in links, page
        assert ("application/atom+xml", f"http://testserver{feed}atom/") in links, page
        assert ("application/rss+xml", "http://testserver/feed/") in links, page
        assert len(links) == 4, page
