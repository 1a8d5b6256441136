"""The newsletter form and the comments on the real pages, which stay cacheable."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from tests.factories import ArticleFactory

THANK_YOU = (
    "Thank you for signing up for this newsletter. We&#x27;ve sent you a confirmation email."
)

pytestmark = pytest.mark.django_db


def test_the_article_page_has_the_sign_up_form_and_the_comments_and_is_still_cached(client):
    article = ArticleFactory(headline="Bridge reopens")
    Comment.objects.create(
        article=article, name="Oksana", email="o@example.org", text="At last!", status="approved"
    )

    first = client.get(article.get_absolute_url())
    again = client.get(article.get_absolute_url())

    html = first.content.decode()
    assert 'action="/newsletter/"' in html
    assert "1 comment" in html and "At last!" in html
    assert "o@example.org" not in html
    assert "csrfmiddlewaretoken" not in html
    assert (first["X-Cache"], again["X-Cache"]) == ("miss", "hit")


def test_the_home_page_has_the_sign_up_form_and_it_works_without_javascript(client):
    ArticleFactory()
    home = client.get(reverse("articles:home")).content.decode()
    assert 'action="/newsletter/"' in home
    field = re.search(r'<input type="email" name="([^"]+)"', home)[1]

    response = Client(enforce_csrf_checks=True).post(
        "/newsletter/",
        {field: "reader@example.org"},
        HTTP_SEC_FETCH_SITE="same-origin",
        follow=True,
    )

    assert THANK_YOU in response.content.decode()
    assert len(mail.outbox) == 1


def test_an_approved_comment_shows_on_the_next_request_of_the_cached_page(client):
    article = ArticleFactory()
    comment = Comment.objects.create(
        article=article, name="Ivan", email="i@example.org", text="Pending words", status="pending"
    )
    assert "Pending words" not in client.get(article.get_absolute_url()).content.decode()
    client.get(article.get_absolute_url())  # now served from the cache

    comment.status = Comment.Status.APPROVED
    comment.save()

    assert "Pending words" in client.get(article.get_absolute_url()).content.decode()


def test_a_reader_with_a_message_waiting_gets_the_page_with_it_not_the_cached_copy(client):
    article = ArticleFactory()
    assert client.get(article.get_absolute_url())["X-Cache"] == "miss"
    assert client.get(article.get_absolute_url())["X-Cache"] == "hit"

    response = client.post(
        reverse("comments:post", args=[article.slug]),
        {"name": "Olena", "email": "o@example.org", "text": "Thanks.", "website": ""},
        HTTP_SEC_FETCH_SITE="same-origin",
        follow=True,
    )

    assert "your comment is waiting for moderation" in response.content.decode()
    assert client.get(article.get_absolute_url())["X-Cache"] == "hit"  # and then the copy


def test_a_logged_in_editor_never_gets_the_early_cached_copy(admin_client):
    article = ArticleFactory()
    reader = Client()
    reader.get(article.get_absolute_url())
    assert reader.get(article.get_absolute_url())["X-Cache"] == "hit"

    page = admin_client.get(article.get_absolute_url())

    assert "X-Cache" not in page
    assert "Edit post" in page.content.decode()
