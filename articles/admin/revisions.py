"""The article admin's history pages: revisions, comparing two versions, restoring one."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .. import history, workflow
from ..models import Article

Status = Article.Status


def display_name(user) -> str:
    if user is None:
        return "Someone"
    return user.get_full_name() or user.get_username()


def clock(value) -> str:
    """Return a time as "14:05", with the date when it is not today."""
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return date_format(local, "H:i")
    return date_format(local, "j M Y, H:i")


class ArticleHistoryMixin:
    """ModelAdmin views over an article's revisions (django-reversion), with the same rights."""

    @admin.display(description="revisions")
    def revision_history(self, article: Article) -> SafeString | str:
        if article.pk is None:
            return "Saving records the first revision."
        versions = history.article_versions(article)[:5]
        if not versions:
            return "No revision yet: the next save records one."
        history_url = reverse("admin:articles_article_history", args=(quote(article.pk),))
        compare_url = reverse("admin:articles_article_compare", args=(quote(article.pk),))
        rows = format_html_join(
            "",
            "<li><strong>Version {}</strong> — {}, {}: {}{}</li>",
            (
                (
                    history.version_number(version),
                    display_name(version.revision.user),
                    clock(version.revision.date_created),
                    version.revision.get_comment() or "saved",
                    format_html(
                        ' <a href="{}?a={}&amp;b={}">compare with the previous</a>',
                        compare_url,
                        older.pk,
                        version.pk,
                    )
                    if older is not None
                    else "",
                )
                for version, older in zip(versions, [*versions[1:], None], strict=True)
            ),
        )
        return format_html(
            '<ol class="revision-list">{}</ol><p><a href="{}">All revisions, compare any two '
            "and restore</a></p>",
            rows,
            history_url,
        )

    # History: list, compare, restore ---------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/history/compare/",
                view(self.compare_view),
                name="articles_article_compare",
            ),
            path(
                "<path:object_id>/history/<int:version_id>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            *super().get_urls(),
        ]

    def _get_article_or_404(self, request, object_id) -> Article:
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such article.")
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        return article

    def _context(self, request, article: Article, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": title,
            "subtitle": str(article),
            "history_url": reverse("admin:articles_article_history", args=(quote(article.pk),)),
            "change_url": reverse("admin:articles_article_change", args=(quote(article.pk),)),
            **extra,
        }

    def history_view(self, request, object_id, extra_context=None):
        article = self._get_article_or_404(request, object_id)
        can_restore = self.has_change_permission(request, article)
        versions = history.article_versions(article)
        revisions = [
            {
                "version": version,
                "number": history.version_number(version),
                "user": display_name(version.revision.user),
                "comment": version.revision.get_comment(),
                "restore_url": reverse(
                    "admin:articles_article_restore", args=(quote(article.pk), version.pk)
                )
                if can_restore and index > 0
                else "",
            }
            for index, version in enumerate(versions)
        ]
        context = {
            "revisions": revisions,
            "compare_url": reverse("admin:articles_article_compare", args=(quote(article.pk),)),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, context)

    def compare_view(self, request, object_id) -> HttpResponse:
        article = self._get_article_or_404(request, object_id)
        versions = history.article_versions(article)
        by_pk = {str(version.pk): version for version in versions}
        newer = by_pk.get(request.GET.get("b", ""))
        older = by_pk.get(request.GET.get("a", ""))
        if newer is None and versions:
            newer = versions[0]
        if older is None and len(versions) > 1:
            older = next((v for v in versions if v.pk < newer.pk), versions[-1])
        changes = []
        if older is not None and newer is not None:
            if older.pk > newer.pk:
                older, newer = newer, older
            changes = history.compare(history.snapshot(older), history.snapshot(newer))
        context = self._context(
            request,
            article,
            "Compare versions",
            versions=[
                {
                    "pk": version.pk,
                    "label": f"Version {history.version_number(version)} — "
                    f"{display_name(version.revision.user)}, "
                    f"{clock(version.revision.date_created)}",
                }
                for version in versions
            ],
            older=older,
            newer=newer,
            older_number=history.version_number(older) if older else None,
            newer_number=history.version_number(newer) if newer else None,
            changes=changes,
        )
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def restore_view(self, request, object_id, version_id) -> HttpResponse:
        article = self._get_article_or_404(request, object_id)
        version = history.get_version(article, version_id)
        if version is None:
            raise Http404("No such version of this article.")
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        number = history.version_number(version)
        target_status = version.field_dict.get("status")
        history_url = reverse("admin:articles_article_history", args=(quote(article.pk),))
        if not workflow.may_move(request.user, article, target_status):
            self.message_user(
                request,
                f"You may not restore version {number}: it would make the article "
                f"“{dict(Status.choices).get(target_status, target_status).lower()}”.",
                messages.ERROR,
            )
            return HttpResponseRedirect(history_url)
        if not workflow.can_publish(request.user):
            scheduling = ("published_at", "unpublish_at", "featured")
            old = version.field_dict
            if any(old.get(name) != getattr(article, name) for name in scheduling):
                self.message_user(
                    request,
                    f"You may not restore version {number}: it has other publishing settings "
                    "(publish or unpublish time, featured). Ask an editor.",
                    messages.ERROR,
                )
                return HttpResponseRedirect(history_url)
        if request.method == "POST":
            try:
                restored, skipped = history.restore(article, version, request.user)
            except history.RestoreError as exc:
                self.message_user(
                    request, f"Version {number} was not restored: {exc}", messages.ERROR
                )
                return HttpResponseRedirect(history_url)
            self.message_user(
                request,
                f"Restored version {number}; the article is now version {restored.version}.",
                messages.SUCCESS,
            )
            if skipped:
                self.message_user(
                    request,
                    "Left out because they no longer exist: " + ", ".join(skipped),
                    messages.WARNING,
                )
            return HttpResponseRedirect(
                reverse("admin:articles_article_change", args=(quote(article.pk),))
            )
        changes = history.compare(history.current_snapshot(article), history.snapshot(version))
        context = self._context(
            request,
            article,
            f"Restore version {number}?",
            version=version,
            number=number,
            changes=changes,
        )
        return TemplateResponse(request, "admin/articles/article/restore.html", context)
