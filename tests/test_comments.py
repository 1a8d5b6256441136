"""Readers' comments: posting, refusals that keep the text, moderation, display, queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants, get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core import mail
from django.core.cache import cache
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments import views
from comments.models import ArticleCommentState, Comment
from newsroom.pagecache import current_generation
from tests.factories import ArticleFactory
from tests.workflow_support import client_for, contributor, editor

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:comments_comment_changelist")
TEXT = "The bridge was rebuilt in 1948, not 1952."


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def article():
    return ArticleFactory(headline="Bridge reopens", slug="bridge-reopens")


def post_url(article: Article) -> str:
    return reverse("comments:post", args=[article.slug])


def data(**overrides) -> dict[str, str]:
    return {
        "name": "Olena",
        "email": "olena@example.org",
        "text": TEXT,
        "reply_to": "",
        "website": "",
        **overrides,
    }


def make_comment(article: Article, status=Comment.Status.APPROVED, **fields) -> Comment:
    fields = {"name": "Taras", "email": "taras@example.org", "text": "First!", **fields}
    return Comment.objects.create(article=article, status=status, **fields)


def render_block(article: Article, request=None) -> str:
    """Return what ``{% article_comments article %}`` shows an anonymous reader."""
    if request is None:
        request = RequestFactory().get(article.get_absolute_url())
        request.user = AnonymousUser()
    template = Template("{% load comments %}{% article_comments article %}")
    return template.render(Context({"article": article, "request": request}))


def page_text(response) -> str:
    return response.content.decode()


def textarea_value(html: str) -> str:
    match = re.search(r'<textarea name="text"[^>]*>\n?(.*?)</textarea>', html, re.DOTALL)
    assert match, "no comment text area"
    return match.group(1)


def act(client: Client, action: str, comments, query: str = "?status=all"):
    return client.post(
        QUEUE + query, {"action": action, "_selected_action": [c.pk for c in comments]}
    )


# --- Posting and moderation --------------------------------------------------------------


def test_posted_comment_waits_for_moderation_and_is_not_shown(client, article):
    response = client.post(
        post_url(article), data(), HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="203.0.113.7"
    )

    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}#comments"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [views.THANKS_PENDING]
    comment = Comment.objects.get()
    assert (comment.status, comment.name, comment.text) == ("pending", "Olena", TEXT)
    assert (comment.ip_address, comment.user_agent) == ("203.0.113.7", "Firefox/140")
    block = render_block(article)
    assert TEXT not in block
    assert "No comments yet" in block


def request_with_messages(article: Article, carried: HttpResponse | None = None):
    """Return a reader's request carrying the message cookie that ``carried`` set."""
    request = RequestFactory().get(article.get_absolute_url())
    request.user = AnonymousUser()
    request.session = SessionStore()
    if carried is not None:
        request.COOKIES = {name: morsel.value for name, morsel in carried.cookies.items()}
    request._messages = FallbackStorage(request)
    return request


def test_thank_you_message_is_shown_in_the_comments_block_and_others_kept(article):
    posted = request_with_messages(article)
    posted._messages.add(constants.SUCCESS, views.THANKS_PENDING, extra_tags="comments")
    posted._messages.add(constants.INFO, "Another app's news")
    redirect = HttpResponse()
    posted._messages.update(redirect)

    page = request_with_messages(article, carried=redirect)
    block = render_block(article, page)
    after = HttpResponse()
    page._messages.update(after)

    assert "Thank you — your comment is waiting for moderation." in block
    assert "Another app" not in block
    assert [str(m) for m in request_with_messages(article, carried=after)._messages] == [
        "Another app's news"
    ]


def test_editor_approves_from_the_queue_and_the_comment_appears_with_its_count(client, article):
    make_comment(
        article,
        text="Earlier, approved.",
        created_at=timezone.now() - timedelta(hours=1),
    )
    client.post(post_url(article), data())
    moderator = editor()
    desk = client_for(moderator)

    queue = desk.get(QUEUE)
    assert queue.status_code == 200
    assert "The bridge was rebuilt" in page_text(queue)  # pending: in the queue by default
    assert "Earlier, approved." not in page_text(queue)

    pending = Comment.objects.get(status=Comment.Status.PENDING)
    response = act(desk, "approve", [pending], query="")

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Comment.Status.APPROVED
    assert pending.moderated_by == moderator and pending.moderated_at is not None
    block = render_block(article)
    assert "2 comments" in block
    assert block.index("Earlier, approved.") < block.index("The bridge was rebuilt")  # oldest first


def test_approving_refreshes_cached_pages(article):
    comment = make_comment(article, status=Comment.Status.PENDING)
    before = current_generation()

    act(client_for(editor()), "approve", [comment])

    assert current_generation() != before


def test_post_moderation_publishes_at_once_and_jumps_to_the_comment(client, article, settings):
    settings.COMMENTS_MODERATION = "post"

    response = client.post(post_url(article), data())

    comment = Comment.objects.get()
    assert comment.status == Comment.Status.APPROVED
    assert response["Location"] == f"{article.get_absolute_url()}#comment-{comment.pk}"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [views.THANKS_PUBLISHED]
    block = render_block(article)
    assert f'id="comment-{comment.pk}"' in block
    assert "1 comment<" in block


@pytest.mark.parametrize("action", ["reject", "mark_spam"])
def test_rejected_or_spam_comments_leave_the_page(article, action):
    comment = make_comment(article, text="Buy cheap watches")
    assert "Buy cheap watches" in render_block(article)

    act(client_for(editor()), action, [comment])

    comment.refresh_from_db()
    assert comment.status == {"reject": "rejected", "mark_spam": "spam"}[action]
    assert "Buy cheap watches" not in render_block(article)


def test_editor_is_notified_of_a_new_comment(client, article, settings):
    settings.COMMENTS_NOTIFY_EMAILS = ["desk@example.org"]

    client.post(post_url(article), data())

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["desk@example.org"]
    assert "Bridge reopens" in message.subject
    comment = Comment.objects.get()
    assert TEXT in message.body
    assert f"/admin/comments/comment/{comment.pk}/change/" in message.body
    assert "olena@example.org" not in message.body


def test_nobody_is_notified_when_no_address_is_set(client, article):
    client.post(post_url(article), data())

    assert Comment.objects.count() == 1
    assert mail.outbox == []


def test_contributor_without_the_permissions_cannot_moderate(article):
    comment = make_comment(article, status=Comment.Status.PENDING)
    writer = client_for(contributor())

    assert writer.get(QUEUE).status_code == 403
    assert act(writer, "approve", [comment]).status_code == 403
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


# --- Replies -----------------------------------------------------------------------------


def test_reply_is_shown_under_its_comment(client, article, settings):
    settings.COMMENTS_MODERATION = "post"
    first = make_comment(article, text="Which bridge?")
    later = make_comment(article, text="Unrelated later comment.")

    form_page = client.get(f"{post_url(article)}?reply_to={first.pk}")
    assert form_page.status_code == 200
    assert "Reply to Taras" in page_text(form_page)
    assert f'name="reply_to" value="{first.pk}"' in page_text(form_page)

    client.post(post_url(article), data(text="The old one.", reply_to=str(first.pk)))

    reply = Comment.objects.get(text="The old one.")
    assert reply.parent == first
    block = render_block(article)
    assert "3 comments" in block
    replies = block[block.index('class="comments__replies"') :]
    assert "The old one." in replies
    assert block.index("The old one.") < block.index("Unrelated later comment.")
    assert later.pk


def test_reply_to_a_reply_joins_the_top_level_comment(client, article):
    top = make_comment(article, text="Top")
    reply = make_comment(article, text="Reply", parent=top)

    client.post(post_url(article), data(text="Reply to the reply", reply_to=str(reply.pk)))

    assert Comment.objects.get(text="Reply to the reply").parent == top


def test_reply_to_a_comment_that_is_not_shown_is_refused_with_text_kept(client, article):
    hidden = make_comment(article, status=Comment.Status.SPAM)

    response = client.post(post_url(article), data(reply_to=str(hidden.pk)))

    assert response.status_code == 200
    html = page_text(response)
    assert "The comment you are replying to is no longer shown" in html
    assert textarea_value(html) == TEXT
    assert Comment.objects.count() == 1


# --- Privacy and safe text ---------------------------------------------------------------


def test_email_and_address_are_never_on_public_pages(client, article):
    comment = make_comment(article, email="secret.reader@example.org", ip_address="198.51.100.9")

    block = render_block(article)
    reply_page = page_text(client.get(f"{post_url(article)}?reply_to={comment.pk}"))

    for html in (block, reply_page):
        assert "Taras" in html
        assert "secret.reader" not in html
        assert "198.51.100.9" not in html


def test_html_is_escaped_and_links_pass_no_rank(article):
    make_comment(
        article,
        text=(
            '<script>alert("x")</script> <b>bold</b>\n\n'
            "See https://example.org/report and www.example.com/a?b=1&c=2"
        ),
    )

    block = render_block(article)

    assert "<script>" not in block and "<b>" not in block
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in block
    assert (
        '<a rel="nofollow ugc noopener" href="https://example.org/report">'
        "https://example.org/report</a>"
    ) in block
    assert 'href="https://www.example.com/a?b=1&amp;c=2"' in block
    assert block.count("<a rel=") == 2
    assert "<p>See " in block  # the blank line starts a paragraph


# --- Refusals: a clear message, the text kept, never a 500 --------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"text": "x" * 3001},
            "text",
            "Your comment is 3,001 characters long; the limit is 3,000.",
        ),
        (
            {"text": "Look: https://a.example/ https://b.example/ https://c.example/"},
            "text",
            "Your comment has 3 links; at most 2 are allowed.",
        ),
        (
            {"website": "https://spam.example/"},
            "website",
            "This field catches spam robots and must stay empty.",
        ),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
    ],
    ids=["too-long", "too-many-links", "honeypot", "bad-email"],
)
def test_refused_post_says_why_at_the_field_and_keeps_the_text(
    client, article, overrides, field, message
):
    sent = data(**overrides)

    response = client.post(post_url(article), sent)

    assert response.status_code == 200
    html = page_text(response)
    assert message in html
    error = re.search(rf'<ul class="errorlist" id="comment-{field}_error">', html)
    assert error, "error not linked to its field"
    assert re.search(rf'aria-describedby="[^"]*comment-{field}_error', html)
    assert textarea_value(html) == sent["text"]
    assert 'value="Olena"' in html
    assert ('class="comment-form__hp"' in html) == (field != "website")  # an error is seen
    assert Comment.objects.count() == 0


def test_flood_from_one_address_gets_429_and_keeps_the_text(client, article, settings):
    settings.COMMENTS_RATE_LIMIT_IP = 2
    for n in range(2):
        client.post(post_url(article), data(email=f"r{n}@example.org", text=f"Comment {n}"))

    response = client.post(post_url(article), data(email="r9@example.org"))

    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.COMMENTS_RATE_LIMIT_WINDOW)
    html = page_text(response)
    assert "You have sent a lot of comments in a short time" in html
    assert textarea_value(html) == TEXT
    assert Comment.objects.count() == 2


def test_too_many_comments_from_one_email_get_429(article, settings):
    settings.COMMENTS_RATE_LIMIT_EMAIL = 1
    Client(REMOTE_ADDR="192.0.2.1").post(post_url(article), data(text="One"))

    response = Client(REMOTE_ADDR="192.0.2.2").post(
        post_url(article), data(email="OLENA@example.org")
    )

    assert response.status_code == 429
    assert "This e-mail address has posted several comments" in page_text(response)
    assert textarea_value(page_text(response)) == TEXT
    assert Comment.objects.count() == 1


def test_closed_article_refuses_comments_with_a_message(client, article):
    make_comment(article, text="Said before closing.")
    act(client_for(editor()), "close_comments", Comment.objects.all())
    assert ArticleCommentState.objects.get(article=article).closed

    response = client.post(post_url(article), data())

    assert response.status_code == 403
    html = page_text(response)
    assert views.CLOSED_HERE in html
    assert textarea_value(html) == TEXT
    assert "Post comment" not in html
    block = render_block(article)
    assert "Said before closing." in block
    assert "Comments are closed on this article." in block
    assert "<form" not in block


def test_comments_switched_off_site_wide(client, article, settings):
    settings.COMMENTS_ENABLED = False

    response = client.post(post_url(article), data())

    assert response.status_code == 403
    assert views.CLOSED_SITE in page_text(response)
    assert textarea_value(page_text(response)) == TEXT
    assert Comment.objects.count() == 0
    assert "switched off" in render_block(article)


def test_state_admin_reopens_comments(article):
    ArticleCommentState.objects.create(article=article, closed=True)
    desk = client_for(editor())

    response = desk.post(
        reverse("admin:comments_articlecommentstate_changelist"),
        {"action": "reopen", "_selected_action": [article.pk]},
    )

    assert response.status_code == 302
    assert "<form" in render_block(article)


def test_draft_article_takes_no_comments(client):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)

    assert client.get(post_url(draft)).status_code == 404
    assert client.post(post_url(draft), data()).status_code == 404
    assert Comment.objects.count() == 0
    assert render_block(draft).strip() == ""


def test_post_from_another_site_is_refused_with_the_text_kept(article):
    browser = Client(enforce_csrf_checks=True)

    forged = browser.post(post_url(article), data(), HTTP_SEC_FETCH_SITE="cross-site")

    assert forged.status_code == 403
    assert "was not posted" in page_text(forged)
    assert textarea_value(page_text(forged)) == TEXT
    assert 'name="csrfmiddlewaretoken"' in page_text(forged)  # sending again works
    assert Comment.objects.count() == 0


def test_article_page_form_needs_no_token_from_a_same_origin_browser(article):
    browser = Client(enforce_csrf_checks=True)

    by_fetch_metadata = browser.post(post_url(article), data(), HTTP_SEC_FETCH_SITE="same-origin")
    by_origin = browser.post(
        post_url(article), data(email="b@example.org"), HTTP_ORIGIN="http://testserver"
    )

    assert by_fetch_metadata.status_code == 302 and by_origin.status_code == 302
    assert Comment.objects.count() == 2
    assert "csrfmiddlewaretoken" not in render_block(article)  # the page stays cacheable


# --- Queries -----------------------------------------------------------------------------


@pytest.mark.parametrize("top_level", [1, 50])
def test_comments_block_takes_constant_queries(article, django_assert_num_queries, top_level):
    now = timezone.now()
    for n in range(top_level):
        top = make_comment(article, text=f"Comment {n}", created_at=now)
        make_comment(article, text=f"Reply {n}", parent=top, created_at=now)
    make_comment(article, status=Comment.Status.PENDING, text="Pending")

    with django_assert_num_queries(2):  # the comments, and whether the article is closed
        block = render_block(article)

    assert f"{top_level * 2} comments" in block
    assert block.count('class="comment"') == top_level * 2
