from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from public.templatetags.newsroom import audio_type, byline, byline_text, join_and
from tests.factories import AuthorFactory, PhotoFactory, SectionFactory


def render(source: str, **context) -> str:
    return Template("{% load newsroom %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([], ""),
        (["A"], "A"),
        (["A", "B"], "A and B"),
        (["A", "B", "C"], "A, B and C"),
        (["A", "B", "C", "D"], "A, B, C and D"),
    ],
)
def test_join_and_reads_as_prose(names, expected):
    assert join_and(names) == expected


@pytest.mark.django_db
def test_byline_links_each_author_in_the_given_order():
    first = AuthorFactory(name="Person One", slug="person-one")
    desk = AuthorFactory(name="The Newsroom news desk", slug="news-desk")

    html = byline([first, desk])

    assert html == (
        '<a href="/author/person-one/" class="author-link">Person One</a> and '
        '<a href="/author/news-desk/" class="author-link">The Newsroom news desk</a>'
    )


@pytest.mark.django_db
def test_byline_of_three_authors_uses_comma_and_and():
    authors = [AuthorFactory(name=name) for name in ("Ann", "Bob", "Cy")]

    html = byline(authors)

    assert html.count("<a ") == 3
    assert ">Ann</a>, <a " in html
    assert ">Bob</a> and <a " in html


@pytest.mark.django_db
def test_byline_escapes_author_names():
    author = AuthorFactory(name='<script>alert("x")</script>')

    html = render("{{ authors|byline }}", authors=[author])

    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.django_db
def test_byline_text_is_plain_prose():
    authors = [AuthorFactory(name=name) for name in ("Ann", "Bob & Co", "Cy")]

    assert byline_text(authors) == "Ann, Bob & Co and Cy"
    assert render("{{ authors|byline_text }}", authors=authors) == "Ann, Bob &amp; Co and Cy"


def test_iso_datetime_has_no_microseconds_and_uses_the_newsroom_time_zone(settings):
    settings.TIME_ZONE = "Europe/Kyiv"
    moment = datetime(2024, 12, 23, 14, 54, 7, 123456, tzinfo=UTC)

    assert render("{{ moment|iso_datetime }}", moment=moment) == "2024-12-23T16:54:07+0200"


def test_iso_datetime_of_nothing_is_empty():
    assert render("{{ moment|iso_datetime }}", moment=None) == ""


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("audio/2024/12/story.mp3", "audio/mpeg"),
        ("audio/story.OGG", "audio/ogg"),
        ("audio/story.opus", "audio/ogg"),
        ("audio/story.m4a", "audio/mp4"),
        ("audio/story.wav", ""),
        ("", ""),
    ],
)
def test_audio_type_follows_the_file_extension(name, mime):
    assert audio_type(name) == mime


@pytest.mark.django_db
def test_photo_img_carries_size_alt_text_and_lazy_loading():
    photo = PhotoFactory(alt_text='Rescuers in "the" rubble')

    html = render("{% photo_img photo %}", photo=photo)

    assert html.startswith("<img ")
    assert f'src="{photo.image.url}"' in html
    assert 'alt="Rescuers in &quot;the&quot; rubble"' in html
    assert 'width="64"' in html
    assert 'height="48"' in html
    assert 'loading="lazy"' in html


@pytest.mark.django_db
def test_photo_img_can_load_eagerly():
    html = render("{% photo_img photo lazy=False %}", photo=PhotoFactory())

    assert "loading=" not in html


def test_photo_img_of_no_photo_is_empty():
    assert render("{% photo_img photo %}", photo=None) == ""


@pytest.mark.django_db
def test_section_nav_lists_sections_in_order_in_one_query(django_assert_num_queries):
    SectionFactory(name="World", slug="world", position=2)
    current = SectionFactory(name="Ukraine", slug="ukraine", position=1)

    with django_assert_num_queries(1):
        html = render("{% section_nav %}", section=current)

    assert html.index("Ukraine") < html.index("World")
    assert 'href="/section/ukraine/" class="is-current" aria-current="page"' in html
    assert 'href="/section/world/">' in html


@pytest.mark.django_db
def test_section_nav_marks_an_articles_section_without_claiming_the_page():
    section = SectionFactory(slug="news")

    html = render("{% section_nav %}", article=SimpleNamespace(section=section))

    assert 'class="is-current"' in html
    assert "aria-current" not in html


@pytest.mark.django_db
def test_section_nav_is_rendered_once_and_again_after_a_section_changes():
    section = SectionFactory(name="News", slug="news")
    first = render("{% section_nav %}", section=section)
    with CaptureQueriesContext(connection) as queries:
        again = render("{% section_nav %}", section=section)
    section.name = "Latest news"
    section.save()

    renamed = render("{% section_nav %}", section=section)

    assert first == again and len(queries) == 0
    assert ">Latest news</a>" in renamed and ">News</a>" not in renamed
