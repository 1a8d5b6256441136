"""The admin home's desk: what waits for the editor, counted in constant queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from articles.models import Article
from articles.templatetags.desk import newsroom_desk
from tests.factories import ArticleFactory, PhotoFactory
from tests.workflow_support import client_for, contributor, editor, photo_editor

pytestmark = pytest.mark.django_db


def desk_rows(client) -> dict[str, str]:
    page = client.get("/admin/").content.decode()
    box = page[page.index('class="module newsroom-desk"') :]
    box = box[: box.index("</table>")]
    rows = re.findall(r'<a href="([^"]*)">([^<]*)</a></th>\s*<td>([^<]*)</td>', box)
    return {label: (href, count) for href, label, count in rows}


def make_newsroom(user, n: int) -> None:
    now = timezone.now()
    for i in range(n):
        ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None)
        ArticleFactory(published_at=now + timedelta(days=i + 1), headline=f"Coming {i}")
        ArticleFactory(published_at=now - timedelta(hours=2))
        ArticleFactory(published_at=now - timedelta(days=3))
        ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=user)
        PhotoFactory(credit="", alt_text="A street")
        PhotoFactory(credit="Reuters", alt_text="")
        PhotoFactory(rights_expire_on=timezone.localdate() + timedelta(days=3))
        PhotoFactory(credit="", imported_without_credit=True)


def test_the_desk_counts_what_waits_and_links_to_it():
    user = editor()
    make_newsroom(user, 2)
    rows = desk_rows(client_for(user))
    assert rows["Waiting for review"] == ("/admin/articles/article/?status__exact=review", "2")
    assert rows["Scheduled"][1] == "2"
    assert rows["Published in the last 24 hours"][1] == "2"
    assert rows["My drafts"][1] == "2"
    assert rows["Photos missing a credit"] == ("/admin/photos/photo/?missing_credit=yes", "4")
    assert rows["Photos missing alt text"][1] == "2"
    assert rows["Photo rights expired or expiring within 7 days"][1] == "2"
    assert rows["Photos imported without a credit"][1] == "2"


def test_the_next_scheduled_articles_show_with_their_times():
    user = editor()
    make_newsroom(user, 1)
    page = client_for(user).get("/admin/").content.decode()
    assert "Next scheduled" in page and "Coming 0" in page


def test_each_role_sees_its_own_rows():
    ArticleFactory()
    writer_rows = desk_rows(client_for(contributor()))
    assert "My drafts" in writer_rows and "Waiting for review" not in writer_rows
    photo_rows = desk_rows(client_for(photo_editor()))
    assert "Photos missing a credit" in photo_rows and "My drafts" not in photo_rows


@pytest.mark.parametrize("size", [1, 6])
def test_the_desk_costs_the_same_queries_whatever_the_newsroom(size, django_assert_num_queries):
    user = editor()
    make_newsroom(user, size)
    request = RequestFactory().get("/admin/")
    request.user = user
    user.get_all_permissions()  # permissions are the session's, not the desk's
    with django_assert_num_queries(3):  # articles, next scheduled, photos
        newsroom_desk({"request": request})
