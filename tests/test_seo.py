"""What search engines and link previews read: titles, canonical links, OpenGraph, Twitter
cards, JSON-LD; the security headers of public pages; the error pages."""

import json
import re
from html import unescape

import pytest
from django.core.cache import cache
from django.template import loader

from articles.models import PreviewLink
from photos import images
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    PhotoFactory,
    SectionFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db

BASE = "http://testserver"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def meta(html: str, key: str) -> list[str]:
    """Return the contents of every <meta property|name=key> of the page, unescaped."""
    pattern = rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">'
    return [unescape(value) for value in re.findall(pattern, html)]


def one(html: str, key: str) -> str:
    values = meta(html, key)
    assert len(values) == 1, f"{key}: {values}"
    return values[0]


def canonical(html: str) -> str:
    links = re.findall(r'<link rel="canonical" href="([^"]*)">', html)
    assert len(links) == 1, links
    return unescape(links[0])


def json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


@pytest.fixture
def site():
    section = SectionFactory(name="World", slug="world", description="News from abroad.")
    author = AuthorFactory(name="Ann Writer", slug="ann", bio="Covers diplomacy.")
    article = ArticleFactory(
        headline="Talks resume",
        slug="talks-resume",
        dek="Delegations meet again in Geneva.",
        section=section,
        authors=[author],
        tags=["diplomacy", "geneva"],
    )
    return {"section": section, "author": author, "article": article}


PAGES = {
    "home": lambda s: "/",
    "section": lambda s: "/section/world/",
    "tag": lambda s: "/tag/diplomacy/",
    "author": lambda s: "/author/ann/",
    "article": lambda s: "/articles/talks-resume/",
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_page_has_title_description_canonical_opengraph_and_twitter_card(client, site, page):
    path = PAGES[page](site)

    html = html_of(client.get(path))

    title = re.search(r"<title>(.*?)</title>", html, re.S)[1]
    assert title.endswith("The Newsroom") or title.startswith("The Newsroom")
    assert one(html, "description")
    assert canonical(html) == BASE + path
    assert one(html, "og:site_name") == "The Newsroom"
    assert one(html, "og:type") == ("article" if page == "article" else "website")
    assert one(html, "og:url") == BASE + path
    assert one(html, "og:title") == one(html, "twitter:title")
    assert one(html, "og:description") == one(html, "twitter:description") != ""
    assert one(html, "og:image").startswith(BASE + "/")
    assert one(html, "og:image") == one(html, "twitter:image")
    assert one(html, "og:image:width") and one(html, "og:image:height")
    assert one(html, "og:image:alt") == one(html, "twitter:image:alt") != ""
    assert one(html, "twitter:card") == "summary_large_image"


def test_titles_and_descriptions_say_what_the_page_is(client, site):
    section_html = html_of(client.get("/section/world/"))
    tag_html = html_of(client.get("/tag/diplomacy/"))
    author_html = html_of(client.get("/author/ann/"))
    article_html = html_of(client.get("/articles/talks-resume/"))

    assert "<title>World — The Newsroom</title>" in section_html
    assert one(section_html, "description") == "News from abroad."
    assert "<title>diplomacy — The Newsroom</title>" in tag_html
    assert "diplomacy" in one(tag_html, "description")
    assert one(author_html, "description") == "Covers diplomacy."
    assert "<title>Talks resume — The Newsroom</title>" in article_html
    assert one(article_html, "og:title") == "Talks resume"
    assert one(article_html, "description") == "Delegations meet again in Geneva."


def test_seo_title_and_description_of_an_article_win(client):
    article = ArticleFactory(seo_title="Short SEO title", seo_description="Made for search.")

    html = html_of(client.get(article.get_absolute_url()))

    assert "<title>Short SEO title — The Newsroom</title>" in html
    assert one(html, "description") == "Made for search."
    assert one(html, "og:description") == "Made for search."


def test_long_dek_is_cut_for_the_description(client):
    article = ArticleFactory(dek="word " * 100)

    description = one(html_of(client.get(article.get_absolute_url())), "description")

    assert len(description) <= 160
    assert description.endswith("…")


def test_later_pages_are_canonical_to_themselves_and_other_parameters_are_dropped(client, settings):
    section = SectionFactory(slug="news")
    for _ in range(settings.ARTICLES_PER_PAGE + 1):
        ArticleFactory(section=section)

    first = html_of(client.get("/section/news/?utm_source=mail&page=1"))
    second = html_of(client.get("/section/news/?page=2&utm_source=mail"))
    home_two = html_of(client.get("/?page=2&ref=x"))

    assert canonical(first) == BASE + "/section/news/"
    assert canonical(second) == BASE + "/section/news/?page=2"
    assert one(second, "og:url") == BASE + "/section/news/?page=2"
    assert canonical(home_two) == BASE + "/?page=2"


def test_article_opengraph_has_times_section_tags_and_the_lead_photos_card(client):
    photo = PhotoFactory(image=image_upload(width=1600, height=1000), alt_text="Delegates sit")
    images.build_renditions(photo)
    photo.refresh_from_db()
    article = ArticleFactory(section=SectionFactory(name="World"), lead_photo=photo, tags=["un"])
    card = photo.renditions["files"]["card.jpg"]

    html = html_of(client.get(article.get_absolute_url()))

    assert one(html, "og:image") == BASE + photo.image.storage.url(card["name"])
    assert (one(html, "og:image:width"), one(html, "og:image:height")) == ("1200", "630")
    assert one(html, "og:image:alt") == "Delegates sit"
    assert one(html, "article:section") == "World"
    assert meta(html, "article:tag") == ["un"]
    published = one(html, "article:published_time")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", published)
    assert one(html, "article:modified_time") == published


def test_pages_without_a_photo_share_the_sites_default_card(client, site):
    html = html_of(client.get("/articles/talks-resume/"))

    assert one(html, "og:image") == BASE + "/static/img/og-default.png"
    assert (one(html, "og:image:width"), one(html, "og:image:height")) == ("1200", "630")


def test_default_card_and_logo_files_have_the_sizes_the_pages_announce():
    from django.contrib.staticfiles import finders
    from PIL import Image

    with Image.open(finders.find("img/og-default.png")) as card:
        assert card.size == (1200, 630)
    with Image.open(finders.find("img/logo.png")) as logo:
        assert logo.size == (600, 60)


# JSON-LD -----------------------------------------------------------------------


def test_article_json_ld_is_a_complete_news_article(client):
    person = AuthorFactory(name="Ann Writer", slug="ann")
    desk = AuthorFactory(name="Kyiv desk", slug="kyiv-desk", kind="organization")
    photo = PhotoFactory(image=image_upload(width=1600, height=1000))
    images.build_renditions(photo)
    photo.refresh_from_db()
    article = ArticleFactory(
        headline="Talks resume",
        dek="Delegations meet again.",
        section=SectionFactory(name="World", slug="world"),
        authors=[person, desk],
        tags=["diplomacy", "geneva"],
        lead_photo=photo,
    )
    url = BASE + article.get_absolute_url()

    html = html_of(client.get(article.get_absolute_url()))

    news, breadcrumbs = json_ld(html)
    assert news["@context"] == "https://schema.org"
    assert news["@type"] == "NewsArticle"
    assert news["headline"] == "Talks resume"
    assert news["description"] == "Delegations meet again."
    assert news["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert news["image"][0] == one(html, "og:image")
    assert all(image.startswith(BASE + "/media/") for image in news["image"])
    assert news["datePublished"] == one(html, "article:published_time")
    assert news["dateModified"] == news["datePublished"]
    assert news["author"] == [
        {"@type": "Person", "name": "Ann Writer", "url": BASE + "/author/ann/"},
        {"@type": "Organization", "name": "Kyiv desk", "url": BASE + "/author/kyiv-desk/"},
    ]
    assert news["publisher"]["@type"] == "Organization"
    assert news["publisher"]["name"] == "The Newsroom"
    assert news["publisher"]["logo"] == {
        "@type": "ImageObject",
        "url": BASE + "/static/img/logo.png",
        "width": 600,
        "height": 60,
    }
    assert news["articleSection"] == "World"
    assert news["keywords"] == "diplomacy, geneva"
    assert breadcrumbs["@type"] == "BreadcrumbList"
    assert [item["item"] for item in breadcrumbs["itemListElement"]] == [
        BASE + "/",
        BASE + "/section/world/",
        url,
    ]


def test_json_ld_is_a_data_block_without_nonce_and_cannot_end_its_script(client):
    article = ArticleFactory(headline="</script><script>alert(1)</script> & <!--")

    html = html_of(client.get(article.get_absolute_url()))

    assert 'type="application/ld+json" nonce' not in html
    assert "</script><script>alert" not in html
    assert json_ld(html)[0]["headline"] == "</script><script>alert(1)</script> & <!--"


def test_article_without_photo_has_the_default_image_in_json_ld(client):
    article = ArticleFactory()

    news = json_ld(html_of(client.get(article.get_absolute_url())))[0]

    assert news["image"] == [BASE + "/static/img/og-default.png"]


def test_lists_have_no_json_ld(client, site):
    assert json_ld(html_of(client.get("/section/world/"))) == []


def test_previews_are_noindex_without_canonical_or_json_ld(client):
    article = ArticleFactory(status="draft")
    link = PreviewLink.objects.create(article=article)

    html = html_of(client.get(link.get_absolute_url()))

    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert 'rel="canonical"' not in html
    assert "og:url" not in html
    assert json_ld(html) == []


# Security headers --------------------------------------------------------------


@pytest.mark.parametrize("page", sorted(PAGES))
def test_public_pages_send_the_security_headers(client, site, page):
    response = client.get(PAGES[page](site))

    policy = dict(
        d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";") if d.strip()
    )
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    features = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert features[feature] == "()"
    assert "interest-cohort" not in features


def test_not_found_pages_send_the_headers_too(client):
    response = client.get("/section/nowhere/")

    assert response.status_code == 404
    assert "camera=()" in response["Permissions-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_permissions_policy_follows_the_setting(client, settings):
    settings.PERMISSIONS_POLICY = {"camera": "", "fullscreen": "self"}

    response = client.get("/")

    assert response["Permissions-Policy"] == "camera=(), fullscreen=(self)"


# Error pages ---------------------------------------------------------------------


def test_404_page_is_in_the_site_design_with_a_way_home(client):
    SectionFactory(name="Opinion", slug="opinion")

    response = client.get("/articles/no-such-story/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "We can’t find that page" in html
    assert "<title>Page not found — The Newsroom</title>" in html
    assert '<a class="site-name" href="/">The Newsroom</a>' in html
    assert 'href="/static/css/site.css"' in html
    assert 'href="/section/opinion/"' in html  # the site's navigation
    assert '<a class="button" href="/">Go to the latest news</a>' in html
    assert '<meta name="robots" content="noindex">' in html
    assert 'rel="canonical"' not in html


def test_500_page_is_styled_and_self_contained(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()

    assert "Something went wrong on our side" in html
    assert 'href="/static/css/site.css"' in html
    assert '<a class="site-name" href="/">The Newsroom</a>' in html
