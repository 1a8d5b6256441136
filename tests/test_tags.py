"""The tag desk: likely duplicates, merge, rename, redirects of old tag URLs, the log."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from taggit.models import Tag

from articles.models import Article, TagChange, TaggedArticle, TagRedirect
from articles.tags import find_duplicate_groups, merge_tags, normalize_tag_name, rename_tag
from photos.models import Photo, TaggedPhoto
from tests.factories import ArticleFactory, PhotoFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:taggit_tag_changelist")
MERGE = reverse("admin:taggit_tag_merge")
DUPLICATES = reverse("admin:taggit_tag_duplicates")


def tag_url(slug: str) -> str:
    return reverse("articles:tag", kwargs={"slug": slug})


def make_tag(name: str, slug: str | None = None) -> Tag:
    return Tag.objects.create(name=name, slug=slug or "")


def staff_with(*perms: str, username: str = "desk"):
    """Return a staff user holding ``perms`` ("app_label.codename")."""
    user = UserFactory(username=username, is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def tag_editor(client):
    """A client logged in as a tag editor who may merge and rename."""
    client.force_login(
        staff_with("taggit.view_tag", "taggit.change_tag", "articles.merge_tags", username="tags")
    )
    return client


@pytest.fixture
def editor(client):
    """A client logged in as an editor who may change tags but not merge or rename them."""
    client.force_login(staff_with("taggit.view_tag", "taggit.change_tag", username="editor"))
    return client


def names_of(obj) -> list[str]:
    return sorted(obj.tags.names())


# ---------------------------------------------------------------- likely duplicates


def test_duplicates_groups_case_spacing_punctuation_and_plurals(admin_client):
    names = [
        "North Korea",
        "north  korea",
        "North-Korea",
        "NorthKorea",
        "N. Korea",  # an abbreviation: not guessed
        "drone",
        "Drones",
        "ammunition",
        "Ammunitions",
        "city",
        "cities",
        "Kyïv",
        "Kyiv",
        "War",
        "Київ",  # Ukrainian letters keep their marks: not "Киів"
        "Киів",
        "glass",
        "glas",
    ]

    groups = find_duplicate_groups(SimpleNamespace(name=n) for n in names)

    assert [[t.name for t in group] for group in groups] == [
        ["North Korea", "north  korea", "North-Korea", "NorthKorea"],
        ["drone", "Drones"],
        ["ammunition", "Ammunitions"],
        ["city", "cities"],
        ["Kyïv", "Kyiv"],
    ]
    assert normalize_tag_name("  Nörth—KOREA! ") == "north korea"

    # The admin page lists the groups, most used tag first, each with a merge link.
    tags = {name: make_tag(name) for name in ("drone", "Drones", "War")}
    ArticleFactory(tags=[tags["Drones"]])
    response = admin_client.get(DUPLICATES)
    assert response.status_code == 200
    [group] = response.context["groups"]
    assert [t.name for t in group["tags"]] == ["Drones", "drone"]
    html = response.content.decode()
    merge_link = f"{MERGE}?tags={tags['Drones'].pk}&amp;tags={tags['drone'].pk}"
    assert f'href="{merge_link}"' in html
    assert "War" not in html.split('id="content-main"')[1]
    # …and the tag list links to it.
    assert f'href="{DUPLICATES}"' in admin_client.get(CHANGELIST).content.decode()


# ---------------------------------------------------------------- merge


def test_merge_moves_articles_and_photos_without_duplicates():
    keep, lower, dashed = make_tag("North Korea"), make_tag("north korea"), make_tag("North-Korea")
    both = ArticleFactory(tags=[keep, lower])
    all_three = ArticleFactory(tags=[keep, lower, dashed])
    two_others = ArticleFactory(tags=[lower, dashed, "War"])
    only_kept = ArticleFactory(tags=[keep])
    photo_both = PhotoFactory()
    photo_both.tags.add(lower, keep)
    photo_other = PhotoFactory()
    photo_other.tags.add(dashed)

    change = merge_tags(keep, [lower, dashed], user=None)

    assert list(Tag.objects.order_by("name").values_list("name", flat=True)) == [
        "North Korea",
        "War",
    ]
    for article in (both, all_three, only_kept):
        assert names_of(article) == ["North Korea"]
    assert names_of(two_others) == ["North Korea", "War"]
    assert names_of(photo_both) == names_of(photo_other) == ["North Korea"]
    # One tagged row per object: nothing tagged twice with the kept tag.
    assert TaggedArticle.objects.filter(tag=keep).count() == 4
    assert TaggedPhoto.objects.filter(tag=keep).count() == 2
    assert Article.objects.filter(tags=keep).count() == 4
    assert Photo.objects.filter(tags=keep).count() == 2
    assert "1 article and 1 photo newly tagged “North Korea”" in change.summary


def test_merge_through_the_admin_action_and_page(tag_editor):
    keep, other = make_tag("drone"), make_tag("drones")
    ArticleFactory(tags=[other])
    ArticleFactory.create_batch(2, tags=[keep])

    response = tag_editor.post(
        CHANGELIST,
        {"action": "merge_selected", "_selected_action": [str(keep.pk), str(other.pk)]},
    )
    assert response.status_code == 302
    page = tag_editor.get(response["Location"])
    assert page.status_code == 200
    assert [t.name for t in page.context["tags"]] == ["drone", "drones"]
    assert page.context["keep_id"] == str(keep.pk)  # the most used one is preselected
    assert f'value="{keep.pk}" id="keep-{keep.pk}" checked' in page.content.decode()

    response = tag_editor.post(MERGE, {"tags": [keep.pk, other.pk], "keep": other.pk})

    assert response.status_code == 302
    assert list(Tag.objects.values_list("name", flat=True)) == ["drones"]
    assert Article.objects.filter(tags__name="drones").count() == 3
    assert TagRedirect.objects.get(old_slug="drone").tag.name == "drones"


def test_merge_page_refuses_a_kept_tag_outside_the_selection(tag_editor):
    a, b, outsider = make_tag("city"), make_tag("cities"), make_tag("War")

    response = tag_editor.post(MERGE, {"tags": [a.pk, b.pk], "keep": outsider.pk})

    assert response.status_code == 200
    assert response.context["form"].errors["keep"]
    assert Tag.objects.count() == 3
    response = tag_editor.post(MERGE, {"tags": [a.pk], "keep": a.pk})
    assert "Select at least two tags to merge." in response.content.decode()


def test_merge_redirects_old_tag_urls_with_301(client, django_assert_max_num_queries):
    keep, other = make_tag("North Korea", "north-korea"), make_tag("N. Korea", "n-korea")
    ArticleFactory(headline="Shells from Pyongyang", tags=[other])

    merge_tags(keep, [other], user=None)

    with django_assert_max_num_queries(2):
        response = client.get(tag_url("n-korea"))
    assert response.status_code == 301
    assert response["Location"] == tag_url("north-korea")
    assert client.get(tag_url("n-korea") + "?page=2")["Location"] == tag_url("north-korea") + (
        "?page=2"
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Shells from Pyongyang" in page.content.decode()
    assert client.get(tag_url("never-existed")).status_code == 404


def test_merge_chain_redirects_follow(client):
    a, b, c = make_tag("A", "a"), make_tag("B", "b"), make_tag("C", "c")

    merge_tags(b, [a], user=None)
    merge_tags(c, [b], user=None)

    # One hop each, no chain of redirects to follow.
    assert client.get(tag_url("a"))["Location"] == tag_url("c")
    assert client.get(tag_url("b"))["Location"] == tag_url("c")
    assert dict(TagRedirect.objects.values_list("old_slug", "tag__slug")) == {"a": "c", "b": "c"}


def test_merge_is_all_or_nothing(monkeypatch):
    keep, other = make_tag("drone"), make_tag("drones")
    article = ArticleFactory(tags=[other])

    def fail(**kwargs):
        raise RuntimeError("log unavailable")

    monkeypatch.setattr(TagChange.objects, "create", fail)
    with pytest.raises(RuntimeError):
        merge_tags(keep, [other], user=None)

    assert Tag.objects.count() == 2
    assert names_of(article) == ["drones"]
    assert not TagRedirect.objects.exists()


def test_merge_is_logged_with_user_and_time():
    user = UserFactory(username="desk-chief")
    keep, first, second = make_tag("ammunition"), make_tag("Ammunitions"), make_tag("ammo")
    when = datetime(2024, 12, 23, 14, 54, tzinfo=UTC)

    with time_machine.travel(when, tick=False):
        merge_tags(keep, [first, second], user=user)

    change = TagChange.objects.get()
    assert change.action == TagChange.Action.MERGE
    assert change.tag == keep
    assert change.changed_by == user
    assert change.changed_at == when
    assert change.old_names == ["Ammunitions", "ammo"]
    assert change.summary.startswith("Merged “Ammunitions”, “ammo” into “ammunition”")


def test_merge_by_the_admin_logs_the_editor(tag_editor):
    keep, other = make_tag("drone"), make_tag("drones")

    tag_editor.post(MERGE, {"tags": [keep.pk, other.pk], "keep": keep.pk})

    assert TagChange.objects.get().changed_by.username == "tags"


def test_editor_without_permission_cannot_merge_by_direct_post(editor):
    keep, other = make_tag("drone"), make_tag("drones")
    ArticleFactory(tags=[other])

    # The action is not offered, the merge page is refused, and so is a forged POST.
    changelist = editor.get(CHANGELIST)
    assert "merge_selected" not in changelist.content.decode()
    assert editor.get(f"{MERGE}?tags={keep.pk}&tags={other.pk}").status_code == 403
    response = editor.post(MERGE, {"tags": [keep.pk, other.pk], "keep": keep.pk})
    assert response.status_code == 403
    response = editor.post(
        CHANGELIST,
        {"action": "merge_selected", "_selected_action": [str(keep.pk), str(other.pk)]},
    )
    assert not response.has_header("Location") or MERGE not in response["Location"]

    assert Tag.objects.count() == 2
    assert Article.objects.get().tags.get() == other
    assert not TagChange.objects.exists()
    assert not TagRedirect.objects.exists()


# ---------------------------------------------------------------- rename


def test_rename_keeps_old_url_working(tag_editor, client):
    tag = make_tag("north korea", "north-korea-2")
    ArticleFactory(headline="Troops at the front", tags=[tag])
    change_url = reverse("admin:taggit_tag_change", args=[tag.pk])

    response = tag_editor.post(
        change_url, {"name": "North Korea", "slug": "north-korea", "_save": "Save"}
    )

    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.slug) == ("North Korea", "north-korea")
    response = client.get(tag_url("north-korea-2"))
    assert response.status_code == 301
    assert response["Location"] == tag_url("north-korea")
    change = TagChange.objects.get()
    assert change.action == TagChange.Action.RENAME
    assert change.changed_by.username == "tags"
    assert change.old_names == ["north korea"]
    assert change.summary == (
        "Renamed “north korea” to “North Korea” and slug “north-korea-2” to “north-korea” "
        "(the old URL redirects)."
    )
    # The tag's page in the admin lists its old slugs.
    assert "<code>north-korea-2</code>" in tag_editor.get(change_url).content.decode()

    # Renaming back to the old slug removes the redirect that would now shadow nothing.
    rename_tag(tag, "North Korea", "north-korea-2", user=None)
    assert dict(TagRedirect.objects.values_list("old_slug", "tag")) == {"north-korea": tag.pk}
    assert client.get(tag_url("north-korea-2")).status_code == 200
    assert client.get(tag_url("north-korea"))["Location"] == tag_url("north-korea-2")


def test_renaming_only_the_name_keeps_the_url_and_is_logged():
    tag = make_tag("north korea", "north-korea")

    rename_tag(tag, "North Korea", "north-korea", user=None)

    assert not TagRedirect.objects.exists()
    assert TagChange.objects.get().summary == "Renamed “north korea” to “North Korea”."
    assert rename_tag(tag, "North Korea", "north-korea", user=None) is None


def test_editor_without_permission_cannot_rename_a_tag(editor):
    tag = make_tag("north korea", "north-korea")
    change_url = reverse("admin:taggit_tag_change", args=[tag.pk])

    page = editor.get(change_url)
    assert page.status_code == 200
    assert 'name="slug"' not in page.content.decode()
    assert "“Can merge and rename tags” permission" in page.content.decode()
    editor.post(change_url, {"name": "DPRK", "slug": "dprk", "_save": "Save"})

    tag.refresh_from_db()
    assert (tag.name, tag.slug) == ("north korea", "north-korea")
    assert not TagRedirect.objects.exists()
    assert not TagChange.objects.exists()


def test_rename_onto_another_tags_slug_is_refused_at_the_field(tag_editor):
    make_tag("War", "war")
    tag = make_tag("wars", "wars")

    response = tag_editor.post(
        reverse("admin:taggit_tag_change", args=[tag.pk]),
        {"name": "wars", "slug": "war", "_save": "Save"},
    )

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["slug"]
    assert not TagRedirect.objects.exists()


def test_a_redirect_cannot_shadow_a_live_tag(admin_client):
    tag = make_tag("War", "war")

    response = admin_client.post(
        reverse("admin:articles_tagredirect_add"), {"old_slug": "war", "tag": tag.pk}
    )

    assert list(response.context["adminform"].form.errors) == ["old_slug"]
    assert not TagRedirect.objects.exists()


# ---------------------------------------------------------------- the tag list


def test_tag_admin_counts_constant_queries(admin_client):
    def changelist_queries() -> tuple[int, dict[str, tuple[int, int, int]]]:
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(CHANGELIST, {"o": "-5"})  # by total uses
        assert response.status_code == 200
        counts = {
            t.name: (t.article_count, t.photo_count, t.usage_count)
            for t in response.context["cl"].result_list
        }
        return len(queries), counts

    ArticleFactory(tags=["topic-0"])
    small, counts = changelist_queries()
    assert counts == {"topic-0": (1, 0, 1)}

    for n in range(1, 30):
        ArticleFactory.create_batch(2, tags=[f"topic-{n}", "topic-0"])
        PhotoFactory().tags.add(f"topic-{n}", "topic-0")
    large, counts = changelist_queries()

    assert len(counts) == 30
    assert counts["topic-0"] == (59, 29, 88)
    assert counts["topic-7"] == (2, 1, 3)
    assert next(iter(counts)) == "topic-0"  # ordered by usage
    assert large == small


def test_tag_admin_searches_and_filters_unused_tags(admin_client):
    make_tag("North Korea")
    make_tag("South Korea")
    ArticleFactory(tags=["South Korea"])

    found = admin_client.get(CHANGELIST, {"q": "north"}).context["cl"].result_list
    unused = admin_client.get(CHANGELIST, {"usage": "unused"}).context["cl"].result_list

    assert [t.name for t in found] == ["North Korea"]
    assert [t.name for t in unused] == ["North Korea"]


def test_tag_with_cyrillic_name_has_a_working_page_and_link(client):
    article = ArticleFactory(tags=["Київ"])
    tag = article.tags.get()
    url = reverse("articles:tag", kwargs={"slug": tag.slug})
    assert client.get(article.get_absolute_url()).status_code == 200
    response = client.get(url)
    assert response.status_code == 200
    assert article.headline in response.content.decode()


def test_merge_page_says_when_a_selected_tag_was_merged_away_meanwhile(tag_editor):
    drone, drones, uav = make_tag("drone"), make_tag("drones"), make_tag("UAV")
    gone = uav.pk
    uav.delete()  # a colleague merged it away after the page was opened

    response = tag_editor.post(MERGE, {"tags": [drone.pk, drones.pk, gone], "keep": drone.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert "A tag you selected no longer exists" in html
    assert [t.name for t in response.context["tags"]] == ["drone", "drones"]
    assert Tag.objects.count() == 2  # nothing merged until the editor confirms again


def test_merge_page_says_when_too_few_tags_are_left(tag_editor):
    drone, uav = make_tag("drone"), make_tag("UAV")
    gone = uav.pk
    uav.delete()

    response = tag_editor.post(MERGE, {"tags": [drone.pk, gone], "keep": drone.pk})

    html = response.content.decode()
    assert "A tag you selected no longer exists" in html
    assert "Select at least two tags to merge." in html
    assert "Back to the tags" in html
