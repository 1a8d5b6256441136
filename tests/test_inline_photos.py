"""Inline photos: CKEditor uploads and browses the library; the page reads credits from it."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from articles import credits
from articles.models import Article
from photos import images
from photos import views as ckeditor_views
from photos.models import Photo
from public.body import render_body
from tests.factories import ArticleFactory, PhotoFactory, SectionFactory, UserFactory, image_bytes

pytestmark = pytest.mark.django_db

CK_TOKEN = "c" * 20 + "D" * 20
BROWSE = reverse("ckeditor_browse")


def ck_upload(client, name: str, content: bytes, query: str = "?responseType=json", **extra):
    client.cookies["ckCsrfToken"] = CK_TOKEN
    data = {"upload": SimpleUploadedFile(name, content), "ckCsrfToken": CK_TOKEN, **extra}
    return client.post(reverse("ckeditor_upload") + query, data, HTTP_SEC_FETCH_SITE="same-origin")


def inline(photo: Photo, alt: str = "typed in the editor") -> str:
    return f'<p><img src="{photo.image.url}" alt="{alt}"></p>'


def figures(html: str) -> list[str]:
    return re.findall(r'<figure class="inline-photo">.*?</figure>', html, flags=re.S)


def make_editor():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="articles", codename__in=("add_article", "change_article")
        )
    )
    return user


# ---------------------------------------------------------------- CKEditor upload


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_ckeditor_upload_creates_library_photo(client, media_root):
    editor = make_editor()
    client.force_login(editor)

    response = ck_upload(client, "Front Line.jpg", image_bytes(320, 200))

    assert response.status_code == 200
    answer = response.json()
    photo = Photo.objects.get()
    assert answer["uploaded"] == 1
    assert answer["url"] == photo.image.url
    assert photo.image.name.startswith("photos/")
    assert (photo.width, photo.height) == (320, 200)
    assert photo.uploaded_by == editor
    assert f"photo #{photo.pk}" in answer["message"]
    assert "alt text and credit" in answer["message"]
    assert not (media_root / "uploads").exists()


@pytest.mark.skipif(not images.AVIF_SUPPORTED, reason="Pillow without AVIF")
def test_ckeditor_upload_accepts_avif_and_stores_it_as_jpeg(admin_client, media_root):
    response = ck_upload(admin_client, "wire.avif", image_bytes(320, 200, fmt="AVIF"))

    assert response.json()["uploaded"] == 1
    photo = Photo.objects.get()
    assert photo.image.name.endswith("/wire.jpg")
    assert (photo.width, photo.height) == (320, 200)


def test_ckeditor_upload_answers_the_form_method_with_a_callback(admin_client, media_root):
    response = ck_upload(admin_client, "a.png", image_bytes(fmt="PNG"), query="?CKEditorFuncNum=7")

    photo = Photo.objects.get()
    html = response.content.decode()
    assert html.startswith("<script>window.parent.CKEDITOR.tools.callFunction(7, ")
    assert f'"{photo.image.url}"' in html


@pytest.mark.parametrize(
    ("name", "content", "token"),
    [
        ("fake.jpg", b"GIF89a but not really an image", CK_TOKEN),
        (
            "page.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>',
            CK_TOKEN,
        ),
        ("fake.avif", b"\x00\x00\x00\x1cftypavif<html>not an image</html>", CK_TOKEN),
        ("good.jpg", image_bytes(), "x" * 40),
    ],
    ids=["not-an-image", "svg", "not-an-avif", "bad-ckeditor-token"],
)
def test_ckeditor_upload_refusals_create_no_photo(admin_client, media_root, name, content, token):
    admin_client.cookies["ckCsrfToken"] = CK_TOKEN
    response = admin_client.post(
        reverse("ckeditor_upload") + "?responseType=json",
        {"upload": SimpleUploadedFile(name, content), "ckCsrfToken": token},
        HTTP_SEC_FETCH_SITE="same-origin",
    )

    assert response.json()["uploaded"] == 0
    assert not Photo.objects.exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


def test_ckeditor_upload_is_for_article_editors_only(client, media_root):
    client.force_login(UserFactory(is_staff=True))

    response = ck_upload(client, "a.jpg", image_bytes())

    assert response.status_code == 403
    assert not Photo.objects.exists()


# ---------------------------------------------------------------- CKEditor browser


def test_ckeditor_browse_url_is_the_library_browser():
    assert resolve(BROWSE).func is ckeditor_views.browse


def test_library_browser_lists_photos_with_credits(admin_client):
    older = PhotoFactory(caption="Older photo", credit="Photo by A/AFP", alt_text="A tank")
    newer = PhotoFactory(caption="Newer photo", credit="", alt_text="")

    response = admin_client.get(BROWSE, {"CKEditor": "id_body", "CKEditorFuncNum": "3"})

    assert response.status_code == 200
    html = response.content.decode()
    assert list(response.context["photos"]) == [newer, older]
    assert html.index("Newer photo") < html.index("Older photo")
    assert f'data-insert-url="{older.image.url}"' in html
    assert 'data-insert-alt="A tank"' in html
    assert "Photo by A/AFP" in html
    assert 'data-func-num="3"' in html
    assert "Missing credit and alt text" in html
    assert html.count("photo-card--incomplete") == 1
    assert reverse("admin:photos_photo_change", args=[newer.pk]) in html
    assert "/static/admin-newsroom/photo-browser.js" in html
    assert "<script>" not in html.split("</head>")[1]  # no inline script in the page body


def test_library_browser_searches_caption_credit_and_tags(admin_client):
    by_caption = PhotoFactory(caption="Kharkiv tram depot", credit="Photo by B")
    by_credit = PhotoFactory(caption="Other", credit="Photo by Olena/Reuters")
    by_tag = PhotoFactory(caption="Tagged", credit="Photo by C")
    by_tag.tags.add("Energy", "Kharkiv")
    PhotoFactory(caption="Unrelated", credit="Photo by D")

    def found(query):
        response = admin_client.get(BROWSE, {"q": query, "CKEditorFuncNum": "1"})
        return set(response.context["photos"])

    assert found("kharkiv") == {by_caption, by_tag}
    assert found("reuters") == {by_credit}
    assert found("energy") == {by_tag}
    assert found("kharkiv tram") == {by_caption}


def test_library_browser_pages_keep_ckeditor_parameters(admin_client, settings):
    PhotoFactory.create_batch(ckeditor_views.BROWSE_PER_PAGE + 1)

    first = admin_client.get(BROWSE, {"CKEditorFuncNum": "5", "CKEditor": "id_body"})
    second = admin_client.get(BROWSE, {"CKEditorFuncNum": "5", "page": "2"})

    assert len(first.context["photos"]) == ckeditor_views.BROWSE_PER_PAGE
    assert len(second.context["photos"]) == 1
    assert '<a href="?CKEditorFuncNum=5&amp;CKEditor=id_body&amp;page=2" rel="next">' in (
        first.content.decode()
    )
    assert 'name="CKEditorFuncNum" value="5"' in first.content.decode()


def test_library_browser_runs_constant_queries(admin_client, django_assert_max_num_queries):
    PhotoFactory().tags.add("war")
    with CaptureQueriesContext(connection) as with_one:
        assert (
            admin_client.get(BROWSE, {"q": "rescuers", "CKEditorFuncNum": "1"}).status_code == 200
        )

    for _ in range(20):
        PhotoFactory().tags.add("war", "kyiv")
    with django_assert_max_num_queries(len(with_one)):
        response = admin_client.get(BROWSE, {"q": "rescuers", "CKEditorFuncNum": "1"})

    assert len(response.context["photos"]) == 21


def test_library_browser_is_for_article_editors_only(client):
    anonymous = client.get(BROWSE)
    client.force_login(UserFactory(is_staff=True))
    staff_without_rights = client.get(BROWSE)
    client.force_login(make_editor())
    editor = client.get(BROWSE)

    assert anonymous.status_code == 302
    assert staff_without_rights.status_code == 403
    assert editor.status_code == 200


# ---------------------------------------------------------------- the public page


def test_inline_photo_renders_as_figure_with_library_credit(client):
    photo = PhotoFactory(
        caption="Rescuers in Kharkiv.",
        credit="Photo by Jane Doe/AFP via Getty Images",
        alt_text="Rescuers carry a stretcher",
    )
    article = ArticleFactory(
        body=(
            "<p>Intro.</p>"
            f'<figure><img src="{photo.image.url}" alt="old alt" width="800" height="600">'
            "<figcaption>Old caption. Old credit/AP</figcaption></figure>"
            "<p>After.</p>"
        )
    )

    html = client.get(article.get_absolute_url()).content.decode()

    [figure] = figures(html)
    assert f'src="{photo.image.url}"' in figure
    assert 'alt="Rescuers carry a stretcher"' in figure
    assert f'width="{photo.width}" height="{photo.height}"' in figure
    assert 'sizes="(min-width: 44rem) 40rem, 100vw"' in figure
    assert '<span class="caption">Rescuers in Kharkiv.</span>' in figure
    assert '<span class="credit">Photo by Jane Doe/AFP via Getty Images</span>' in figure
    assert "Old credit" not in html
    assert "old alt" not in html
    assert "<p>Intro.</p>" in html and "<p>After.</p>" in html


def test_image_alone_in_a_paragraph_becomes_a_figure_not_a_nested_one():
    photo = PhotoFactory()

    html = render_body(inline(photo), str)

    assert html == (
        f'<figure class="inline-photo">{photo}<figcaption><span class="caption">'
        f'{photo.caption}</span> <span class="credit">{photo.credit}</span></figcaption></figure>'
    )


def test_paragraph_with_text_is_split_around_the_figure():
    photo = PhotoFactory()
    body = f'<p>Before <img src="{photo.image.url}" alt=""> after.</p>'

    html = render_body(body, lambda p: "[IMG]")

    assert html.startswith('<p>Before </p><figure class="inline-photo">[IMG]<figcaption>')
    assert html.endswith("</figure><p> after.</p>")


def test_linked_inline_photo_keeps_its_link():
    photo = PhotoFactory()
    link = '<a href="https://example.org/" rel="noopener noreferrer">'
    body = f'<p>{link}<img src="{photo.image.url}" alt=""></a></p>'

    html = render_body(body, lambda p: "[IMG]")

    assert html.startswith(
        '<figure class="inline-photo"><a href="https://example.org/" rel="noopener noreferrer">'
        "[IMG]</a><figcaption>"
    )


def test_photo_inside_a_heading_gets_the_library_image_without_a_figure():
    photo = PhotoFactory()

    html = render_body(f'<h2>A <img src="{photo.image.url}" alt=""> title</h2>', lambda p: "[IMG]")

    assert html == "<h2>A [IMG] title</h2>"


def test_photos_in_lists_tables_and_quotes_become_figures():
    photo = PhotoFactory()
    img = f'<img src="{photo.image.url}" alt="">'
    body = f"<ul><li>{img}</li></ul><table><tbody><tr><td>{img}</td></tr></tbody></table>"

    html = render_body(body, lambda p: "[IMG]")

    assert html.count('<figure class="inline-photo">[IMG]') == 2
    assert html.startswith('<ul><li><figure class="inline-photo">')


def test_non_library_images_are_left_as_the_sanitizer_left_them(client):
    photo = PhotoFactory()
    loose = (
        '<figure><img src="/media/uploads/2024/loose.jpg" alt="Loose">'
        "<figcaption>Kept</figcaption></figure>"
    )
    article = ArticleFactory(body=loose + inline(photo))

    html = client.get(article.get_absolute_url()).content.decode()

    assert loose in html
    assert len(figures(html)) == 1


def test_inline_photo_caption_and_credit_are_escaped(client):
    photo = PhotoFactory(
        caption='<script>alert("caption")</script>',
        credit='Photo by "Evil" <b>Agency</b>',
        alt_text='" onerror="alert(1)',
    )
    article = ArticleFactory(body=inline(photo))

    html = client.get(article.get_absolute_url()).content.decode()

    [figure] = figures(html)
    assert "<script>" not in figure and "<b>" not in figure
    assert "&lt;script&gt;alert(&quot;caption&quot;)&lt;/script&gt;" in figure
    assert "Photo by &quot;Evil&quot; &lt;b&gt;Agency&lt;/b&gt;" in figure
    assert 'alt="&quot; onerror=&quot;alert(1)"' in figure


def test_correcting_credit_in_library_updates_every_article(client, admin_client):
    photo = PhotoFactory(credit="Photo by Wrong Name/AFP")
    first = ArticleFactory(body=inline(photo))
    second = ArticleFactory(body=f"<p>Text.</p>{inline(photo)}")

    before = [client.get(a.get_absolute_url()).content.decode() for a in (first, second)]
    response = admin_client.post(
        reverse("admin:photos_photo_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(photo.pk),
            "form-0-caption": photo.caption,
            "form-0-credit": "Photo by Right Name/AFP via Getty Images",
            "form-0-alt_text": photo.alt_text,
            "_save": "Save",
        },
    )
    after = [client.get(a.get_absolute_url()).content.decode() for a in (first, second)]

    assert response.status_code == 302
    assert all("Photo by Wrong Name/AFP" in html for html in before)
    for html in after:
        assert "Photo by Wrong Name/AFP" not in html
        assert "Photo by Right Name/AFP via Getty Images" in figures(html)[0]


@pytest.mark.parametrize("count", [1, 20])
def test_inline_photos_constant_queries(client, count):
    article = ArticleFactory(body="<p>No photos yet.</p>", lead_photo=PhotoFactory())
    caches["default"].clear()
    with CaptureQueriesContext(connection) as without_photos:
        client.get(article.get_absolute_url())

    photos = PhotoFactory.create_batch(count)
    for photo in photos:
        assert images.ensure_renditions(photo) == "built"  # the <picture> path, as in production
    article.body = "".join(f"<p>Paragraph {i}.</p>{inline(p)}" for i, p in enumerate(photos))
    article.save()
    caches["default"].clear()  # both pages rendered from a cold cache, counted alike
    with CaptureQueriesContext(connection) as with_photos:
        response = client.get(article.get_absolute_url())

    html = response.content.decode()
    assert len(figures(html)) == count
    assert html.count('<figure class="inline-photo"><picture><source type="image/webp"') == count
    # All the body's photos in one query, whatever their number.
    assert len(with_photos) == len(without_photos) + 1


def test_body_without_library_photos_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_body("<p>Only text.</p>", str)
    assert html == "<p>Only text.</p>"


# ---------------------------------------------------------------- publishing


def article_form(section, body: str, **overrides) -> dict[str, str]:
    return {
        "headline": "Inline photos story",
        "slug": "inline-photos-story",
        "section": str(section.pk),
        "dek": "",
        "body": body,
        "lead_photo": "",
        "lead_photo_caption": "",
        "tags": "",
        "status": Article.Status.PUBLISHED,
        "published_at_0": "",
        "published_at_1": "",
        "reading_time_override": "",
        "seo_title": "",
        "seo_description": "",
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "bylines-MIN_NUM_FORMS": "0",
        "bylines-MAX_NUM_FORMS": "1000",
        "_save": "Save",
        **overrides,
    }


def test_cannot_publish_with_inline_photo_missing_alt(admin_client):
    photo = PhotoFactory(caption="Night shift at the plant", alt_text="")

    response = admin_client.post(
        reverse("admin:articles_article_add"),
        article_form(SectionFactory(), f"<p>Text.</p>{inline(photo, alt='typed here')}"),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == [
        f"The inline photo “Night shift at the plant” (#{photo.pk}) has no alt text. "
        "Add it in the photo library before publishing."
    ]
    assert "Night shift at the plant" in response.content.decode()
    assert not Article.objects.exists()


def test_can_publish_once_the_inline_photo_is_complete(admin_client):
    photo = PhotoFactory(alt_text="")
    data = article_form(SectionFactory(), inline(photo))
    assert admin_client.post(reverse("admin:articles_article_add"), data).status_code == 200

    photo.alt_text = "Workers at the plant"
    photo.save()
    response = admin_client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302
    assert Article.objects.get().is_public


def test_publication_problems_name_lead_and_inline_photos_once_each():
    no_credit = PhotoFactory(caption="No credit", credit=" ")
    no_alt = PhotoFactory(caption="No alt", alt_text="")
    complete = PhotoFactory()
    article = ArticleFactory.build(
        section=SectionFactory(),
        lead_photo=no_credit,
        body=inline(no_credit) + inline(no_alt) + inline(complete) + inline(no_alt),
    )

    problems = credits.publication_problems(article)

    assert problems == [
        f"The lead photo “No credit” (#{no_credit.pk}) has no credit. "
        "Add it in the photo library before publishing.",
        f"The inline photo “No alt” (#{no_alt.pk}) has no alt text. "
        "Add it in the photo library before publishing.",
    ]


def test_inline_photo_missing_credit_and_alt_blocks_clean():
    photo = PhotoFactory(caption="Bare", credit="", alt_text="")
    article = ArticleFactory.build(section=SectionFactory(), body=inline(photo))

    with pytest.raises(ValidationError) as caught:
        article.full_clean()

    assert any("has no credit and no alt text" in m for m in caught.value.messages)


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},  # a sibling subdomain that planted the cookie
        {"HTTP_ORIGIN": "https://evil.example"},
        {},  # no word from a browser at all
    ],
    ids=["cross-site", "sibling-subdomain", "foreign-origin", "no-origin"],
)
def test_ckeditor_upload_refuses_a_post_from_another_site(admin_client, media_root, headers):
    admin_client.cookies["ckCsrfToken"] = CK_TOKEN
    response = admin_client.post(
        reverse("ckeditor_upload") + "?responseType=json",
        {"upload": SimpleUploadedFile("photo.jpg", image_bytes()), "ckCsrfToken": CK_TOKEN},
        **headers,
    )

    assert response.status_code == 403
    assert "not sent from this site's editor" in response.json()["error"]["message"]
    assert not Photo.objects.exists()


def test_ckeditor_upload_from_the_sites_own_origin_header_is_accepted(admin_client, media_root):
    admin_client.cookies["ckCsrfToken"] = CK_TOKEN
    response = admin_client.post(
        reverse("ckeditor_upload") + "?responseType=json",
        {"upload": SimpleUploadedFile("photo.jpg", image_bytes()), "ckCsrfToken": CK_TOKEN},
        HTTP_ORIGIN="http://testserver",
    )

    assert response.json()["uploaded"] == 1
