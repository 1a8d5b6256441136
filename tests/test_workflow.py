"""The editorial workflow: each role tried by direct POST; states, schedules, corrections."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article, ArticleNote
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory
from tests.pages import fresh_page_queries
from tests.workflow_support import (
    ADD_URL,
    CHANGELIST,
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

Status = Article.Status


def draft_of(user, **kwargs) -> Article:
    return ArticleFactory(status=Status.DRAFT, published_at=None, created_by=user, **kwargs)


def post_action(client, action: str, *articles):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(a.pk) for a in articles]},
        follow=True,
    )


def status_choices(response) -> list[str]:
    return [value for value, _ in response.context["adminform"].form.fields["status"].choices]


# Contributors ------------------------------------------------------------------------


def test_contributor_creates_a_draft_they_own():
    user = contributor()

    response = client_for(user).post(ADD_URL, article_post(section=SectionFactory()))

    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.status, article.created_by) == (Status.DRAFT, user)


def test_contributor_cannot_publish_by_direct_post():
    user = contributor()
    article = draft_of(user)

    response = client_for(user).post(
        change_url(article), article_post(article, status=Status.PUBLISHED)
    )

    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert article.published_at is None


def test_contributor_cannot_create_a_published_article_by_direct_post():
    response = client_for(contributor()).post(
        ADD_URL, article_post(section=SectionFactory(), status=Status.PUBLISHED)
    )

    assert response.status_code == 200
    assert not Article.objects.exists()


def test_contributor_cannot_schedule_by_direct_post():
    user = contributor()
    article = draft_of(user)
    later = timezone.localtime(timezone.now() + timedelta(days=1))

    response = client_for(user).post(
        change_url(article),
        article_post(
            article,
            headline="Edited by the writer",
            published_at_0=later.strftime("%Y-%m-%d"),
            published_at_1=later.strftime("%H:%M:%S"),
            featured="on",
        ),
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Edited by the writer"
    assert article.published_at is None
    assert not article.featured


def test_contributor_submits_for_review_with_the_button():
    user = contributor()
    article = draft_of(user)
    client = client_for(user)

    page = client.get(change_url(article))
    data = article_post(article)
    del data["_save"]
    response = client.post(change_url(article), {**data, "_submit_for_review": "1"}, follow=True)

    assert 'name="_submit_for_review"' in page.content.decode()
    assert status_choices(page) == [Status.DRAFT, Status.IN_REVIEW]
    article.refresh_from_db()
    assert article.status == Status.IN_REVIEW
    assert any("submitted for review" in m for m in page_messages(response))


def test_contributor_cannot_edit_someone_elses_article():
    user = contributor()
    theirs = draft_of(editor(), headline="Someone else's draft")

    page = client_for(user).get(change_url(theirs))
    response = client_for(user).post(change_url(theirs), article_post(theirs, headline="Mine now"))

    assert page.status_code == 302  # not in their admin at all
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.headline == "Someone else's draft"


def test_contributor_cannot_edit_their_published_article():
    user = contributor()
    article = ArticleFactory(created_by=user, headline="Out there")

    page = client_for(user).get(change_url(article))
    response = client_for(user).post(change_url(article), article_post(article, headline="Oops"))

    assert page.status_code == 200
    assert "status" not in page.context["adminform"].form.fields  # shown read-only
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.headline == "Out there"


def test_contributor_edits_an_article_they_are_credited_on():
    user = contributor()
    author = AuthorFactory(user=user)
    article = ArticleFactory(status=Status.DRAFT, published_at=None, authors=[author])

    response = client_for(user).post(change_url(article), article_post(article, dek="New dek"))

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.dek == "New dek"


def test_contributor_cannot_use_the_publish_action():
    user = contributor()
    article = draft_of(user)
    client = client_for(user)

    listing = client.get(CHANGELIST)
    post_action(client, "publish", article)

    assert "publish" not in listing.context["cl"].model_admin.get_actions(listing.wsgi_request)
    article.refresh_from_db()
    assert article.status == Status.DRAFT


def test_contributor_lists_only_their_own_articles():
    user = contributor()
    mine = draft_of(user)
    ArticleFactory()

    response = client_for(user).get(CHANGELIST)

    assert list(response.context["cl"].result_list) == [mine]


def test_contributor_cannot_preview_someone_elses_draft_on_the_site():
    user = contributor()
    mine, theirs = draft_of(user), draft_of(editor())
    client = client_for(user)

    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 404


def test_contributor_deletes_their_draft_but_not_their_published_article():
    user = contributor()
    draft, published = draft_of(user), ArticleFactory(created_by=user)
    client = client_for(user)

    deleted = client.post(
        reverse("admin:articles_article_delete", args=[draft.pk]), {"post": "yes"}
    )
    refused = client.post(
        reverse("admin:articles_article_delete", args=[published.pk]), {"post": "yes"}
    )

    assert deleted.status_code == 302
    assert refused.status_code == 403
    assert list(Article.objects.all()) == [published]


# Photo editors -------------------------------------------------------------------------


def test_photo_editor_cannot_publish_by_direct_post():
    article = ArticleFactory(status=Status.IN_REVIEW, published_at=None)
    client = client_for(photo_editor())

    page = client.get(change_url(article))
    form_post = client.post(change_url(article), article_post(article, status=Status.PUBLISHED))
    post_action(client, "publish", article)

    assert page.status_code == 200  # they may look
    assert form_post.status_code == 403
    article.refresh_from_db()
    assert article.status == Status.IN_REVIEW


# Editors -----------------------------------------------------------------------------


def test_editor_publishes_someone_elses_article_from_review():
    article = draft_of(contributor(), headline="Ready")
    article.status = Status.IN_REVIEW
    article.save()
    client = client_for(editor())

    page = client.get(change_url(article))
    response = client.post(change_url(article), article_post(article, status=Status.PUBLISHED))

    assert status_choices(page) == [Status.IN_REVIEW, Status.DRAFT, Status.PUBLISHED]
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_public


def test_published_article_may_only_be_unpublished():
    article = ArticleFactory()
    client = client_for(editor())

    page = client.get(change_url(article))
    response = client.post(change_url(article), article_post(article, status=Status.DRAFT))

    assert status_choices(page) == [Status.PUBLISHED, Status.UNPUBLISHED]
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED


def test_editor_schedules_an_article_that_appears_by_itself():
    article = ArticleFactory(status=Status.IN_REVIEW, published_at=None, headline="Embargoed")
    later = timezone.now().replace(microsecond=0) + timedelta(hours=3)
    local = timezone.localtime(later)
    client = client_for(editor())

    client.post(
        change_url(article),
        article_post(
            article,
            status=Status.PUBLISHED,
            published_at_0=local.strftime("%Y-%m-%d"),
            published_at_1=local.strftime("%H:%M:%S"),
        ),
    )
    listing = client.get(CHANGELIST)

    article.refresh_from_db()
    assert article.is_scheduled
    assert workflow.state_label(article) == "Scheduled"
    assert ">Scheduled<" in listing.content.decode()
    reader = Client()
    assert reader.get(article.get_absolute_url()).status_code == 404
    with time_machine.travel(later + timedelta(seconds=1), tick=False):
        assert reader.get(article.get_absolute_url()).status_code == 200
        assert "Embargoed" in reader.get(reverse("articles:home")).content.decode()


def test_unpublish_time_hides_the_article_by_itself_everywhere():
    until = timezone.now() + timedelta(hours=2)
    article = ArticleFactory(headline="Time-limited piece", unpublish_at=until, tags=["limited"])
    reader = Client()
    pages = (
        article.get_absolute_url(),
        reverse("articles:home"),
        article.section.get_absolute_url(),
        reverse("articles:tag", kwargs={"slug": "limited"}),
    )

    assert reader.get(pages[0]).status_code == 200
    for url in pages[1:]:
        assert "Time-limited piece" in reader.get(url).content.decode()
    with time_machine.travel(until + timedelta(seconds=1), tick=False):
        assert reader.get(pages[0]).status_code == 404
        for url in pages[1:]:
            assert "Time-limited piece" not in reader.get(url).content.decode()


def test_unpublish_time_must_follow_the_publish_time():
    article = ArticleFactory()
    before = timezone.localtime(article.published_at - timedelta(hours=1))

    response = client_for(editor()).post(
        change_url(article),
        article_post(
            article,
            unpublish_at_0=before.strftime("%Y-%m-%d"),
            unpublish_at_1=before.strftime("%H:%M:%S"),
        ),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["unpublish_at"] == [
        "The unpublish time must be after the publish time."
    ]


def test_publishing_in_the_form_obeys_the_photo_rules():
    article = ArticleFactory(
        status=Status.IN_REVIEW, published_at=None, lead_photo=PhotoFactory(alt_text="")
    )

    response = client_for(editor()).post(
        change_url(article), article_post(article, status=Status.PUBLISHED)
    )

    assert response.status_code == 200
    assert "has no alt text" in str(response.context["adminform"].form.errors)
    article.refresh_from_db()
    assert article.status == Status.IN_REVIEW


def test_editors_see_what_waits_for_review_from_the_admin_home():
    ArticleFactory.create_batch(2, status=Status.IN_REVIEW, published_at=None)
    ArticleFactory()
    client = client_for(editor())

    home = client.get(reverse("admin:index")).content.decode()
    listing = client.get(CHANGELIST, {"status__exact": Status.IN_REVIEW})

    link = re.search(r'<a href="([^"]+)">Waiting for review</a></th>\s*<td>(\d+)</td>', home)
    assert link and link[2] == "2"
    assert link[1] == f"{CHANGELIST}?status__exact=review"
    assert len(listing.context["cl"].result_list) == 2
    assert "Waiting for review (2)" in listing.content.decode()


def test_change_form_shows_the_state_clearly():
    article = ArticleFactory(status=Status.IN_REVIEW, published_at=None)

    html = client_for(editor()).get(change_url(article)).content.decode()

    assert '<span class="state state--review">In review</span>' in html
    assert "Not public: waiting for an editor" in html


# Updated time, corrections and structured data ----------------------------------------


def test_material_update_shows_readers_an_updated_time():
    article = ArticleFactory(published_at=timezone.now() - timedelta(days=1))
    client = client_for(editor())

    client.post(change_url(article), article_post(article, dek="New facts", material_update="on"))

    article.refresh_from_db()
    assert article.shown_updated_at is not None
    html = Client().get(article.get_absolute_url()).content.decode()
    assert re.search(r'Updated <time datetime="[^"]+">', html)


def test_a_small_fix_shows_no_updated_time():
    article = ArticleFactory()

    client_for(editor()).post(change_url(article), article_post(article, dek="Typo fixed"))

    article.refresh_from_db()
    assert article.dek == "Typo fixed"
    assert article.shown_updated_at is None
    assert "Updated" not in Client().get(article.get_absolute_url()).content.decode()


def test_first_publication_is_not_an_update():
    article = ArticleFactory(status=Status.IN_REVIEW, published_at=None)

    client_for(editor()).post(
        change_url(article),
        article_post(article, status=Status.PUBLISHED, material_update="on"),
    )

    article.refresh_from_db()
    assert article.is_public
    assert article.content_updated_at is None


def test_correction_note_added_in_the_admin_shows_at_the_foot_and_in_json_ld():
    article = ArticleFactory(headline="Corrected story", published_at=timezone.now() - timedelta(1))
    user = editor()
    data = article_post(article)
    data.update(management_form("notes", total=1))
    data.update({"notes-0-kind": "correction", "notes-0-text": "An earlier version misspelled"})
    data.update({"notes-0-noted_at_0": "2025-01-02", "notes-0-noted_at_1": "10:00:00"})

    response = client_for(user).post(change_url(article), data)

    assert response.status_code == 302
    note = ArticleNote.objects.get()
    assert note.created_by == user
    article.refresh_from_db()
    assert article.shown_updated_at is not None
    page = Client().get(article.get_absolute_url())
    html = page.content.decode()
    assert "Corrections and updates" in html
    assert f'id="note-{note.pk}"' in html
    ld = json.loads(
        re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)[1]
    )
    assert ld["@type"] == "NewsArticle"
    assert ld["headline"] == "Corrected story"
    assert ld["correction"][0]["@type"] == "CorrectionComment"
    assert ld["correction"][0]["text"] == "Correction: An earlier version misspelled"
    assert ld["dateModified"] > ld["datePublished"]


def test_json_ld_lists_authors_and_cannot_end_its_script_early():
    person, desk = AuthorFactory(name="Person One"), AuthorFactory(name="Desk", kind="organization")
    article = ArticleFactory(headline="</script><script>alert(1)</script>", authors=[person, desk])

    response = Client().get(article.get_absolute_url())

    html = response.content.decode()
    # A data block, not a script: no CSP nonce (a cached page would carry a stale one).
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html)
    assert script, "JSON-LD without a nonce"
    assert "</script><script>" not in script[1]
    ld = json.loads(script[1])
    assert ld["headline"] == "</script><script>alert(1)</script>"
    assert [(a["@type"], a["name"]) for a in ld["author"]] == [
        ("Person", "Person One"),
        ("Organization", "Desk"),
    ]


def test_detail_page_with_notes_runs_a_constant_number_of_queries():
    article = ArticleFactory()
    for n in range(5):
        ArticleNote.objects.create(article=article, text=f"Note {n}")
    client = Client()

    # The article page's 6 (related with previous/next, comments) and the notes.
    assert fresh_page_queries(client, article.get_absolute_url()) <= 7

    response = client.get(article.get_absolute_url())
    assert response.content.decode().count('class="story__note ') == 5
