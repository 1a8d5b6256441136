"""History: a revision per save (who, when, what changed), compare two, restore, deletions."""

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.urls import reverse
from reversion.models import Version

from articles import history
from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory
from tests.workflow_support import (
    CHANGELIST,
    administrator,
    article_post,
    change_url,
    client_for,
    contributor,
    editor,
    management_form,
    page_messages,
    photo_editor,
)

pytestmark = pytest.mark.django_db


def save(client, article, **changes):
    response = client.post(change_url(article), article_post(article, **changes))
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    return response


def versions_of(article):
    return history.article_versions(article)


def compare_url(article):
    return reverse("admin:articles_article_compare", args=[article.pk])


def restore_url(article, version):
    return reverse("admin:articles_article_restore", args=[article.pk, version.pk])


def test_every_admin_save_records_who_and_what_changed():
    user = editor(first_name="Iryna")
    article = ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None)
    client = client_for(user)

    save(client, article, headline="New headline", body="<p>New body.</p>")
    save(client, article, status=Article.Status.PUBLISHED)

    latest, first = versions_of(article)
    assert first.revision.user == latest.revision.user == user
    assert "Headline" in first.revision.get_comment() and "Body" in first.revision.get_comment()
    assert latest.revision.get_comment().startswith("Status: In review → Published.")
    assert first.field_dict["headline"] == "New headline"
    assert (history.version_number(first), history.version_number(latest)) == (2, 3)


def test_an_article_added_in_the_admin_has_a_first_revision():
    from tests.factories import SectionFactory

    client_for(editor()).post(
        reverse("admin:articles_article_add"), article_post(section=SectionFactory())
    )

    (version,) = versions_of(Article.objects.get())
    assert version.revision.get_comment() == "Created (draft)."


def test_a_revision_holds_the_byline_and_tags():
    first, second = AuthorFactory(name="First"), AuthorFactory(name="Second")
    article = ArticleFactory(authors=[first, second], tags=["war"])

    save(client_for(editor()), article, tags="war, energy")

    snap = history.snapshot(versions_of(article)[0])
    assert snap.byline == ["First", "Second"]
    assert snap.tags == ["energy", "war"]


def test_bulk_publish_records_a_revision():
    article = ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None)
    user = editor()

    client_for(user).post(CHANGELIST, {"action": "publish", "_selected_action": [article.pk]})

    (version,) = versions_of(article)
    assert version.revision.user == user
    assert version.revision.get_comment() == "Published (action)."
    assert version.field_dict["status"] == "published"


def test_history_page_lists_revisions_with_compare_and_restore():
    article = ArticleFactory()
    client = client_for(editor())
    save(client, article, dek="One")
    save(client, article, dek="Two")

    html = client.get(reverse("admin:articles_article_history", args=[article.pk])).content.decode()

    assert "Version 3 (current)" in html and "Version 2" in html
    assert html.count("Restore…") == 1  # not for the current version
    assert 'action="' + compare_url(article) in html


def test_compare_shows_field_differences_escaped():
    article = ArticleFactory(headline="Shells reach the front", body="<p>One two three.</p>")
    client = client_for(editor())
    save(client, article, headline="Shells <b>reach</b> the line", body="<p>One two four.</p>")
    save(client, article, dek="A standfirst")
    newest, middle, _ = (*versions_of(article), None)

    response = client.get(compare_url(article), {"a": middle.pk, "b": newest.pk})
    first_change = client.get(compare_url(article), {"a": middle.pk, "b": middle.pk})

    labels = [change.label for change in response.context["changes"]]
    assert labels == ["Standfirst (dek)"]
    assert first_change.context["changes"] == []
    full = history.compare(
        history.Snapshot(
            None, {"headline": "Shells reach the front", "body": "<p>a b</p>"}, [], [], []
        ),
        history.snapshot(middle),
    )
    headline = next(c for c in full if c.label == "Headline")
    assert "&lt;b&gt;" in headline.diff and "<b>" not in headline.diff
    body = next(c for c in full if c.label == "Body")
    assert "<del>a b</del>" in body.diff or "<del>" in body.diff


def test_compare_view_renders_for_two_versions():
    article = ArticleFactory(body="<p>Alpha beta.</p>")
    client = client_for(editor())
    save(client, article, body="<p>Alpha gamma.</p>")
    save(client, article, body="<p>Alpha delta.</p>")

    response = client.get(compare_url(article))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Version 2 → version 3" in html
    assert "<del>gamma</del><ins>delta</ins>" in html


def test_restore_is_a_new_revision_named_after_the_version():
    article = ArticleFactory(headline="Old headline", tags=["war"])
    author = AuthorFactory(name="Original Author")
    client = client_for(editor())
    data = article_post(article, headline="Kept headline")
    data.update(management_form("bylines", total=1))
    data.update({"bylines-0-author": str(author.pk), "bylines-0-position": "1"})
    assert client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    save(client, article, headline="Changed headline", tags="energy")
    article.bylines.all().delete()
    target = versions_of(article)[1]  # version 2: "Kept headline", Original Author, war

    confirm = client.get(restore_url(article, target))
    response = client.post(restore_url(article, target), follow=True)

    assert confirm.status_code == 200 and "Restore version 2" in confirm.content.decode()
    article = Article.objects.with_related().get(pk=article.pk)
    assert article.headline == "Kept headline"
    assert [a.name for a in article.credited_authors] == ["Original Author"]
    assert list(article.tags.names()) == ["war"]
    assert article.version == 4
    newest = versions_of(article)[0]
    assert newest.revision.get_comment() == "Restored version 2"
    assert history.version_number(newest) == 4
    assert "Restored version 2; the article is now version 4." in page_messages(response)


def test_restore_needs_the_right_to_change_the_article():
    article = ArticleFactory()
    save(client_for(editor()), article, dek="One")
    save(client_for(editor()), article, dek="Two")
    old = versions_of(article)[1]

    response = client_for(photo_editor()).post(restore_url(article, old))

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.dek == "Two"


def test_contributor_may_not_restore_a_version_that_was_published():
    user = contributor()
    article = ArticleFactory(created_by=user, status=Article.Status.IN_REVIEW, published_at=None)
    chief = client_for(editor())
    save(chief, article, status=Article.Status.PUBLISHED)
    save(chief, article, status=Article.Status.UNPUBLISHED)
    save(chief, article, status=Article.Status.DRAFT)
    published = next(v for v in versions_of(article) if v.field_dict["status"] == "published")

    response = client_for(user).post(restore_url(article, published), follow=True)

    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert any("You may not restore" in m for m in page_messages(response))


def test_restore_refuses_to_publish_what_the_photo_rules_refuse():
    photo = PhotoFactory()
    article = ArticleFactory(lead_photo=photo)
    client = client_for(editor())
    save(client, article, dek="Published with a credited photo")
    save(client, article, status=Article.Status.UNPUBLISHED)
    photo.credit = ""
    photo.save()
    published = versions_of(article)[1]

    response = client.post(restore_url(article, published), follow=True)

    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED
    assert any("was not restored" in m and "no credit" in m for m in page_messages(response))


def test_deleting_a_published_article_needs_an_administrator_and_is_recorded():
    article = ArticleFactory(headline="Published then deleted")
    url = reverse("admin:articles_article_delete", args=[article.pk])
    chief = administrator()

    by_editor = client_for(editor()).post(url, {"post": "yes"})
    bulk_by_editor = client_for(editor()).post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [article.pk], "post": "yes"}
    )
    assert by_editor.status_code == 403
    assert bulk_by_editor.status_code in (200, 403)
    assert Article.objects.filter(pk=article.pk).exists()

    by_admin = client_for(chief).post(url, {"post": "yes"})

    assert by_admin.status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()
    log = LogEntry.objects.get(action_flag=DELETION, object_id=str(article.pk))
    assert log.user == chief
    (deleted,) = Version.objects.get_deleted(Article)
    assert deleted.object_repr == "Published then deleted"
    assert deleted.revision.user == chief
    assert deleted.revision.get_comment().startswith("Deleted by")


def test_editor_may_delete_a_draft():
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)

    response = client_for(editor()).post(
        reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Article.objects.exists()


def test_contributor_restores_an_earlier_draft_of_their_own():
    user = contributor()
    article = ArticleFactory(created_by=user, status=Article.Status.DRAFT, published_at=None)
    client = client_for(user)
    save(client, article, dek="First go")
    save(client, article, dek="Second go")
    first = versions_of(article)[1]

    client.post(restore_url(article, first))

    article.refresh_from_db()
    assert article.dek == "First go"


def test_contributor_may_not_restore_an_editors_schedule():
    user = contributor()
    article = ArticleFactory(created_by=user, status=Article.Status.DRAFT, published_at=None)
    save(client_for(user), article, dek="Mine")
    chief = client_for(editor())
    save(chief, article, featured="on")
    save(chief, article, featured="")
    featured = versions_of(article)[1]
    assert featured.field_dict["featured"] is True

    response = client_for(user).post(restore_url(article, featured), follow=True)

    article.refresh_from_db()
    assert not article.featured
    assert any("other publishing settings" in m for m in page_messages(response))


def test_restoring_a_published_version_shows_on_the_cached_pages(client):
    article = ArticleFactory(headline="First headline", tags=["war"])
    editor_client = client_for(editor())
    save(editor_client, article, headline="Kept headline")
    save(editor_client, article, headline="Changed headline", tags="energy")
    war = reverse("articles:tag", kwargs={"slug": "war"})
    for url in (article.get_absolute_url(), war, "/"):
        client.get(url)  # readers have these pages cached
    kept = versions_of(article)[1]

    editor_client.post(restore_url(article, kept))

    assert "Kept headline" in client.get(article.get_absolute_url()).content.decode()
    assert "Kept headline" in client.get(war).content.decode()
    assert "Kept headline" in client.get("/").content.decode()


def test_a_restored_body_is_cleaned_by_todays_allowlist():
    article = ArticleFactory(body="<p>First version.</p>")
    client = client_for(editor())
    save(client, article, body="<p>Safe paragraph.</p>")
    save(client, article, body="<p>Second version.</p>")
    old = versions_of(article)[1]
    # A revision stored before a sanitizer fix (or tampered with in the database).
    old.serialized_data = old.serialized_data.replace(
        "<p>Safe paragraph.</p>",
        '<p onclick=\\"steal()\\">Safe paragraph.</p><script>steal()</script>',
    )
    old.save()

    client.post(restore_url(article, old))

    article.refresh_from_db()
    assert "Safe paragraph." in article.body
    assert "<script" not in article.body and "onclick" not in article.body
