"""Autosave of the article form: an editor's unsaved work, kept per user and per article.

The form's script (``static/admin-newsroom/autosave.js``) posts the whole form here while it
is dirty; it is kept in an ``UnsavedEdit`` row, never in the article: no Article save, no new
version, no purge of public pages. Reopening the form offers to restore it (``offer``); a
successful save of the form deletes it (``clear``). Nobody sees another user's unsaved edit.

URLs (in ``ArticleAdmin.get_urls``):

- ``POST <id>/autosave/`` and ``POST add/autosave/``: store the posted form → ``{"saved_at"}``
- ``GET`` on the same: the user's unsaved edit as JSON, or 404
- ``POST …/autosave/discard/``: delete it → 204
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from .. import history
from ..models import Article, UnsavedEdit
from .revisions import clock

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin
    from django.http import HttpRequest

# The largest form an autosave accepts (the body is most of it).
MAX_BYTES = 2 * 1024 * 1024
# Posted names that are not the form's content.
NOT_CONTENT = frozenset({"csrfmiddlewaretoken", "_save", "_continue", "_addanother"})


def urls(model_admin: ModelAdmin) -> list:
    """Return the autosave URLs of the article admin (before its ``<path:object_id>/`` ones)."""
    view = model_admin.admin_site.admin_view

    @require_http_methods(["GET", "POST"])
    def autosave(request, object_id=None):
        return autosave_view(model_admin, request, object_id)

    @require_POST
    def discard(request, object_id=None):
        return discard_view(model_admin, request, object_id)

    return [
        path("add/autosave/", view(autosave), name="articles_article_autosave_add"),
        path("add/autosave/discard/", view(discard), name="articles_article_autosave_add_discard"),
        path("<path:object_id>/autosave/", view(autosave), name="articles_article_autosave"),
        path(
            "<path:object_id>/autosave/discard/",
            view(discard),
            name="articles_article_autosave_discard",
        ),
    ]


def autosave_url(article: Article | None, *, discard: bool = False) -> str:
    suffix = "_discard" if discard else ""
    if article is None:
        return reverse(f"admin:articles_article_autosave_add{suffix}")
    return reverse(f"admin:articles_article_autosave{suffix}", args=(article.pk,))


def _article(model_admin: ModelAdmin, request: HttpRequest, object_id) -> Article | None:
    """Return the article (None for the add form) the user may edit; 404/403 otherwise."""
    if object_id is None:
        if not model_admin.has_add_permission(request):
            raise PermissionDenied
        return None
    try:
        article = Article.objects.filter(pk=int(object_id)).first()
    except ValueError:
        article = None
    if article is None:
        raise Http404("No such article.")
    if not model_admin.has_change_permission(request, article):
        raise PermissionDenied
    return article


def _too_large(request: HttpRequest) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BYTES
    except ValueError:
        return True


def _form_data(request: HttpRequest) -> dict:
    """Return the posted form: name -> value, or a list of values for a repeated name."""
    return {
        name: values[0] if len(values) == 1 else values
        for name, values in request.POST.lists()
        if name not in NOT_CONTENT and "__prefix__" not in name  # inlines' empty templates
    }


def _version(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _edits(user, article: Article | None):
    return UnsavedEdit.objects.filter(user=user, article=article)


def autosave_view(model_admin, request, object_id=None):
    if request.method == "POST" and _too_large(request):
        return JsonResponse(
            {"error": f"The form is larger than {MAX_BYTES // (1024 * 1024)} MB: not saved."},
            status=413,
        )
    article = _article(model_admin, request, object_id)
    if request.method == "GET":
        edit = _edits(request.user, article).first()
        if edit is None:
            return JsonResponse({"error": "No unsaved changes."}, status=404)
        return JsonResponse(
            {
                "saved_at": clock(edit.saved_at),
                "saved_at_iso": edit.saved_at.isoformat(),
                "base_version": edit.base_version,
                "data": edit.data,
            }
        )
    data = _form_data(request)
    base_version = None
    if article is not None:
        base_version = _version(data.get("loaded_version")) or article.version
    edit, _ = UnsavedEdit.objects.update_or_create(
        user=request.user,
        article=article,
        defaults={"data": data, "base_version": base_version},
    )
    return JsonResponse({"saved_at": clock(edit.saved_at)})


def discard_view(model_admin, request, object_id=None):
    article = None
    if object_id is not None:
        article = Article.objects.filter(pk=_version(object_id) or 0).first()
        if article is None:
            raise Http404("No such article.")
    _edits(request.user, article).delete()  # only ever the user's own
    return HttpResponse(status=204)


def _value(value) -> str:
    if isinstance(value, list):
        return str(value[-1]) if value else ""
    return "" if value is None else str(value)


def offer(request: HttpRequest, article: Article | None) -> dict | None:
    """Return the restore offer for the form the user opens, or None.

    Offered when the user has an unsaved edit newer than the article's last save (any, for
    the add form), with its differences from the saved article.
    """
    edit = _edits(request.user, article).first()
    if edit is None or (article is not None and edit.saved_at <= article.updated_at):
        return None
    data = {name: _value(value) for name, value in edit.data.items()}
    return {
        "when": clock(edit.saved_at),
        "changes": history.form_conflict_changes(article or Article(), data),
    }


def settings_for(article: Article | None) -> dict:
    """Return what the form's script needs: where to autosave and discard."""
    return {"url": autosave_url(article), "discard_url": autosave_url(article, discard=True)}


def clear(user, article: Article | None) -> None:
    """Delete ``user``'s unsaved edit of ``article`` (of the add form for None): it was saved."""
    _edits(user, article).delete()
