"""Model rules: slugs, visibility, constraints, sanitized body, reading time, photos, bylines."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleAuthor, Author, Section
from photos.models import Photo
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    PhotoFactory,
    SectionFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2024, 12, 23, 14, 54, tzinfo=UTC)  # 4:54 PM in Kyiv


# Slugs, __str__, URLs


def test_article_slug_is_filled_from_the_headline():
    article = ArticleFactory(headline="North Korea sends shells to Russia", slug="")
    assert article.slug == "north-korea-sends-shells-to-russia"


def test_articles_with_the_same_headline_get_different_slugs():
    first = ArticleFactory(headline="Air raid alert in Kyiv", slug="")
    second = ArticleFactory(headline="Air raid alert in Kyiv", slug="")
    third = ArticleFactory(headline="Air raid alert in Kyiv!", slug="")
    assert first.slug == "air-raid-alert-in-kyiv"
    assert second.slug == "air-raid-alert-in-kyiv-2"
    assert third.slug == "air-raid-alert-in-kyiv-3"


def test_given_slug_is_kept_and_survives_a_headline_change():
    article = ArticleFactory(headline="Original", slug="my-own-slug")
    article.headline = "Edited headline"
    article.save()
    article.refresh_from_db()
    assert article.slug == "my-own-slug"


def test_slug_of_a_very_long_headline_fits_and_stays_unique():
    headline = "Very long headline " * 20
    first = ArticleFactory(headline=headline[:200], slug="")
    second = ArticleFactory(headline=headline[:200], slug="")
    assert len(first.slug) <= 200 and len(second.slug) <= 200
    assert first.slug != second.slug
    assert second.slug.endswith("-2")


def test_slug_of_a_non_latin_headline_is_never_empty():
    article = ArticleFactory(headline="Новини з фронту", slug="")
    assert article.slug


def test_section_and_author_slugs_are_filled_and_unique():
    section = Section.objects.create(name="Ukraine War")
    author = Author.objects.create(name="Person One")
    namesake = Author.objects.create(name="Person One")
    assert section.slug == "ukraine-war"
    assert (author.slug, namesake.slug) == ("person-one", "person-one-2")


def test_str_of_every_model():
    section = SectionFactory(name="News")
    author = AuthorFactory(name="Person One")
    photo = PhotoFactory(caption="Rescuers at work.")
    article = ArticleFactory(headline="Headline", section=section, authors=[author])
    assert str(section) == "News"
    assert str(author) == "Person One"
    assert str(photo) == "Rescuers at work."
    assert str(article) == "Headline"
    assert str(article.bylines.get()) == "Person One on Headline"
    assert str(PhotoFactory(caption="x" * 100))[-1] == "…"


def test_absolute_urls():
    article = ArticleFactory(slug="shells")
    assert article.get_absolute_url() == reverse("articles:detail", kwargs={"slug": "shells"})
    assert article.get_absolute_url().endswith("/shells/")
    assert article.section.get_absolute_url() == reverse(
        "articles:section", kwargs={"slug": article.section.slug}
    )
    author = AuthorFactory(slug="person-one")
    assert author.get_absolute_url() == reverse("articles:author", kwargs={"slug": "person-one"})


# Visibility: the one published() rule


def test_published_shows_only_published_articles_whose_time_has_come():
    with time_machine.travel(NOW, tick=False):
        visible = ArticleFactory(published_at=NOW - timedelta(minutes=1))
        just_now = ArticleFactory(published_at=NOW)
        ArticleFactory(status=Article.Status.DRAFT, published_at=NOW - timedelta(days=1))
        ArticleFactory(status=Article.Status.DRAFT, published_at=None)
        ArticleFactory(status=Article.Status.IN_REVIEW, published_at=NOW - timedelta(days=1))
        ArticleFactory(status=Article.Status.UNPUBLISHED, published_at=NOW - timedelta(days=1))
        ArticleFactory(published_at=NOW + timedelta(minutes=1))
        assert set(Article.objects.published()) == {visible, just_now}


def test_scheduled_article_appears_when_its_time_comes():
    with time_machine.travel(NOW, tick=False):
        scheduled = ArticleFactory(published_at=NOW + timedelta(hours=1))
        assert not Article.objects.published().filter(pk=scheduled.pk).exists()
        assert scheduled.is_scheduled and not scheduled.is_public
    with time_machine.travel(NOW + timedelta(hours=1, seconds=1), tick=False):
        assert Article.objects.published().filter(pk=scheduled.pk).exists()
        assert scheduled.is_public and not scheduled.is_scheduled


def test_published_reads_the_time_when_the_query_runs_not_when_it_is_built():
    with time_machine.travel(NOW, tick=False):
        scheduled = ArticleFactory(published_at=NOW + timedelta(hours=1))
        queryset = Article.objects.published()  # e.g. a view's class attribute
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        assert list(queryset.all()) == [scheduled]


def test_publishing_without_a_time_sets_it_to_now():
    with time_machine.travel(NOW, tick=False):
        article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
        article.status = Article.Status.PUBLISHED
        article.save()
    assert article.published_at == NOW
    assert article in Article.objects.published()


def test_database_refuses_published_article_without_publish_time():
    article = ArticleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(published_at=None)
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=draft.pk).update(status=Article.Status.PUBLISHED)


def test_database_refuses_an_unknown_status():
    article = ArticleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(status="deleted")


# Body: sanitized on every save


def test_saving_an_article_stores_the_sanitized_body():
    article = ArticleFactory(
        body='<p onclick="alert(1)">Hi <a href="javascript:alert(1)">x</a></p>'
        "<script>alert(1)</script><img src=x onerror=alert(1)>"
        '<iframe srcdoc="<script>alert(1)</script>"></iframe><h2 style="color:red">Sub</h2>'
    )
    expected = '<p>Hi <a rel="noopener noreferrer">x</a></p><h2>Sub</h2>'
    assert article.body == expected
    article.refresh_from_db()
    assert article.body == expected


def test_every_save_path_sanitizes_the_body():
    article = ArticleFactory()
    article.body = "<p>ok</p><script>alert(1)</script>"
    article.save(update_fields=["body"])
    article.refresh_from_db()
    assert article.body == "<p>ok</p>"

    created = Article.objects.create(
        headline="Direct", section=SectionFactory(), body="<svg onload=alert(1)><p>x</p></svg>"
    )
    created.refresh_from_db()
    assert created.body == "<p>x</p>"  # a <p> breaks out of <svg>, as in a browser


def test_an_editor_keeps_the_allowed_markup():
    body = (
        '<h2>Sub</h2><p>A <a href="https://example.org/" rel="noopener noreferrer">link</a>.</p>'
        '<figure><img src="/media/photos/a.jpg" alt="A"><figcaption>A</figcaption></figure>'
    )
    assert ArticleFactory(body=body).body == body


# Reading time


def _words(count: int) -> str:
    return "<p>" + " ".join(["word"] * count) + "</p>"


def test_reading_time_is_computed_on_save():
    article = ArticleFactory(body=_words(330))
    assert article.reading_time == 2
    article.refresh_from_db()
    assert article.reading_time == 2
    assert article.minutes_to_read == 2


def test_reading_time_follows_body_edits_even_with_update_fields():
    article = ArticleFactory(body=_words(10))
    assert article.reading_time == 1
    article.body = _words(700)
    article.save(update_fields=["body"])
    article.refresh_from_db()
    assert article.reading_time == 4


def test_reading_time_override_wins():
    article = ArticleFactory(body=_words(330), reading_time_override=7)
    assert article.reading_time == 2
    assert article.minutes_to_read == 7
    article.reading_time_override = None
    assert article.minutes_to_read == 2


def test_reading_time_override_is_validated():
    article = ArticleFactory.build(section=SectionFactory(), reading_time_override=0)
    with pytest.raises(ValidationError) as caught:
        article.full_clean()
    assert "reading_time_override" in caught.value.message_dict


# Publishing rules


def test_clean_refuses_publishing_with_an_uncredited_lead_photo():
    photo = PhotoFactory(credit="  ")
    article = ArticleFactory.build(section=SectionFactory(), lead_photo=photo)
    with pytest.raises(ValidationError) as caught:
        article.full_clean()
    assert caught.value.message_dict["lead_photo"] == [
        f"The lead photo “{photo}” (#{photo.pk}) has no credit. "
        "Add it in the photo library before publishing."
    ]


def test_uncredited_lead_photo_is_fine_on_a_draft_and_a_credited_one_can_be_published():
    uncredited = PhotoFactory(credit="")
    draft = ArticleFactory.build(
        section=SectionFactory(), lead_photo=uncredited, status=Article.Status.DRAFT
    )
    draft.full_clean()
    published = ArticleFactory.build(section=SectionFactory(), lead_photo=PhotoFactory())
    published.full_clean()


def test_lead_caption_prefers_the_articles_own():
    photo = PhotoFactory(caption="Library caption")
    article = ArticleFactory(lead_photo=photo)
    assert article.lead_caption == "Library caption"
    article.lead_photo_caption = "Article caption"
    assert article.lead_caption == "Article caption"
    assert ArticleFactory().lead_caption == ""


# Photos


def test_photo_width_and_height_are_filled_automatically():
    photo = PhotoFactory(image=image_upload("wide.png", width=320, height=200))
    assert (photo.width, photo.height) == (320, 200)
    photo.refresh_from_db()
    assert (photo.width, photo.height) == (320, 200)


def test_photo_used_as_a_lead_cannot_be_deleted():
    photo = PhotoFactory()
    article = ArticleFactory(lead_photo=photo)
    with pytest.raises(ProtectedError), transaction.atomic():
        photo.delete()
    assert Photo.objects.filter(pk=photo.pk).exists()
    article.delete()
    photo.delete()
    assert not Photo.objects.filter(pk=photo.pk).exists()


def test_avatar_photo_deleted_leaves_the_author_without_avatar():
    author = AuthorFactory(avatar=PhotoFactory())
    author.avatar.delete()
    author.refresh_from_db()
    assert author.avatar is None


def test_photo_focal_point_must_lie_in_the_image():
    photo = PhotoFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Photo.objects.filter(pk=photo.pk).update(focal_x=1.5)


# Authors and bylines


def test_byline_follows_position_not_author_name():
    zed = AuthorFactory(name="Zed Person")
    desk = AuthorFactory(name="The Newsroom news desk", kind=Author.Kind.ORGANIZATION)
    amy = AuthorFactory(name="Amy Person")
    article = ArticleFactory(authors=[zed, desk, amy])
    assert article.credited_authors == [zed, desk, amy]
    assert list(article.authors.all()) == [amy, desk, zed]  # Author.Meta.ordering by name


def test_byline_order_can_be_changed_by_position():
    first, second = AuthorFactory(name="Amy"), AuthorFactory(name="Bob")
    article = ArticleFactory(authors=[first, second])
    ArticleAuthor.objects.filter(article=article, author=first).update(position=5)
    article = Article.objects.with_related().get(pk=article.pk)
    assert article.credited_authors == [second, first]


def test_with_related_loads_the_byline_in_order_without_more_queries(
    django_assert_num_queries,
):
    authors = [AuthorFactory(name=name) for name in ("Zed", "Yan", "Amy")]
    ArticleFactory(authors=authors, tags=["war", "ukraine"], lead_photo=PhotoFactory())
    ArticleFactory(authors=list(reversed(authors)))
    with django_assert_num_queries(3):  # articles (+ section, photo), bylines, tags
        articles = list(Article.objects.with_related().order_by("id"))
    with django_assert_num_queries(0):
        bylines = [article.credited_authors for article in articles]
        sections = [article.section.name for article in articles]
        tags = [sorted(t.name for t in article.shown_tags) for article in articles]
    assert bylines == [authors, list(reversed(authors))]
    assert len(sections) == 2
    assert tags == [["ukraine", "war"], []]


def test_an_author_appears_once_per_byline():
    author = AuthorFactory()
    article = ArticleFactory(authors=[author])
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleAuthor.objects.create(article=article, author=author, position=1)


def test_author_kind_person_or_desk():
    assert not AuthorFactory().is_organization
    assert AuthorFactory(kind=Author.Kind.ORGANIZATION).is_organization


def test_author_in_a_byline_cannot_be_deleted():
    author = AuthorFactory()
    ArticleFactory(authors=[author])
    with pytest.raises(ProtectedError), transaction.atomic():
        author.delete()


def test_section_with_articles_cannot_be_deleted():
    article = ArticleFactory()
    with pytest.raises(ProtectedError), transaction.atomic():
        article.section.delete()


def test_published_order_is_newest_first():
    with time_machine.travel(NOW, tick=False):
        old = ArticleFactory(published_at=NOW - timedelta(days=2))
        new = ArticleFactory(published_at=NOW - timedelta(hours=1))
        assert list(Article.objects.published()) == [new, old]


def test_aware_publish_time_round_trips():
    when = timezone.make_aware(datetime(2024, 12, 23, 16, 54))
    article = ArticleFactory(published_at=when)
    article.refresh_from_db()
    assert article.published_at == when


def test_an_articles_tags_are_shown_in_the_order_the_editor_gave_them():
    article = ArticleFactory()
    article.tags.add("war")
    article.tags.add("Kyiv")
    article.tags.add("energy")

    loaded = Article.objects.with_related().get(pk=article.pk)

    assert [tag.name for tag in loaded.shown_tags] == ["war", "Kyiv", "energy"]
    assert [tag.name for tag in Article.objects.get(pk=article.pk).shown_tags] == [
        "war",
        "Kyiv",
        "energy",
    ]
