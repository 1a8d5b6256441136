import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    PhotoFactory,
    SectionFactory,
    UserFactory,
)
from tests.pages import fresh_page_queries

pytestmark = pytest.mark.django_db


def make_editor(**kwargs):
    """Return a staff user who may change everyone's articles (and so preview them)."""
    user = UserFactory(is_staff=True, **kwargs)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="articles",
            codename__in=("change_article", "edit_others_article", "publish_article"),
        )
    )
    return user


def text_of(response) -> str:
    return response.content.decode()


# Visibility -----------------------------------------------------------------


def test_published_article_is_public(client):
    article = ArticleFactory(headline="Visible story")

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "Visible story" in text_of(response)


@pytest.mark.parametrize(
    "status", [Article.Status.DRAFT, Article.Status.IN_REVIEW, Article.Status.UNPUBLISHED]
)
def test_draft_is_not_public(client, status):
    article = ArticleFactory(headline="Secret draft", status=status)

    assert client.get(article.get_absolute_url()).status_code == 404
    assert "Secret draft" not in text_of(client.get(reverse("articles:home")))
    assert "Secret draft" not in text_of(client.get(article.section.get_absolute_url()))


def test_scheduled_article_appears_at_its_time(client):
    publish_at = timezone.now() + timedelta(hours=2)
    article = ArticleFactory(headline="Embargoed story", published_at=publish_at)

    assert client.get(article.get_absolute_url()).status_code == 404
    assert "Embargoed story" not in text_of(client.get(reverse("articles:home")))

    with time_machine.travel(publish_at + timedelta(seconds=1), tick=False):
        assert client.get(article.get_absolute_url()).status_code == 200
        assert "Embargoed story" in text_of(client.get(reverse("articles:home")))


def test_staff_who_may_change_articles_preview_a_draft_with_a_banner(client):
    article = ArticleFactory(headline="Work in progress", status=Article.Status.DRAFT)
    client.force_login(make_editor())

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "Draft preview — not public" in text_of(response)
    assert '<meta name="robots" content="noindex, nofollow">' in text_of(response)
    assert "no-store" in response["Cache-Control"]


def test_staff_without_change_permission_cannot_preview(client):
    article = ArticleFactory(status=Article.Status.DRAFT)
    client.force_login(UserFactory(is_staff=True))

    assert client.get(article.get_absolute_url()).status_code == 404


def test_public_article_has_no_preview_banner_for_editors(client):
    article = ArticleFactory()
    client.force_login(make_editor())

    assert "Draft preview" not in text_of(client.get(article.get_absolute_url()))


def test_unknown_section_is_404(client):
    response = client.get(reverse("articles:section", kwargs={"slug": "no-such-section"}))

    assert response.status_code == 404
    assert "We can’t find that page" in text_of(response)


def test_unknown_tag_and_author_are_404(client):
    assert client.get(reverse("articles:tag", kwargs={"slug": "nope"})).status_code == 404
    assert client.get(reverse("articles:author", kwargs={"slug": "nope"})).status_code == 404


# Article page ----------------------------------------------------------------


def test_detail_shows_section_and_tag_links_before_the_headline(client):
    section = SectionFactory(name="News Feed", slug="news-feed")
    article = ArticleFactory(headline="The headline", section=section, tags=["North Korea"])

    html = text_of(client.get(article.get_absolute_url()))

    assert '<a href="/section/news-feed/">News Feed</a>' in html
    assert '<a href="/tag/north-korea/">North Korea</a>' in html
    assert html.index("/tag/north-korea/") < html.index("The headline</h1>")


def test_edit_post_link_only_for_staff_who_may_change(client):
    article = ArticleFactory()
    edit_url = reverse("admin:articles_article_change", args=[article.pk])

    assert "Edit post" not in text_of(client.get(article.get_absolute_url()))

    client.force_login(UserFactory(is_staff=True))
    assert "Edit post" not in text_of(client.get(article.get_absolute_url()))

    client.force_login(UserFactory(is_staff=False, is_superuser=True))
    assert "Edit post" not in text_of(client.get(article.get_absolute_url()))

    client.force_login(make_editor())
    html = text_of(client.get(article.get_absolute_url()))
    assert f'<a href="{edit_url}">Edit post</a>' in html


def test_byline_lists_authors_in_order_with_and(client):
    person = AuthorFactory(name="Zoe Person", slug="zoe")
    desk = AuthorFactory(name="Alpha News Desk", slug="desk", kind="organization")
    article = ArticleFactory(authors=[person, desk])

    html = text_of(client.get(article.get_absolute_url()))

    assert (
        'by <a href="/author/zoe/" class="author-link">Zoe Person</a> and '
        '<a href="/author/desk/" class="author-link">Alpha News Desk</a>'
    ) in html


def test_byline_of_three_authors_uses_commas(client):
    authors = [AuthorFactory(name=name) for name in ("Cy", "Bo", "Al")]
    article = ArticleFactory(authors=authors)

    html = text_of(client.get(article.get_absolute_url()))
    byline = re.search(r'<p class="byline story__byline">(.*?)</p>', html, re.S).group(1)

    assert " ".join(re.sub(r"<[^>]+>", "", byline).split()) == "by Cy, Bo and Al"


def test_date_is_in_newsroom_time_zone(client, settings):
    settings.TIME_ZONE = "Europe/Kyiv"
    article = ArticleFactory(published_at=datetime(2024, 12, 23, 14, 54, 31, 999, tzinfo=UTC))

    html = text_of(client.get(article.get_absolute_url()))

    assert '<time datetime="2024-12-23T16:54:31+0200">December 23, 2024 4:54 PM</time>' in html


def test_detail_shows_reading_time(client):
    article = ArticleFactory(body="<p>" + "word " * 330 + "</p>")

    assert "2 min read" in text_of(client.get(article.get_absolute_url()))


def test_detail_shows_lead_photo_caption_and_credit(client):
    photo = PhotoFactory(
        alt_text="Soldiers unload shells",
        caption="Library caption.",
        credit="Photo by Name Surname/AFP via Getty Images",
    )
    article = ArticleFactory(lead_photo=photo, lead_photo_caption="This article's caption.")

    html = text_of(client.get(article.get_absolute_url()))
    figure = re.search(r'<figure class="story__lead">(.*?)</figure>', html, re.S).group(1)

    assert f'src="{photo.image.url}"' in figure
    assert 'alt="Soldiers unload shells"' in figure
    assert 'width="64" height="48"' in figure
    assert "loading=" not in figure
    assert '<span class="caption">This article&#x27;s caption.</span>' in figure
    assert '<span class="credit">Photo by Name Surname/AFP via Getty Images</span>' in figure
    assert "Library caption." not in figure


def test_lead_caption_falls_back_to_the_photo_library(client):
    article = ArticleFactory(lead_photo=PhotoFactory(caption="From the library."))

    assert '<span class="caption">From the library.</span>' in text_of(
        client.get(article.get_absolute_url())
    )


def test_ai_audio_disclosure(client):
    article = ArticleFactory(audio_ai_generated=True)
    article.audio.save("story.mp3", ContentFile(b"ID3"), save=True)

    html = text_of(client.get(article.get_absolute_url()))

    assert '<audio controls preload="none" aria-labelledby="story-audio-title">' in html
    assert f'<source src="{article.audio.url}" type="audio/mpeg">' in html
    assert "This audio is created with AI assistance" in html


def test_human_audio_has_no_ai_disclosure(client):
    article = ArticleFactory(audio_ai_generated=False)
    article.audio.save("story.mp3", ContentFile(b"ID3"), save=True)

    html = text_of(client.get(article.get_absolute_url()))

    assert "<audio " in html
    assert "created with AI assistance" not in html


def test_article_without_audio_has_no_player(client):
    article = ArticleFactory()

    assert "<audio" not in text_of(client.get(article.get_absolute_url()))


def test_body_is_rendered_as_sanitized_html(client):
    article = ArticleFactory(
        body='<h2>Sub-head</h2><p>Text <a href="https://example.org/">link</a>'
        '<img src="x" onerror="alert(1)"></p><script>alert(2)</script>'
    )

    html = text_of(client.get(article.get_absolute_url()))

    assert "<h2>Sub-head</h2>" in html
    assert 'href="https://example.org/"' in html
    assert "alert(" not in html


def test_authors_footer_shows_name_avatar_job_title_and_bio(client):
    author = AuthorFactory(
        name="Olena K",
        slug="olena-k",
        job_title="Senior reporter",
        bio="Covers the front line.",
        avatar=PhotoFactory(alt_text="Portrait of Olena K"),
    )
    article = ArticleFactory(authors=[author])

    html = text_of(client.get(article.get_absolute_url()))
    footer = re.search(r'<footer class="story__authors">(.*?)</footer>', html, re.S).group(1)

    assert "<h2" in footer and "Authors</h2>" in footer
    assert '<a href="/author/olena-k/">Olena K</a>' in footer
    assert 'alt="Portrait of Olena K"' in footer
    assert "Senior reporter" in footer
    assert "Covers the front line." in footer


# Lists -----------------------------------------------------------------------


def test_home_lists_latest_first_with_teaser_details(client):
    author = AuthorFactory(name="Ann Writer")
    older = ArticleFactory(
        headline="Older story",
        published_at=timezone.now() - timedelta(days=2),
        lead_photo=PhotoFactory(alt_text="An older photo"),
    )
    newer = ArticleFactory(
        headline="Newer story",
        dek="The dek of the newer story.",
        authors=[author],
        lead_photo=PhotoFactory(alt_text="A lead photo"),
    )

    html = text_of(client.get(reverse("articles:home")))

    assert html.index("Newer story") < html.index("Older story")
    assert f'<a href="{newer.get_absolute_url()}">Newer story</a>' in html
    assert "The dek of the newer story." in html
    assert ">Ann Writer</a>" in html
    # The lead story's image is the page's largest: loaded at once; the others lazily.
    assert re.search(r'<img [^>]*alt="A lead photo"', html)
    assert not re.search(r'<img [^>]*alt="A lead photo"[^>]*loading="lazy"', html)
    assert re.search(r'<img [^>]*alt="An older photo"[^>]*loading="lazy"', html)
    assert 'width="64" height="48"' in html
    assert older.get_absolute_url() in html


def test_home_paginates(client, settings):
    per_page = settings.ARTICLES_PER_PAGE
    now = timezone.now()
    for n in range(per_page + 1):
        ArticleFactory(headline=f"Story {n:02d}", published_at=now - timedelta(minutes=n + 1))

    first = client.get(reverse("articles:home"))
    second = client.get(reverse("articles:home"), {"page": 2})

    assert len(first.context["articles"]) == per_page
    assert 'rel="next" href="?page=2"' in text_of(first)
    # (Page 1 may still show it in its section's block, below the latest.)
    assert f"Story {per_page:02d}" not in [a.headline for a in first.context["articles"]]
    assert f"Story {per_page:02d}" in text_of(second)
    assert 'rel="prev" href="?page=1"' in text_of(second)
    assert client.get(reverse("articles:home"), {"page": 3}).status_code == 404


def test_section_page_lists_only_its_articles(client):
    section = SectionFactory(name="Business", description="Money and markets.")
    ArticleFactory(headline="In the section", section=section)
    ArticleFactory(headline="Elsewhere")

    html = text_of(client.get(section.get_absolute_url()))

    assert "<h1" in html and "Business</h1>" in html
    assert "Money and markets." in html
    assert "In the section" in html
    assert "Elsewhere" not in html
    assert 'aria-current="page"' in html


def test_tag_page_lists_only_tagged_articles(client):
    ArticleFactory(headline="Tagged one", tags=["ammunition"])
    ArticleFactory(headline="Untagged one", tags=["energy"])

    html = text_of(client.get(reverse("articles:tag", kwargs={"slug": "ammunition"})))

    assert "ammunition</h1>" in html
    assert "Tagged one" in html
    assert "Untagged one" not in html


def test_author_page_shows_profile_and_their_articles(client):
    author = AuthorFactory(
        name="Mark L",
        job_title="Business editor",
        bio="Writes about energy.",
        avatar=PhotoFactory(alt_text="Portrait of Mark L"),
    )
    ArticleFactory(headline="By Mark", authors=[AuthorFactory(), author])
    ArticleFactory(headline="Not by Mark")

    html = text_of(client.get(author.get_absolute_url()))

    assert "Mark L</h1>" in html
    assert "Business editor" in html
    assert "Writes about energy." in html
    assert 'alt="Portrait of Mark L"' in html
    assert "By Mark" in html
    assert "Not by Mark" not in html


def test_desk_author_page_says_desk(client):
    desk = AuthorFactory(name="News desk", kind="organization")

    assert '<p class="page-kicker">Desk</p>' in text_of(client.get(desk.get_absolute_url()))


def test_header_navigation_lists_sections(client):
    SectionFactory(name="Opinion", slug="opinion")

    html = text_of(client.get(reverse("articles:home")))

    assert '<nav class="section-nav" aria-label="Sections">' in html
    assert '<a href="/section/opinion/">Opinion</a>' in html


# Page furniture and security ---------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["articles:home", "articles:section", "articles:tag", "articles:detail"]
)
def test_public_pages_send_a_strict_content_security_policy(client, url_name):
    article = ArticleFactory(tags=["war"])
    kwargs = {
        "articles:home": {},
        "articles:section": {"slug": article.section.slug},
        "articles:tag": {"slug": "war"},
        "articles:detail": {"slug": article.slug},
    }[url_name]

    response = client.get(reverse(url_name, kwargs=kwargs))

    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert "<script>" not in text_of(response)
    assert " style=" not in text_of(response)


def test_pages_have_skip_link_landmarks_and_stylesheet(client):
    html = text_of(client.get(reverse("articles:home")))

    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<html lang="en">' in html
    assert 'href="/static/css/site.css"' in html
    assert 'href="/static/img/favicon.svg"' in html


def test_favicon_redirects_to_the_svg(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("/img/favicon.svg")


def test_server_error_page_renders_without_context_or_database(django_assert_num_queries):
    from django.template import loader

    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()

    assert "Something went wrong" in html


# Constant number of queries ---------------------------------------------------


def make_newsroom(count: int) -> dict:
    """Return a section, tag and author shared by ``count`` fully dressed articles."""
    newsroom = {
        "section": SectionFactory(slug="world"),
        "author": AuthorFactory(slug="regular", avatar=PhotoFactory()),
        "articles": [],
    }
    SectionFactory.create_batch(3)
    add_articles(newsroom, count)
    return newsroom


def add_articles(newsroom: dict, count: int) -> None:
    """Add ``count`` articles with 2-3 authors (with avatars), 5 tags and a lead photo."""
    start = len(newsroom["articles"])
    for n in range(start, start + count):
        coauthors = [AuthorFactory(avatar=PhotoFactory()) for _ in range(1 + n % 2)]
        newsroom["articles"].append(
            ArticleFactory(
                section=newsroom["section"],
                authors=[newsroom["author"], *coauthors],
                tags=["war", "ukraine", f"topic-{n}", f"place-{n}", f"person-{n % 5}"],
                lead_photo=PhotoFactory(),
            )
        )


def page_urls(newsroom: dict) -> dict[str, str]:
    return {
        "home": reverse("articles:home"),
        "section": newsroom["section"].get_absolute_url(),
        "tag": reverse("articles:tag", kwargs={"slug": "war"}),
        "author": newsroom["author"].get_absolute_url(),
        "detail": newsroom["articles"][-1].get_absolute_url(),
    }


# Queries per page rendered afresh: the object looked up (if any), the paginator's count,
# the articles with section and lead photo, bylines with authors and avatars; the home
# page adds its lead (and its bylines) and the section blocks, the article page its tags,
# related articles with previous/next, and comments. What every page of a cache
# generation shares is counted once per generation (tests/pages.py). The exact counts
# are in tests/test_reader_pages.py.
MAX_QUERIES = {"home": 7, "section": 5, "tag": 5, "author": 5, "detail": 6}


@pytest.mark.parametrize("count", [1, 30])
@pytest.mark.parametrize("page", sorted(MAX_QUERIES))
def test_public_page_runs_a_constant_number_of_queries(client, count, page):
    url = page_urls(make_newsroom(count))[page]

    assert fresh_page_queries(client, url) <= MAX_QUERIES[page]


def test_query_count_does_not_grow_with_articles_authors_or_tags(client):
    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    newsroom = make_newsroom(1)
    before = {page: queries(url) for page, url in page_urls(newsroom).items()}
    add_articles(newsroom, 29)
    after = {page: queries(url) for page, url in page_urls(newsroom).items()}

    assert after == before


def test_editor_preview_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    client.force_login(make_editor())
    newsroom = make_newsroom(3)
    draft = newsroom["articles"][0]
    draft.status = Article.Status.DRAFT
    draft.save()

    # Session, user, user and group permissions, whether the editor has a second factor
    # to enter first (their TOTP and backup-code devices), then the article page's 4.
    with django_assert_max_num_queries(10):
        response = client.get(draft.get_absolute_url())

    assert "Draft preview — not public" in text_of(response)
