"""Posting from the live article's admin page: the "Post an update" box, its list, its views.

The box sits above the article's change form (``extend_article_admin(panel=…)``) in a
form of its own, so posting never saves (or needs) the article form. With JavaScript
(``live/admin-post.js``) it posts with ``fetch`` and gets JSON back; without, the same
views answer with a redirect to the article's page and a message.
"""

from __future__ import annotations

from dataclasses import dataclass

from ckeditor_uploader.widgets import CKEditorUploadingWidget
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.db.models.functions import Coalesce
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from articles.admin.revisions import clock
from articles.models import Article, Author
from photos.models import Photo

from . import services, workflow
from .models import LiveUpdate, LiveUpdateAuthor

Status = LiveUpdate.Status
PREFIX = "live"
# Updates listed under the box; the rest are in the live updates list, filtered.
PANEL_ROWS = 50


def _session_key(article_id: int) -> str:
    return f"live:post:{article_id}"


# The box's form ----------------------------------------------------------------------


class PostUpdateForm(forms.Form):
    """What the box sends; the update itself is checked by the model (``full_clean``)."""

    body = forms.CharField(label="Update", required=False)
    headline = forms.CharField(label="Headline (optional)", max_length=200, required=False)
    key_event = forms.BooleanField(label="Key event", required=False)
    pinned = forms.BooleanField(label="Pin it (unpins the pinned one)", required=False)
    photo = forms.ModelChoiceField(
        Photo.objects.all(), label="Library photo (optional)", required=False
    )
    authors = forms.ModelMultipleChoiceField(
        Author.objects.all(),
        label="Authors (default: you)",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", PREFIX)
        super().__init__(*args, **kwargs)
        editor = CKEditorUploadingWidget()
        editor.config = {**editor.config, "height": 140}
        self.fields["body"].widget = editor
        for name in ("photo", "authors"):
            widget = AutocompleteSelect if name == "photo" else AutocompleteSelectMultiple
            field = self.fields[name]
            field.widget = widget(LiveUpdate._meta.get_field(name), admin.site)
            field.widget.choices = field.choices

    def clean_authors(self) -> list[Author]:
        """Return the chosen authors in the order they were given."""
        chosen = {author.pk: author for author in self.cleaned_data["authors"]}
        order = [int(pk) for pk in self.data.getlist(self.add_prefix("authors")) if pk.isdigit()]
        return [chosen[pk] for pk in dict.fromkeys(order) if pk in chosen]


# Rows and the panel ------------------------------------------------------------------


def updates_for_panel(article: Article):
    """Return the article's updates as the box lists them: the newest first, with bylines."""
    return (
        LiveUpdate.objects.filter(article=article)
        .select_related("photo")
        .prefetch_related(
            Prefetch("bylines", queryset=LiveUpdateAuthor.objects.select_related("author"))
        )
        .order_by(Coalesce("published_at", "created_at").desc(), "-id")
    )


def row_context(request: HttpRequest, update: LiveUpdate) -> dict:
    user = request.user
    may_publish = workflow.can_publish(user)
    return {
        "update": update,
        "when": clock(update.published_at or update.created_at),
        "when_iso": (update.published_at or update.created_at).isoformat(),
        "authors": ", ".join(author.name for author in update.credited_authors),
        "edit_url": reverse("admin:live_liveupdate_change", args=(update.pk,)) + "?from=article",
        "may_change": workflow.can_change(user, update),
        "may_delete": workflow.can_delete(user, update),
        "may_publish": may_publish,
        "delete_url": reverse("admin:live_liveupdate_delete", args=(update.pk,)) + "?from=article",
        "status_url": reverse("admin:live_liveupdate_status", args=(update.pk,)),
        "next_url": article_page(update.article_id),
    }


def render_row(request: HttpRequest, update: LiveUpdate) -> SafeString:
    return mark_safe(
        render_to_string("admin/live/update_row.html", row_context(request, update), request)
    )


@dataclass(frozen=True)
class Panel:
    """HTML for the article page, with the scripts and styles it needs."""

    html: SafeString
    media: forms.Media

    def __html__(self) -> SafeString:
        return self.html

    def __str__(self) -> str:
        return self.html


def live_panel(request: HttpRequest, article: Article) -> Panel | None:
    """Return the "Post an update" box and the updates list for a live article's page."""
    if not article.live or not request.user.has_perm("live.view_liveupdate"):
        return None
    may_post = workflow.can_post(request.user, article)
    draft = request.session.pop(_session_key(article.pk), None) if may_post else None
    form = PostUpdateForm(initial=draft["data"] if draft else None)
    updates = list(updates_for_panel(article)[: PANEL_ROWS + 1])
    errors = draft["errors"] if draft else {}
    context = {
        "article": article,
        "form": form if may_post else None,
        "field_rows": [{"field": field, "errors": errors.get(field.name, [])} for field in form],
        "nonfield_errors": errors.get("__all__", []),
        "may_publish": workflow.can_publish(request.user),
        "post_url": reverse("admin:live_liveupdate_post", args=(article.pk,)),
        "rows": [render_row(request, update) for update in updates[:PANEL_ROWS]],
        "more_url": (
            reverse("admin:live_liveupdate_changelist") + f"?article__id__exact={article.pk}"
            if len(updates) > PANEL_ROWS
            else ""
        ),
        "add_url": reverse("admin:live_liveupdate_add") + f"?article={article.pk}",
    }
    html = render_to_string("admin/live/panel.html", context, request)
    media = forms.Media(css={"all": ("live/admin-live.css",)}, js=("live/admin-post.js",))
    if may_post:
        media = form.media + media
    return Panel(mark_safe(html), media)


# Views -------------------------------------------------------------------------------


def wants_json(request: HttpRequest) -> bool:
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def article_page(article_id: int, anchor: str = "live-updates") -> str:
    return reverse("admin:articles_article_change", args=(article_id,)) + f"#{anchor}"


def _refused(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"ok": False, "errors": {"__all__": [message]}}, status=status)
    if status == 404:
        raise Http404(message)
    if status == 403:
        raise PermissionDenied(message)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _error_dict(exc: ValidationError) -> dict[str, list[str]]:
    """Return the errors by field; a generic "cannot be blank" gives way to the model's own."""
    if not hasattr(exc, "error_dict"):
        return {"__all__": list(exc.messages)}
    errors = {}
    for field, field_errors in exc.error_dict.items():
        specific = [error for error in field_errors if error.code != "blank"] or field_errors
        errors[field] = [message for error in specific for message in error.messages]
    return errors


@require_POST
def post_update_view(request: HttpRequest, article_id: int) -> HttpResponse:
    """Post an update to a live article; JSON for the script, a redirect without it."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None or not article.live:
        return _refused(request, 404, "This article is not live coverage.")
    if not workflow.can_post(request.user, article):
        return _refused(request, 403, "You may not post updates to this live article.")
    form = PostUpdateForm(request.POST)
    errors: dict[str, list[str]] = {}
    update = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            update = services.post_update(
                article,
                request.user,
                body=data["body"],
                headline=data["headline"],
                key_event=data["key_event"],
                pinned=data["pinned"],
                photo=data["photo"],
                authors=data["authors"] or None,
            )
        except ValidationError as exc:
            errors = _error_dict(exc)
    else:
        errors = {field: list(field_errors) for field, field_errors in form.errors.items()}

    if update is None:
        if wants_json(request):
            return JsonResponse({"ok": False, "errors": errors}, status=400)
        request.session[_session_key(article.pk)] = {
            "data": {
                "body": request.POST.get(form.add_prefix("body"), ""),
                "headline": request.POST.get(form.add_prefix("headline"), ""),
                "key_event": bool(request.POST.get(form.add_prefix("key_event"))),
                "pinned": bool(request.POST.get(form.add_prefix("pinned"))),
                "photo": request.POST.get(form.add_prefix("photo"), ""),
                "authors": request.POST.getlist(form.add_prefix("authors")),
            },
            "errors": errors,
        }
        messages.error(request, "The update was not posted: see the errors in the box.")
        return HttpResponseRedirect(article_page(article.pk, "live-post"))

    message = posted_message(update)
    if wants_json(request):
        update = updates_for_panel(article).get(pk=update.pk)
        return JsonResponse(
            {
                "ok": True,
                "id": update.pk,
                "status": update.status,
                "message": message,
                "html": render_row(request, update),
            },
            status=201,
        )
    messages.success(request, message)
    return HttpResponseRedirect(article_page(article.pk))


def posted_message(update: LiveUpdate) -> str:
    if update.status == Status.PUBLISHED:
        return f"Update posted at {clock(update.published_at)}: readers see it now."
    return "Update saved as a draft: it waits for an editor to publish it."


@require_POST
def status_view(request: HttpRequest, update_id: int) -> HttpResponse:
    """Publish or unpublish one update (``status`` in the POST); editors only."""
    update = get_object_or_404(LiveUpdate.objects.select_related("photo"), pk=update_id)
    status = request.POST.get("status")
    if status not in Status.values:
        return _refused(request, 400, "Say which status the update should have.")
    if not (workflow.can_publish(request.user) and workflow.can_change(request.user, update)):
        return _refused(request, 403, "Only an editor publishes or unpublishes updates.")
    try:
        services.set_status(update, status, request.user)
    except ValidationError as exc:
        errors = _error_dict(exc)
        if wants_json(request):
            return JsonResponse({"ok": False, "errors": errors}, status=400)
        text = " ".join(message for field in errors.values() for message in field)
        messages.error(request, f"“{update}” was not published: {text}")
    else:
        done = "published" if status == Status.PUBLISHED else "unpublished (now a draft)"
        if wants_json(request):
            update = updates_for_panel(update.article_id).get(pk=update.pk)
            return JsonResponse(
                {
                    "ok": True,
                    "message": f"“{update}” is {done}.",
                    "html": render_row(request, update),
                }
            )
        messages.success(request, format_html("“{}” is {}.", update, done))
    following = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(following, {request.get_host()}, request.is_secure()):
        return HttpResponseRedirect(following)
    return HttpResponseRedirect(article_page(update.article_id))
