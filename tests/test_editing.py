"""The editing rules outside the admin: a command, a task or an API gets the same answers."""

from datetime import timedelta

import pytest
from django.utils import timezone
from reversion.models import Version

from articles import editing
from articles.models import Article
from tests.factories import ArticleFactory, PhotoFactory
from tests.workflow_support import contributor, editor

pytestmark = pytest.mark.django_db


def test_an_editor_publishes_a_draft_now_with_a_revision_saying_so():
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    user = editor()

    assert editing.move(draft, Article.Status.PUBLISHED, user, comment="Published (script).")

    draft.refresh_from_db()
    assert draft.is_public
    assert draft.published_at is not None and draft.published_at <= timezone.now()
    assert draft.last_edited_by == user
    versions = Version.objects.get_for_object(draft)
    assert versions.count() == 1
    assert versions[0].revision.get_comment() == "Published (script)."


def test_a_contributor_may_not_publish_their_own_draft_through_the_rules_either():
    user = contributor()
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=user)

    with pytest.raises(editing.MoveRefused, match="may not"):
        editing.move(draft, Article.Status.PUBLISHED, user, comment="Published (script).")

    assert Article.objects.get(pk=draft.pk).status == Article.Status.DRAFT


def test_an_article_whose_photo_has_no_credit_is_refused_with_the_reason():
    photo = PhotoFactory(credit="")
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None, lead_photo=photo)

    with pytest.raises(editing.MoveRefused) as refused:
        editing.move(draft, Article.Status.PUBLISHED, editor(), comment="Published (script).")

    assert "has no credit" in str(refused.value)
    assert not Article.objects.published().filter(pk=draft.pk).exists()


def test_moving_an_article_to_the_status_it_has_changes_nothing():
    article = ArticleFactory()
    version = article.version

    assert not editing.move(article, Article.Status.PUBLISHED, editor(), comment="again")

    assert Article.objects.get(pk=article.pk).version == version


def test_a_save_from_an_older_version_is_a_conflict():
    article = ArticleFactory()
    loaded = article.version
    article.headline = "Someone else's edit"
    article.save()

    with pytest.raises(editing.EditConflict):
        editing.claim_version(article, loaded)
    editing.claim_version(article, Article.objects.get(pk=article.pk).version)  # current: fine


def test_a_material_update_shows_only_on_an_article_readers_could_see():
    public = ArticleFactory()
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    when = timezone.now() + timedelta(minutes=5)

    assert editing.mark_material_update(public, when, save=True)
    assert not editing.mark_material_update(draft, when, save=True)

    assert Article.objects.get(pk=public.pk).shown_updated_at == when
    assert Article.objects.get(pk=draft.pk).content_updated_at is None


def test_presence_lists_the_other_editors_and_forgets_one_who_saved():
    article = ArticleFactory()
    anna, ben = editor(first_name="Anna"), editor(first_name="Ben")

    assert editing.note_editing(article.pk, anna, "Anna") == []
    others = editing.note_editing(article.pk, ben, "Ben")
    editing.done_editing(article.pk, anna)

    assert [entry["name"] for entry in others] == ["Anna"]
    assert editing.note_editing(article.pk, ben, "Ben") == []
