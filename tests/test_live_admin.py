"""Live updates in the admin: the "Post an update" box on a live article, the update form."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from live import services
from live.models import LiveUpdate, LiveUpdateAuthor
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory
from tests.workflow_support import (
    change_url,
    client_for,
    contributor,
    editor,
    management_form,
    page_messages,
    photo_editor,
)

pytestmark = pytest.mark.django_db

Status = LiveUpdate.Status
JSON = {"HTTP_ACCEPT": "application/json"}


def post_url(article) -> str:
    return reverse("admin:live_liveupdate_post", args=[article.pk])


def box(**fields) -> dict[str, object]:
    """Return the box's POST data (its fields carry the ``live-`` prefix)."""
    return {f"live-{name}": value for name, value in fields.items()}


def update_change_url(update) -> str:
    return reverse("admin:live_liveupdate_change", args=[update.pk])


def update_post(update, **overrides) -> dict[str, object]:
    """Return the update change form's POST data for ``update`` as it is, changed."""
    update.refresh_from_db()
    local = timezone.localtime(update.published_at) if update.published_at else None
    data = {
        "headline": update.headline,
        "body": update.body,
        "photo": str(update.photo_id or ""),
        "status": update.status,
        "published_at_0": local.strftime("%Y-%m-%d") if local else "",
        "published_at_1": local.strftime("%H:%M:%S") if local else "",
        "correction": update.correction,
        "loaded_version": str(update.version),
        "_save": "Save",
        **management_form("bylines"),
    }
    if update.key_event:
        data["key_event"] = "on"
    if update.pinned:
        data["pinned"] = "on"
    data.update(overrides)
    return data


@pytest.fixture
def live_article():
    return ArticleFactory(live=True, headline="War in the east: live")


@pytest.fixture
def desk():
    return editor()


# Posting from the article's page ------------------------------------------------------


def test_live_article_page_has_the_post_box_and_lists_updates_newest_first(live_article, desk):
    user = desk
    services.post_update(live_article, user, body="<p>Older news.</p>", headline="First one")
    services.post_update(live_article, user, body="<p>Newer news.</p>", headline="Second one")

    page = client_for(user).get(change_url(live_article)).content.decode()

    assert 'id="live-post"' in page
    assert f'action="{post_url(live_article)}"' in page
    assert "live/admin-post.js" in page
    assert page.index("Second one") < page.index("First one")
    # The box is a form of its own, before (not inside) the article's form.
    assert page.index('id="live-post"') < page.index('id="article_form"')


def test_editor_posts_with_script_and_the_update_is_published_with_a_row_to_insert(
    live_article, desk
):
    moment = timezone.make_aware(datetime(2025, 3, 4, 14, 32))
    with time_machine.travel(moment, tick=False):
        response = client_for(desk).post(
            post_url(live_article),
            box(body="<p>Troops crossed the river at dawn.</p>", headline="River crossing"),
            **JSON,
        )

    assert response.status_code == 201
    payload = response.json()
    assert payload["ok"] is True
    update = LiveUpdate.objects.get(article=live_article)
    assert update.status == Status.PUBLISHED
    assert update.published_at == moment
    assert f'id="live-row-{update.pk}"' in payload["html"]
    assert "River crossing" in payload["html"]
    assert ">14:32</time>" in payload["html"]
    with time_machine.travel(moment + timedelta(minutes=1), tick=False):
        page = client_for(desk).get(change_url(live_article)).content.decode()
    assert f'id="live-row-{update.pk}"' in page


def test_editor_posts_without_javascript_and_comes_back_to_the_article_page(live_article, desk):
    client = client_for(desk)
    response = client.post(post_url(live_article), box(body="<p>Shelling resumed.</p>"))

    assert response.status_code == 302
    assert response["Location"].startswith(change_url(live_article))
    page = client.get(response["Location"])
    assert any("Update posted" in message for message in page_messages(page))
    assert "Shelling resumed." in page.content.decode()
    assert LiveUpdate.objects.get().status == Status.PUBLISHED


def test_post_box_credits_the_chosen_authors_in_order(live_article, desk):
    first, second = AuthorFactory(name="Zoe Field"), AuthorFactory(name="Adam Desk")

    client_for(desk).post(
        post_url(live_article),
        {"live-body": "<p>Both reported this.</p>", "live-authors": [second.pk, first.pk]},
        **JSON,
    )

    update = LiveUpdate.objects.get()
    assert update.credited_authors == [second, first]


def test_contributors_update_waits_as_a_draft(live_article):
    writer = contributor()

    response = client_for(writer).post(
        post_url(live_article), box(body="<p>From the field.</p>", pinned="on"), **JSON
    )

    assert response.status_code == 201
    assert "waits for an editor" in response.json()["message"]
    update = LiveUpdate.objects.get()
    assert update.status == Status.DRAFT
    assert update.published_at is None
    assert not update.pinned
    assert not LiveUpdate.objects.published().exists()


@pytest.mark.parametrize("body", ["", "<p>  </p>", "<script>alert(1)</script>"])
def test_empty_or_script_only_body_is_refused_at_the_body_field(live_article, desk, body):
    response = client_for(desk).post(
        post_url(live_article), box(body=body, headline="Kept headline"), **JSON
    )

    assert response.status_code == 400
    payload = response.json()
    assert payload["ok"] is False
    assert len(payload["errors"]["body"]) == 1
    assert "empty" in payload["errors"]["body"][0]
    assert not LiveUpdate.objects.exists()


def test_refused_post_without_javascript_keeps_what_was_typed(live_article, desk):
    client = client_for(desk)
    response = client.post(post_url(live_article), box(body="", headline="My typed headline"))

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'value="My typed headline"' in page
    assert "its text is empty" in page
    assert not LiveUpdate.objects.exists()


def test_photo_without_credit_is_refused_at_the_photo_field(live_article, desk):
    photo = PhotoFactory(credit="")

    response = client_for(desk).post(
        post_url(live_article), box(body="<p>See the picture.</p>", photo=photo.pk), **JSON
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["photo"]
    assert "no credit" in errors["photo"][0]
    assert not LiveUpdate.objects.exists()


def test_unknown_photo_is_a_field_error_not_a_crash(live_article, desk):
    response = client_for(desk).post(
        post_url(live_article), box(body="<p>Text.</p>", photo="999999"), **JSON
    )

    assert response.status_code == 400
    assert "photo" in response.json()["errors"]


def test_posting_does_not_save_the_article(live_article, desk):
    live_article.refresh_from_db()
    version, updated_at = live_article.version, live_article.updated_at

    client_for(desk).post(post_url(live_article), box(body="<p>News.</p>"), **JSON)

    live_article.refresh_from_db()
    assert LiveUpdate.objects.count() == 1
    assert (live_article.version, live_article.updated_at) == (version, updated_at)


def test_non_live_article_has_no_post_box_and_refuses_posts(desk):
    article = ArticleFactory(live=False)
    client = client_for(desk)

    page = client.get(change_url(article)).content.decode()
    assert 'id="live-post"' not in page
    assert 'id="live-panel"' not in page

    assert client.post(post_url(article), box(body="<p>x</p>"), **JSON).status_code == 404
    assert client.post(post_url(article), box(body="<p>x</p>")).status_code == 404
    assert not LiveUpdate.objects.exists()


def test_user_without_the_live_permission_may_not_post(live_article):
    response = client_for(photo_editor()).post(post_url(live_article), box(body="<p>x</p>"), **JSON)

    assert response.status_code == 403
    assert not LiveUpdate.objects.exists()


def test_post_view_takes_only_post_with_a_csrf_token(live_article, desk):
    client = client_for(desk)
    assert client.get(post_url(live_article)).status_code == 405

    client.handler.enforce_csrf_checks = True
    response = client.post(post_url(live_article), box(body="<p>x</p>"), **JSON)
    assert response.status_code == 403
    assert not LiveUpdate.objects.exists()


def test_pinning_an_update_unpins_the_previous_one(live_article, desk):
    old = services.post_update(live_article, desk, body="<p>Read this first.</p>", pinned=True)

    client_for(desk).post(post_url(live_article), box(body="<p>Now this.</p>", pinned="on"), **JSON)

    old.refresh_from_db()
    new = LiveUpdate.objects.exclude(pk=old.pk).get()
    assert new.pinned
    assert not old.pinned


# Unpublishing from the list -----------------------------------------------------------


def test_editor_unpublishes_and_republishes_an_update_from_the_list(live_article, desk):
    update = services.post_update(live_article, desk, body="<p>Wrong.</p>")
    url = reverse("admin:live_liveupdate_status", args=[update.pk])
    client = client_for(desk)

    response = client.post(url, {"status": "draft"}, **JSON)
    assert response.status_code == 200
    assert "Publish</button>" in response.json()["html"]
    update.refresh_from_db()
    assert update.status == Status.DRAFT

    response = client.post(url, {"status": "published"})
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.status == Status.PUBLISHED


def test_contributor_cannot_publish_an_update_from_the_list(live_article):
    writer = contributor()
    update = services.post_update(live_article, writer, body="<p>Mine.</p>")
    url = reverse("admin:live_liveupdate_status", args=[update.pk])

    response = client_for(writer).post(url, {"status": "published"}, **JSON)

    assert response.status_code == 403
    update.refresh_from_db()
    assert update.status == Status.DRAFT


# The update's own form -----------------------------------------------------------------


def test_editing_with_a_stale_version_is_refused_and_keeps_the_text(live_article, desk):
    update = services.post_update(live_article, desk, body="<p>First text.</p>")
    opened = update_post(update, body="<p>My edit.</p>")
    colleague = editor(first_name="Olena", last_name="Koval")
    client_for(colleague).post(
        update_change_url(update), update_post(update, body="<p>Their edit.</p>")
    )

    response = client_for(desk).post(update_change_url(update), opened)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Olena Koval saved this update" in page
    assert "My edit." in page
    update.refresh_from_db()
    assert "Their edit." in update.body


def test_saving_the_update_form_records_editor_and_correction_time(live_article, desk):
    update = services.post_update(live_article, desk, body="<p>Ten people were hurt.</p>")
    fixer = editor()

    response = client_for(fixer).post(
        update_change_url(update),
        update_post(update, correction="An earlier version said ten; it was twelve."),
    )

    assert response.status_code == 302
    update.refresh_from_db()
    assert update.last_edited_by == fixer
    assert update.corrected_at is not None
    assert update.version == 2


def test_contributor_cannot_edit_an_editors_update(live_article, desk):
    update = services.post_update(live_article, desk, body="<p>Editor's text.</p>")
    writer_client = client_for(contributor())

    response = writer_client.post(
        update_change_url(update), update_post(update, body="<p>Changed.</p>")
    )

    assert response.status_code == 403
    update.refresh_from_db()
    assert "Editor's text." in update.body
    delete_url = reverse("admin:live_liveupdate_delete", args=[update.pk])
    assert writer_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert LiveUpdate.objects.filter(pk=update.pk).exists()


def test_contributor_edits_own_draft_but_cannot_publish_it(live_article):
    writer = contributor()
    update = services.post_update(live_article, writer, body="<p>Draft.</p>")

    response = client_for(writer).post(
        update_change_url(update),
        update_post(update, body="<p>Better draft.</p>", status=Status.PUBLISHED),
    )

    update.refresh_from_db()
    assert response.status_code == 200  # the form refuses the status
    assert update.status == Status.DRAFT
    assert "Better draft." not in update.body


def test_pinning_in_the_update_form_unpins_the_others(live_article, desk):
    pinned = services.post_update(live_article, desk, body="<p>Pinned.</p>", pinned=True)
    other = services.post_update(live_article, desk, body="<p>Other.</p>")

    client_for(desk).post(update_change_url(other), update_post(other, pinned="on"))

    pinned.refresh_from_db()
    other.refresh_from_db()
    assert other.pinned
    assert not pinned.pinned


def test_update_form_orders_the_byline_by_position(live_article, desk):
    update = services.post_update(live_article, desk, body="<p>Text.</p>")
    first, second = AuthorFactory(), AuthorFactory()
    data = update_post(update)
    data.update(
        {
            **management_form("bylines", total=2),
            "bylines-0-author": str(second.pk),
            "bylines-0-position": "2",
            "bylines-1-author": str(first.pk),
            "bylines-1-position": "1",
        }
    )

    response = client_for(desk).post(update_change_url(update), data)

    assert response.status_code == 302
    assert list(
        LiveUpdateAuthor.objects.filter(update=update).values_list("author", "position")
    ) == [(first.pk, 1), (second.pk, 2)]
