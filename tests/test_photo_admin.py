"""The photo desk's admin: uses, filters, bulk credit, focal point, refusing to delete used ones."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article
from photos import images
from photos.models import Photo
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, UserFactory, image_upload

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:photos_photo_changelist")


def change_url(photo) -> str:
    return reverse("admin:photos_photo_change", args=[photo.pk])


def inline(photo) -> str:
    return f'<p><img src="{photo.image.url}" alt=""></p>'


def listed(client, **params) -> set[Photo]:
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def run_action(client, action: str, photos, **data):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(p.pk) for p in photos], **data},
    )


# ---------------------------------------------------------------- the change page


def test_photo_change_page_lists_every_use_with_admin_links(admin_client):
    photo = PhotoFactory()
    as_lead = ArticleFactory(headline="Lead story", lead_photo=photo)
    in_body = ArticleFactory(headline="Body story", body=f"<p>Text.</p>{inline(photo)}")
    both = ArticleFactory(headline="Both story", lead_photo=photo, body=inline(photo))
    ArticleFactory(headline="Unrelated story", body=inline(PhotoFactory()))
    author = AuthorFactory(name="Olena Writer", avatar=photo)

    html = admin_client.get(change_url(photo)).content.decode()

    used_in = html.split('class="photo-uses"')[1].split("</ul>")[0]
    for article in (as_lead, in_body, both):
        link = reverse("admin:articles_article_change", args=[article.pk])
        assert f'<a href="{link}">{article.headline}</a>' in used_in
    assert "Lead story</a> <span>(lead photo · published)" in used_in
    assert "Body story</a> <span>(inline · published)" in used_in
    assert "Both story</a> <span>(lead photo and inline · published)" in used_in
    assert reverse("admin:articles_author_change", args=[author.pk]) in used_in
    assert "Unrelated story" not in used_in


def test_photo_change_page_shows_a_large_preview(admin_client):
    large = PhotoFactory(image=image_upload(width=1600, height=1200))
    small = PhotoFactory()

    large_html = admin_client.get(change_url(large)).content.decode()
    small_html = admin_client.get(change_url(small)).content.decode()

    assert 'data-focal-point><img src="' in large_html
    assert 'width="720" height="540"' in large_html
    assert f'width="{small.width}" height="{small.height}"' in small_html  # never upscaled


def test_photo_form_names_the_formats_this_server_accepts(admin_client):
    page = admin_client.get(reverse("admin:photos_photo_add"))

    accepted = (
        "JPEG, PNG, WebP, GIF or AVIF." if images.AVIF_SUPPORTED else "JPEG, PNG, WebP or GIF."
    )
    assert page.context["adminform"].form.fields["image"].help_text == accepted
    assert accepted in page.content.decode()


def test_unused_photo_says_so(admin_client):
    html = admin_client.get(change_url(PhotoFactory())).content.decode()

    assert "Not used by any article or author." in html


def test_focal_point_fields_in_admin(admin_client):
    photo = PhotoFactory()
    url = change_url(photo)

    page = admin_client.get(url)
    html = page.content.decode()
    data = {
        "alt_text": photo.alt_text,
        "caption": photo.caption,
        "credit": photo.credit,
        "tags": "",
        "focal_x": "0.25",
        "focal_y": "0.8",
        "_save": "Save",
    }
    saved = admin_client.post(url, data)
    refused = admin_client.post(url, {**data, "focal_x": "1.5"})

    assert 'id="id_focal_x"' in html and 'id="id_focal_y"' in html
    assert 'step="0.001"' in html
    assert "/static/admin-newsroom/focal-point.js" in html
    assert 'class="focal-point__marker"' in html
    assert saved.status_code == 302
    photo.refresh_from_db()
    assert (photo.focal_x, photo.focal_y) == (0.25, 0.8)
    assert refused.status_code == 200
    assert "focal_x" in refused.context["adminform"].form.errors


def test_rights_fields_are_in_a_rights_fieldset(admin_client):
    page = admin_client.get(change_url(PhotoFactory()))

    fieldsets = {fs.name: fs for fs in page.context["adminform"]}
    rights = [field for line in fieldsets["Rights"] for field in line]
    names = [f.field["name"] if isinstance(f.field, dict) else f.field.name for f in rights]
    assert names == ["usage_terms", "syndication_allowed", "rights_expire_on", "rights_status"]


# ---------------------------------------------------------------- the list


def test_photo_list_counts_lead_and_inline_uses_without_a_query_per_row(
    admin_client, django_assert_max_num_queries
):
    photo = PhotoFactory()
    ArticleFactory(lead_photo=photo, body=inline(photo))
    ArticleFactory(body=inline(photo))
    with CaptureQueriesContext(connection) as with_one:
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200

    for _ in range(20):
        other = PhotoFactory()
        ArticleFactory(lead_photo=other, body=inline(other))
    with django_assert_max_num_queries(len(with_one)):
        response = admin_client.get(CHANGELIST)

    html = response.content.decode()
    assert '<td class="field-uses">3 articles</td>' in html
    assert html.count('<td class="field-uses">2 articles</td>') == 20


def test_photo_list_filters_unused_photos(admin_client):
    unused = PhotoFactory()
    lead, body, avatar = PhotoFactory(), PhotoFactory(), PhotoFactory()
    ArticleFactory(lead_photo=lead)
    ArticleFactory(body=inline(body))
    AuthorFactory(avatar=avatar)

    assert listed(admin_client, use="unused") == {unused}
    assert listed(admin_client, use="used") == {lead, body, avatar}


def test_photo_list_filters_by_agency_and_source(admin_client):
    afp = PhotoFactory(agency="AFP", source="Wire")
    reuters = PhotoFactory(agency="Reuters", source="Wire")
    staff = PhotoFactory(agency="", source="Staff")

    assert listed(admin_client, agency="AFP") == {afp}
    assert listed(admin_client, source="Wire") == {afp, reuters}
    assert listed(admin_client, source="Staff") == {staff}


KYIV = ZoneInfo("Europe/Kyiv")
MID_MARCH = datetime(2026, 3, 15, 12, 0, tzinfo=KYIV)


def published_on(*args, photo, inline_use: bool = False, **fields):
    """Return an article published at Kyiv time ``args`` showing ``photo`` (lead or inline)."""
    when = datetime(*args, tzinfo=KYIV)
    if inline_use:
        return ArticleFactory(published_at=when, body=f"<p>Text.</p>{inline(photo)}", **fields)
    return ArticleFactory(published_at=when, lead_photo=photo, **fields)


def test_photo_list_filters_photos_used_in_articles_published_in_a_period(admin_client):
    with time_machine.travel(MID_MARCH, tick=False):
        first_of_month = PhotoFactory()
        published_on(2026, 3, 1, 0, 30, photo=first_of_month)  # 28 Feb 22:30 UTC: still March
        inline_today = PhotoFactory()
        published_on(2026, 3, 15, 9, 0, photo=inline_today, inline_use=True)
        end_of_february = PhotoFactory()
        published_on(2026, 2, 28, 23, 30, photo=end_of_february)
        early_february = PhotoFactory()
        published_on(2026, 2, 10, 8, 0, photo=early_february)
        last_year = PhotoFactory()
        published_on(2025, 12, 31, 20, 0, photo=last_year)
        not_published = PhotoFactory()
        published_on(2026, 3, 20, 8, 0, photo=not_published)  # scheduled
        published_on(2026, 3, 2, 8, 0, photo=not_published, status=Article.Status.DRAFT)
        published_on(
            2026, 3, 3, 8, 0, photo=not_published, unpublish_at=MID_MARCH - timedelta(days=1)
        )
        PhotoFactory()  # unused

        this_month = listed(admin_client, used_published="month")
        last_30_days = listed(admin_client, used_published="30days")
        this_year = listed(admin_client, used_published="year")
        everything = listed(admin_client)

    assert this_month == {first_of_month, inline_today}
    assert last_30_days == {first_of_month, inline_today, end_of_february}
    assert this_year == {first_of_month, inline_today, end_of_february, early_february}
    assert len(everything) == 7


def test_agency_and_used_this_month_list_every_afp_photo_of_the_month(admin_client):
    with time_machine.travel(MID_MARCH, tick=False):
        afp_lead, afp_inline, afp_old = (PhotoFactory(agency="AFP") for _ in range(3))
        reuters = PhotoFactory(agency="Reuters")
        published_on(2026, 3, 10, 8, 0, photo=afp_lead)
        published_on(2026, 3, 11, 8, 0, photo=afp_inline, inline_use=True)
        published_on(2026, 2, 27, 8, 0, photo=afp_old)
        published_on(2026, 3, 12, 8, 0, photo=reuters)
        PhotoFactory(agency="AFP")  # never used

        response = admin_client.get(CHANGELIST, {"agency": "AFP", "used_published": "month"})

    assert set(response.context["cl"].result_list) == {afp_lead, afp_inline}
    filters = [spec.title for spec in response.context["cl"].filter_specs]
    assert "used in articles published" in filters
    html = response.content.decode()
    assert "This month" in html and "In the last 30 days" in html and "This year" in html


def test_used_in_published_filter_runs_a_constant_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    params = {"agency": "AFP", "used_published": "30days"}
    with time_machine.travel(MID_MARCH, tick=False):
        photo = PhotoFactory()
        published_on(2026, 3, 10, 8, 0, photo=photo)
        with CaptureQueriesContext(connection) as with_one:
            response = admin_client.get(CHANGELIST, params)
        assert len(response.context["cl"].result_list) == 1

        for day in range(1, 21):
            lead, body = PhotoFactory(), PhotoFactory()
            published_on(2026, 3, day % 14 + 1, 8, 0, photo=lead)
            published_on(2026, 3, day % 14 + 1, 9, 0, photo=body, inline_use=True)
        with django_assert_max_num_queries(len(with_one)):
            response = admin_client.get(CHANGELIST, params)

    assert len(response.context["cl"].result_list) == 41


def test_photo_search_covers_tags(admin_client):
    tagged = PhotoFactory()
    tagged.tags.add("North Korea")
    PhotoFactory()

    assert listed(admin_client, q="north korea") == {tagged}


# ---------------------------------------------------------------- bulk credit


def test_bulk_set_credit_action(admin_client, superuser):
    first = PhotoFactory(credit="", agency="")
    second = PhotoFactory(credit="Old credit", agency="AP", source="Pool")
    untouched = PhotoFactory(credit="Keep me")

    form_page = run_action(admin_client, "set_credit", [first, second])
    applied = run_action(
        admin_client,
        "set_credit",
        [first, second],
        apply="Apply",
        credit="  Photo by Jane Doe/AFP via Getty Images ",
        agency="AFP",
        photographer="",
        source="",
    )

    assert form_page.status_code == 200
    assert form_page.template_name == "admin/photos/photo/set_credit.html"
    html = form_page.content.decode()
    assert 'name="credit"' in html and 'name="apply"' in html
    assert html.count('name="_selected_action"') == 2
    assert applied.status_code == 302
    for photo in (first, second):
        photo.refresh_from_db()
        assert photo.credit == "Photo by Jane Doe/AFP via Getty Images"
        assert photo.agency == "AFP"
    assert second.source == "Pool"  # left empty in the form: unchanged
    untouched.refresh_from_db()
    assert untouched.credit == "Keep me"
    logged = LogEntry.objects.filter(action_flag=CHANGE, user=superuser)
    assert {int(entry.object_id) for entry in logged} == {first.pk, second.pk}
    messages = [str(m) for m in admin_client.get(CHANGELIST).context["messages"]]
    assert messages == ["Set credit, agency / distributor on 2 photos."]


def test_bulk_set_credit_can_fill_only_empty_credits(admin_client):
    empty = PhotoFactory(credit=" ")
    credited = PhotoFactory(credit="Photo by Someone/Reuters")

    run_action(
        admin_client,
        "set_credit",
        [empty, credited],
        apply="Apply",
        credit="Handout",
        only_empty="on",
    )

    empty.refresh_from_db()
    credited.refresh_from_db()
    assert (empty.credit, credited.credit) == ("Handout", "Photo by Someone/Reuters")


def test_bulk_set_credit_with_an_empty_form_changes_nothing(admin_client):
    photo = PhotoFactory(credit="Original")

    response = run_action(admin_client, "set_credit", [photo], apply="Apply", credit="  ")

    assert response.status_code == 200
    assert "Fill in at least one field" in response.content.decode()
    photo.refresh_from_db()
    assert photo.credit == "Original"


def test_bulk_set_credit_needs_change_permission(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="photos", codename="view_photo")
    )
    client.force_login(viewer)
    photo = PhotoFactory(credit="Original")

    response = client.get(CHANGELIST)
    run_action(client, "set_credit", [photo], apply="Apply", credit="Changed")

    actions = response.context["cl"].model_admin.get_actions(response.wsgi_request)
    assert "set_credit" not in actions
    photo.refresh_from_db()
    assert photo.credit == "Original"


# ---------------------------------------------------------------- deleting


def test_photo_in_use_inline_cannot_be_deleted_lists_articles(admin_client):
    photo = PhotoFactory(caption="Shown in a body")
    article = ArticleFactory(headline="Story with the photo inline", body=inline(photo))
    link = reverse("admin:articles_article_change", args=[article.pk])
    delete_url = reverse("admin:photos_photo_delete", args=[photo.pk])

    single_get = admin_client.get(delete_url)
    single_post = admin_client.post(delete_url, {"post": "yes"})
    bulk_ask = run_action(admin_client, "delete_selected", [photo])
    bulk_confirm = run_action(admin_client, "delete_selected", [photo], post="yes")

    for response in (single_get, single_post, bulk_ask, bulk_confirm):
        assert response.status_code == 200
        html = response.content.decode()
        assert "Cannot delete" in html
        assert "is in use" in html or "are in use" in html
        assert f'<a href="{link}">Story with the photo inline</a>' in html
        assert "shows the photo “Shown in a body” in its body" in html
        assert 'type="submit" value="Yes' not in html
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_bulk_delete_refuses_all_when_one_photo_is_used(admin_client):
    used, unused = PhotoFactory(), PhotoFactory()
    ArticleFactory(body=inline(used))

    response = run_action(admin_client, "delete_selected", [used, unused], post="yes")

    assert response.status_code == 200
    assert Photo.objects.count() == 2


def test_unused_photos_can_be_bulk_deleted(admin_client):
    photos = PhotoFactory.create_batch(2)
    ArticleFactory(body="<p>No photo.</p>")

    response = run_action(admin_client, "delete_selected", photos, post="yes")

    assert response.status_code == 302
    assert not Photo.objects.exists()
