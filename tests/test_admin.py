"""The editors' admin: articles, bylines, publishing, the photo library, tags, CKEditor uploads."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles.models import Article
from photos.models import Photo
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    PhotoFactory,
    SectionFactory,
    UserFactory,
    image_bytes,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")
CK_TOKEN = "a" * 20 + "B" * 20


def byline_management_form(total: int, initial: int = 0) -> dict[str, str]:
    return {
        "bylines-TOTAL_FORMS": str(total),
        "bylines-INITIAL_FORMS": str(initial),
        "bylines-MIN_NUM_FORMS": "0",
        "bylines-MAX_NUM_FORMS": "1000",
    }


def article_form_data(section, **overrides) -> dict[str, str]:
    data = {
        "headline": "Rescuers search the rubble",
        "slug": "rescuers-search-the-rubble",
        "section": str(section.pk),
        "dek": "What happened overnight.",
        "body": "<p>First paragraph.</p>",
        "lead_photo": "",
        "lead_photo_caption": "",
        "tags": "",
        "status": Article.Status.DRAFT,
        "published_at_0": "",
        "published_at_1": "",
        "reading_time_override": "",
        "seo_title": "",
        "seo_description": "",
        "_save": "Save",
        **byline_management_form(0),
    }
    data.update(overrides)
    return data


def make_articles(count: int) -> None:
    authors = AuthorFactory.create_batch(3)
    sections = SectionFactory.create_batch(2)
    for i in range(count):
        ArticleFactory(
            section=sections[i % 2],
            authors=authors[: 2 + i % 2],
            tags=["war", f"topic-{i}"],
            lead_photo=PhotoFactory(),
        )


def post_action(client, action: str, *articles):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(a.pk) for a in articles]},
        follow=True,
    )


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ---------------------------------------------------------------- article list


def test_article_changelist_query_count_is_constant(admin_client, django_assert_max_num_queries):
    make_articles(1)
    with CaptureQueriesContext(connection) as with_one:
        assert admin_client.get(CHANGELIST).status_code == 200

    make_articles(29)
    with django_assert_max_num_queries(len(with_one)):
        response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 30


def test_changelist_shows_byline_in_order_status_and_thumbnail(admin_client):
    first, second = AuthorFactory(name="Zoe Writer"), AuthorFactory(name="Adam Desk")
    photo = PhotoFactory(alt_text="A burnt car in a courtyard")
    ArticleFactory(headline="Scheduled story", authors=[first, second], lead_photo=photo)
    ArticleFactory(headline="Tomorrow's story", published_at=timezone.now() + timedelta(days=1))

    response = admin_client.get(CHANGELIST)

    html = response.content.decode()
    assert "Zoe Writer and Adam Desk" in html
    assert f'src="{photo.image.url}"' in html
    assert 'alt="A burnt car in a courtyard"' in html
    assert 'width="64" height="48"' in html
    assert ">Scheduled<" in html


def test_changelist_filters_by_author_and_searches_body(admin_client):
    author = AuthorFactory()
    mine = ArticleFactory(authors=[author, AuthorFactory()], body="<p>About ammunition.</p>")
    ArticleFactory(authors=[AuthorFactory()])

    by_author = admin_client.get(CHANGELIST, {"authors__id__exact": author.pk})
    searched = admin_client.get(CHANGELIST, {"q": "ammunition"})

    assert list(by_author.context["cl"].result_list) == [mine]
    assert list(searched.context["cl"].result_list) == [mine]


# ---------------------------------------------------------------- article form


def test_editor_can_create_article_with_ordered_authors_via_admin_post(admin_client, superuser):
    section = SectionFactory()
    person, desk = AuthorFactory(name="Person One"), AuthorFactory(name="News Desk")
    data = article_form_data(
        section,
        tags="war, North Korea, ammunition",
        **byline_management_form(2),
        **{
            "bylines-0-author": str(desk.pk),
            "bylines-0-position": "2",
            "bylines-1-author": str(person.pk),
            "bylines-1-position": "1",
        },
    )

    response = admin_client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.with_related().get(slug="rescuers-search-the-rubble")
    assert article.credited_authors == [person, desk]
    assert [b.position for b in article.bylines.all()] == [1, 2]
    assert sorted(article.tags.names()) == ["North Korea", "ammunition", "war"]
    assert article.created_by == superuser
    assert article.status == Article.Status.DRAFT


def test_byline_rows_without_position_go_last(admin_client):
    article = ArticleFactory(authors=[AuthorFactory(name="First")])
    byline = article.bylines.get()
    added = AuthorFactory(name="Added later")
    data = article_form_data(
        article.section,
        headline=article.headline,
        slug=article.slug,
        status=article.status,
        published_at_0=timezone.localtime(article.published_at).strftime("%Y-%m-%d"),
        published_at_1=timezone.localtime(article.published_at).strftime("%H:%M:%S"),
        **byline_management_form(2, initial=1),
        **{
            "bylines-0-id": str(byline.pk),
            "bylines-0-article": str(article.pk),
            "bylines-0-author": str(byline.author_id),
            "bylines-0-position": "5",
            "bylines-1-author": str(added.pk),
            "bylines-1-position": "",
        },
    )

    response = admin_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.with_related().get(pk=article.pk)
    assert [a.name for a in article.credited_authors] == ["First", "Added later"]
    assert [b.position for b in article.bylines.all()] == [1, 2]


def test_publishing_in_the_form_without_a_time_publishes_now(admin_client):
    section = SectionFactory()
    before = timezone.now()

    response = admin_client.post(
        reverse("admin:articles_article_add"),
        article_form_data(section, status=Article.Status.PUBLISHED),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    assert article.is_public
    assert article.published_at >= before


def test_form_refuses_to_publish_with_uncredited_lead_photo(admin_client):
    photo = PhotoFactory(credit="")
    data = article_form_data(
        SectionFactory(), status=Article.Status.PUBLISHED, lead_photo=str(photo.pk)
    )

    response = admin_client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 200
    assert "lead_photo" in response.context["adminform"].form.errors
    assert not Article.objects.exists()


def test_body_is_sanitized_when_saved_through_admin(admin_client):
    body = (
        '<p onclick="steal()">Hello <script>alert(1)</script>'
        '<a href="javascript:alert(2)">link</a> <a href="https://example.org/">ok</a></p>'
        '<img src="x" onerror="alert(3)"><iframe srcdoc="<script>alert(4)</script>"></iframe>'
        '<p style="position:fixed">styled</p>'
    )

    response = admin_client.post(
        reverse("admin:articles_article_add"), article_form_data(SectionFactory(), body=body)
    )

    assert response.status_code == 302
    stored = Article.objects.get().body.lower()
    for bad in ("<script", "onclick", "javascript:", "onerror", "<iframe", "srcdoc", "style="):
        assert bad not in stored
    assert 'href="https://example.org/"' in stored
    assert "hello" in stored


def test_change_form_shows_public_state_and_ckeditor(admin_client):
    article = ArticleFactory(published_at=timezone.now() + timedelta(hours=3))

    response = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))

    html = response.content.decode()
    assert "Scheduled: appears by itself on" in html
    assert "ckeditor/ckeditor-init.js" in html
    assert reverse("ckeditor_upload") in html


# ---------------------------------------------------------------- actions


def test_publish_action_refuses_photo_without_credit(admin_client):
    credited = ArticleFactory(
        status=Article.Status.DRAFT, published_at=None, lead_photo=PhotoFactory()
    )
    uncredited = ArticleFactory(
        headline="No credit here",
        status=Article.Status.DRAFT,
        published_at=None,
        lead_photo=PhotoFactory(credit="  "),
    )

    response = post_action(admin_client, "publish", credited, uncredited)

    credited.refresh_from_db()
    uncredited.refresh_from_db()
    assert credited.is_public
    assert uncredited.status == Article.Status.DRAFT
    assert uncredited.published_at is None
    shown = page_messages(response)
    assert "Published 1 article." in shown
    refusal = next(m for m in shown if "No credit here" in m)
    assert "has no credit" in refusal
    assert reverse("admin:photos_photo_change", args=[uncredited.lead_photo_id]) in refusal


def test_publish_action_keeps_a_scheduled_time(admin_client):
    later = timezone.now() + timedelta(days=2)
    article = ArticleFactory(status=Article.Status.IN_REVIEW, published_at=later)

    post_action(admin_client, "publish", article)

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == later
    assert article.is_scheduled


def test_unpublish_action(admin_client):
    client = Client()
    article = ArticleFactory()
    assert client.get(article.get_absolute_url()).status_code == 200

    response = post_action(admin_client, "unpublish", article)

    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED
    assert "Unpublished 1 article." in page_messages(response)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_actions_need_change_permission(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(*_perms("view_article"))
    client.force_login(viewer)
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)

    response = client.get(CHANGELIST)
    post_action(client, "publish", article)

    assert response.status_code == 200
    assert "publish" not in dict(
        response.context["cl"].model_admin.get_actions(response.wsgi_request)
    )
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def _perms(*codenames):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)


# ---------------------------------------------------------------- view on site


def test_admin_view_on_site_previews_draft_for_staff(admin_client):
    draft = ArticleFactory(
        headline="Draft in progress", status=Article.Status.DRAFT, published_at=None
    )
    shortcut = reverse(
        "admin:view_on_site", args=[ContentType.objects.get_for_model(Article).pk, draft.pk]
    )

    change_page = admin_client.get(reverse("admin:articles_article_change", args=[draft.pk]))
    redirect = admin_client.get(shortcut)
    preview = admin_client.get(redirect["Location"])

    assert shortcut in change_page.content.decode()
    assert redirect.status_code == 302
    assert redirect["Location"].endswith(draft.get_absolute_url())
    assert preview.status_code == 200
    assert "Draft in progress" in preview.content.decode()


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": Article.Status.DRAFT, "published_at": None},
        {"status": Article.Status.IN_REVIEW, "published_at": None},
        {"status": Article.Status.UNPUBLISHED},
        {"published_at": timezone.now() + timedelta(days=365)},
    ],
    ids=["draft", "in-review", "unpublished", "scheduled"],
)
def test_draft_view_on_site_is_404_for_anonymous(client, overrides):
    article = ArticleFactory(**overrides)
    staff_without_rights = UserFactory(is_staff=True)

    anonymous = client.get(article.get_absolute_url())
    client.force_login(staff_without_rights)
    logged_in = client.get(article.get_absolute_url())

    assert anonymous.status_code == 404
    assert logged_in.status_code == 404


# ---------------------------------------------------------------- photos


def test_photo_list_filters_missing_credit_and_alt(admin_client):
    complete = PhotoFactory()
    no_credit = PhotoFactory(credit="")
    blank_credit = PhotoFactory(credit="   ")
    no_alt = PhotoFactory(alt_text="")
    url = reverse("admin:photos_photo_changelist")

    def listed(**params):
        response = admin_client.get(url, params)
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert listed(missing_credit="yes") == {no_credit, blank_credit}
    assert listed(missing_credit="no") == {complete, no_alt}
    assert listed(missing_alt="yes") == {no_alt}
    assert listed(missing_alt="no") == {complete, no_credit, blank_credit}
    assert listed(missing_credit="no", missing_alt="no") == {complete}


def test_photo_list_edits_credit_in_place(admin_client):
    photo = PhotoFactory(credit="")
    url = reverse("admin:photos_photo_changelist")
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(photo.pk),
        "form-0-caption": "New caption",
        "form-0-credit": "Photo by Jane Doe/Reuters",
        "form-0-alt_text": "A street at night",
        "_save": "Save",
    }

    listing = admin_client.get(url)
    response = admin_client.post(url, data)

    assert 'name="form-0-credit"' in listing.content.decode()
    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.caption, photo.credit, photo.alt_text) == (
        "New caption",
        "Photo by Jane Doe/Reuters",
        "A street at night",
    )


def test_photo_search_covers_credit_and_source(admin_client):
    photo = PhotoFactory(credit="Photo by Ivan Petrenko/Ukrinform", source="Press pool")
    PhotoFactory()
    url = reverse("admin:photos_photo_changelist")

    assert list(admin_client.get(url, {"q": "Ukrinform"}).context["cl"].result_list) == [photo]
    assert list(admin_client.get(url, {"q": "press pool"}).context["cl"].result_list) == [photo]


def test_photo_used_by_article_cannot_be_deleted_without_500(admin_client):
    photo = PhotoFactory()
    article = ArticleFactory(headline="Uses the photo", lead_photo=photo)
    delete_url = reverse("admin:photos_photo_delete", args=[photo.pk])
    changelist = reverse("admin:photos_photo_changelist")

    single_get = admin_client.get(delete_url)
    single_post = admin_client.post(delete_url, {"post": "yes"})
    bulk_ask = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [photo.pk]}
    )
    bulk_confirm = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [photo.pk], "post": "yes"}
    )

    for response in (single_get, single_post, bulk_ask, bulk_confirm):
        assert response.status_code == 200
        html = response.content.decode()
        assert "Cannot delete" in html
        assert "protected related objects" in html
        assert str(article) in html
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_unused_photo_can_be_deleted(admin_client):
    photo = PhotoFactory()

    response = admin_client.post(
        reverse("admin:photos_photo_delete", args=[photo.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Photo.objects.exists()


def test_photo_upload_records_uploader_and_size(admin_client, superuser):
    data = {
        "image": SimpleUploadedFile("street.png", image_bytes(120, 80, "PNG")),
        "alt_text": "A quiet street",
        "caption": "Kyiv, early morning.",
        "credit": "Photo by Jane Doe",
        "tags": "kyiv, streets",
        "focal_x": "0.5",
        "focal_y": "0.5",
        "_save": "Save",
    }

    response = admin_client.post(reverse("admin:photos_photo_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (120, 80)
    assert photo.uploaded_by == superuser
    change_page = admin_client.get(reverse("admin:photos_photo_change", args=[photo.pk]))
    assert 'width="120" height="80"' in change_page.content.decode()


def test_bad_image_upload_shows_field_error_and_keeps_other_fields(admin_client):
    data = {
        "image": SimpleUploadedFile("holiday.jpg", b"this is not a picture", "image/jpeg"),
        "alt_text": "Typed alt text survives",
        "caption": "Typed caption survives the error",
        "credit": "Photo by Someone/Agency",
        "focal_x": "0.5",
        "focal_y": "0.5",
        "_save": "Save",
    }

    response = admin_client.post(reverse("admin:photos_photo_add"), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["image"]
    html = response.content.decode()
    assert "Typed caption survives the error" in html
    assert 'value="Typed alt text survives"' in html
    assert not Photo.objects.exists()


# ---------------------------------------------------------------- authors, sections, tags


def test_tag_admin_shows_article_counts(admin_client):
    ArticleFactory(tags=["war", "ukraine"])
    ArticleFactory(tags=["war"])
    PhotoFactory().tags.add("war")

    response = admin_client.get(reverse("admin:taggit_tag_changelist"))

    assert response.status_code == 200
    counts = {t.name: (t.article_count, t.photo_count) for t in response.context["cl"].result_list}
    assert counts == {"war": (2, 1), "ukraine": (1, 0)}
    assert '<th scope="col" class="sortable column-article_count">' in response.content.decode()


def test_section_admin_counts_articles(admin_client):
    section = SectionFactory(name="Ukraine")
    ArticleFactory.create_batch(2, section=section)

    response = admin_client.get(reverse("admin:articles_section_changelist"))

    counts = {s.name: s.article_count for s in response.context["cl"].result_list}
    assert counts == {"Ukraine": 2}


@pytest.mark.parametrize(
    "name",
    [
        "admin:articles_article_add",
        "admin:photos_photo_add",
        "admin:articles_author_add",
        "admin:articles_section_add",
        "admin:taggit_tag_add",
        "admin:articles_author_changelist",
        "admin:photos_photo_changelist",
        "admin:taggit_tag_changelist",
    ],
)
def test_admin_pages_render(admin_client, name):
    ArticleFactory(authors=[AuthorFactory()], tags=["war"], lead_photo=PhotoFactory())

    assert admin_client.get(reverse(name)).status_code == 200


def test_autocomplete_finds_photos_by_credit_and_authors_by_name(admin_client):
    photo = PhotoFactory(credit="Photo by Olena Shevchenko/AP")
    author = AuthorFactory(name="Kateryna Bondar")
    url = reverse("admin:autocomplete")

    photos = admin_client.get(
        url,
        {
            "term": "Shevchenko",
            "app_label": "articles",
            "model_name": "article",
            "field_name": "lead_photo",
        },
    ).json()
    authors = admin_client.get(
        url,
        {
            "term": "Bondar",
            "app_label": "articles",
            "model_name": "articleauthor",
            "field_name": "author",
        },
    ).json()

    assert [r["id"] for r in photos["results"]] == [str(photo.pk)]
    assert [r["id"] for r in authors["results"]] == [str(author.pk)]


# ---------------------------------------------------------------- CKEditor uploads


@pytest.fixture
def upload_dir(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def ck_upload(client, name: str, content: bytes, token: str = CK_TOKEN):
    client.cookies["ckCsrfToken"] = CK_TOKEN
    return client.post(
        reverse("ckeditor_upload") + "?responseType=json",
        {"upload": SimpleUploadedFile(name, content), "ckCsrfToken": token},
        HTTP_SEC_FETCH_SITE="same-origin",  # a browser says where the post came from
    )


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_ckeditor_upload_is_staff_only(client, upload_dir):
    anonymous = ck_upload(client, "photo.jpg", image_bytes())
    client.force_login(UserFactory())
    reader = ck_upload(client, "photo.jpg", image_bytes())
    client.force_login(UserFactory(is_staff=True))
    staff_without_rights = ck_upload(client, "photo.jpg", image_bytes())

    for response in (anonymous, reader):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert staff_without_rights.status_code == 403
    assert staff_without_rights.json()["uploaded"] == 0
    assert stored_files(upload_dir) == []


def _bmp() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "BMP")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.jpg", b"plain text pretending to be a photo"),
        ("page.html", b"<html><script>alert(document.cookie)</script></html>"),
        ("real-gif.html", image_bytes(fmt="GIF")),
        ("bitmap.jpg", _bmp()),
        ("truncated.jpg", image_bytes(400, 300)[:300]),
        ("empty.png", b""),
    ],
    ids=["text-as-jpg", "html", "gif-named-html", "bmp-as-jpg", "truncated", "empty"],
)
def test_ckeditor_upload_refuses_non_image(admin_client, upload_dir, name, content):
    response = ck_upload(admin_client, name, content)

    assert response.status_code == 200
    answer = response.json()
    assert answer["uploaded"] == 0
    assert answer["error"]["message"]
    assert stored_files(upload_dir) == []


def test_ckeditor_upload_accepts_a_real_image(admin_client, upload_dir):
    response = ck_upload(admin_client, "Street View.png", image_bytes(fmt="PNG"))

    answer = response.json()
    assert answer["uploaded"] == 1
    assert answer["url"].startswith("/media/photos/")  # a library photo: see test_inline_photos
    assert Photo.objects.get().image.url == answer["url"]
    assert any(p.name == "Street_View.png" for p in stored_files(upload_dir))


def test_ckeditor_upload_needs_ckeditor_csrf_token(admin_client, upload_dir):
    response = ck_upload(admin_client, "photo.jpg", image_bytes(), token="x" * 40)

    assert response.status_code == 403
    assert stored_files(upload_dir) == []
