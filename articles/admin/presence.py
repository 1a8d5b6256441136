"""Presence on the article form: who else has the article open, kept up to date while it is.

The form's script (``static/admin-newsroom/presence.js``) beats here every
``settings.ARTICLE_PRESENCE_SECONDS`` while its tab is visible, saying whether its editor
typed since the last beat, and shows the answer: the other editors present, and a warning
when this editor starts typing while another has the article open. It is a notice only:
the lost-update check (``editing.claim_version``) still refuses the second of two saves.
Kept in the shared cache (``editing.heartbeat``): one cache read and one write a beat, no
database write, never the article (no new version, no purge of public pages).

URLs (in ``ArticleAdmin.get_urls``):

- ``POST <id>/presence/`` (``typing=1`` or ``0``): record the beat →
  ``{"editors": [{"id", "name", "minutes", "typing"}], "interval"}``
- ``POST <id>/presence/leave/`` (the page's ``sendBeacon`` on ``pagehide``): forget the
  user → 204
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from .. import editing
from ..models import Article
from .revisions import display_name

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin
    from django.http import HttpRequest


def urls(model_admin: ModelAdmin) -> list:
    """Return the presence URLs of the article admin (before its ``<path:object_id>/`` ones)."""
    view = model_admin.admin_site.admin_view

    @require_POST
    def beat(request, object_id):
        return beat_view(model_admin, request, object_id)

    @require_POST
    def leave(request, object_id):
        return leave_view(model_admin, request, object_id)

    return [
        path("<path:object_id>/presence/", view(beat), name="articles_article_presence"),
        path(
            "<path:object_id>/presence/leave/",
            view(leave),
            name="articles_article_presence_leave",
        ),
    ]


def settings_for(article: Article) -> dict:
    """Return what the form's script needs: where to beat and leave, and how often (s)."""
    return {
        "url": reverse("admin:articles_article_presence", args=(article.pk,)),
        "leave_url": reverse("admin:articles_article_presence_leave", args=(article.pk,)),
        "interval": editing.presence_interval(),
    }


def _pk(object_id) -> int:
    try:
        return int(object_id)
    except (TypeError, ValueError):
        raise Http404("No such article.") from None


def _article(model_admin: ModelAdmin, request: HttpRequest, object_id) -> Article:
    """Return the article the user may edit; 404/403 otherwise (as autosave does).

    Only what the permission check reads is loaded, not the body: this runs every beat.
    """
    try:
        article = Article.objects.only("pk", "status", "created_by").get(pk=_pk(object_id))
    except Article.DoesNotExist:
        raise Http404("No such article.") from None
    if not model_admin.has_change_permission(request, article):
        raise PermissionDenied
    return article


def beat_view(model_admin: ModelAdmin, request: HttpRequest, object_id) -> JsonResponse:
    article = _article(model_admin, request, object_id)
    user = request.user
    others = editing.heartbeat(
        article.pk, user, display_name(user), typing=request.POST.get("typing") == "1"
    )
    return JsonResponse({"editors": others, "interval": editing.presence_interval()})


def leave_view(model_admin: ModelAdmin, request: HttpRequest, object_id) -> HttpResponse:
    # Only ever the user's own presence, as autosave's discard: no permission needed.
    article_pk = _pk(object_id)
    if not Article.objects.filter(pk=article_pk).exists():
        raise Http404("No such article.")
    editing.done_editing(article_pk, request.user)
    return HttpResponse(status=204)
