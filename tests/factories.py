"""Test data: factory_boy factories for every model, and a tiny in-memory image maker."""

import io
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, ArticleAuthor, Author, Section
from photos.models import Photo


def image_bytes(width: int = 64, height: int = 48, fmt: str = "JPEG", color="#3366aa") -> bytes:
    """Return a small valid image encoded in ``fmt``."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, fmt)
    return buffer.getvalue()


def image_upload(name: str = "photo.jpg", **kwargs) -> SimpleUploadedFile:
    """Return an uploaded-file object holding a small valid image."""
    fmt = kwargs.pop(
        "fmt",
        {"png": "PNG", "webp": "WEBP", "gif": "GIF", "avif": "AVIF"}.get(
            name.rsplit(".")[-1].lower(), "JPEG"
        ),
    )
    return SimpleUploadedFile(
        name, image_bytes(fmt=fmt, **kwargs), content_type=f"image/{fmt.lower()}"
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")
    position = factory.Sequence(lambda n: n)


class PhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Photo

    image = factory.LazyFunction(image_upload)
    alt_text = "Rescuers search the rubble of a damaged building"
    caption = "Rescuers at work after the strike."
    credit = "Photo by Jane Doe/AFP via Getty Images"
    photographer = "Jane Doe"
    agency = "AFP"


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Author {n}")
    slug = factory.Sequence(lambda n: f"author-{n}")
    job_title = "Reporter"
    bio = "Covers the war and politics."


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article, visible now. ``authors=[a, b]`` sets the byline in order."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    headline = factory.Sequence(lambda n: f"Headline number {n}")
    slug = factory.Sequence(lambda n: f"headline-number-{n}")
    dek = "What happened, in one sentence."
    body = "<p>First paragraph of the story.</p><p>Second paragraph.</p>"
    section = factory.SubFactory(SectionFactory)
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    @factory.post_generation
    def authors(obj, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for position, author in enumerate(extracted):
            ArticleAuthor.objects.create(article=obj, author=author, position=position)

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tags.add(*extracted)
