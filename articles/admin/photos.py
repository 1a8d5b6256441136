"""The photo desk: the library's admin, with where each photo is used in articles.

The library's own admin (``photos.admin.PhotoAdmin``) knows nothing of articles; this one
adds the use filters, the "used in" column and field, and refuses to delete a photo an
article body shows. It replaces the library's registration.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from photos.admin import PhotoAdmin
from photos.models import Photo

from .. import services
from ..models import Article, Author


class UseFilter(admin.SimpleListFilter):
    """Photos used by an article (lead or inline) or as an author's photo, or by nothing."""

    title = "use"
    parameter_name = "use"

    def lookups(self, request, model_admin):
        return (("unused", "Unused"), ("used", "Used"))

    def queryset(self, request, queryset):
        used = (
            Exists(Article.objects.filter(lead_photo=OuterRef("pk")))
            | services.used_inline()
            | Exists(Author.objects.filter(avatar=OuterRef("pk")))
        )
        if self.value() == "unused":
            return queryset.exclude(used)
        if self.value() == "used":
            return queryset.filter(used)
        return queryset


class UsedInPublishedFilter(admin.SimpleListFilter):
    """Photos shown (as lead or inline) by an article published in a period up to now.

    With the agency filter it answers "every AFP photo used this month". Published means
    ``Article.objects.published()``: an article taken down since then no longer counts.
    """

    title = "used in articles published"
    parameter_name = "used_published"

    def lookups(self, request, model_admin):
        return (("month", "This month"), ("30days", "In the last 30 days"), ("year", "This year"))

    def since(self) -> datetime | None:
        """Return the start of the chosen period (local midnight of the 1st for a month)."""
        now = timezone.localtime()
        midnight = {"hour": 0, "minute": 0, "second": 0, "microsecond": 0}
        if self.value() == "month":
            return now.replace(day=1, **midnight)
        if self.value() == "30days":
            return now - timedelta(days=30)
        if self.value() == "year":
            return now.replace(month=1, day=1, **midnight)
        return None

    def queryset(self, request, queryset):
        since = self.since()
        if since is None:
            return queryset
        articles = Article.objects.published().filter(published_at__gte=since)
        return queryset.filter(services.used_by(articles))


class PhotoChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # One query for the whole page: which articles show these photos in their body.
        # Iterating fills the page queryset's cache, which the list and its forms reuse.
        uses = services.inline_uses(self.result_list)
        for photo in self.result_list:
            photo.inline_articles = uses.get(photo.pk, [])


class PhotoDeskAdmin(PhotoAdmin):
    list_display = (*PhotoAdmin.list_display, "uses")
    list_filter = (
        *PhotoAdmin.list_filter[:2],
        UseFilter,
        UsedInPublishedFilter,
        *PhotoAdmin.list_filter[2:],
    )
    readonly_fields = (*PhotoAdmin.readonly_fields, "used_in")
    fieldsets = (
        *PhotoAdmin.fieldsets[:-1],
        ("Used in", {"fields": ("used_in",)}),
        PhotoAdmin.fieldsets[-1],
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Photo]:
        return super().get_queryset(request).annotate(lead_count=Count("lead_of"))

    def get_changelist(self, request, **kwargs):
        return PhotoChangeList

    @admin.display(description="used in", ordering="lead_count")
    def uses(self, photo: Photo) -> str:
        inline = getattr(photo, "inline_articles", [])
        count = photo.lead_count + len(inline)
        return f"{count} article{'s' if count != 1 else ''}" if count else "—"

    @admin.display(description="used in")
    def used_in(self, photo: Photo) -> SafeString | str:
        """Return every article using the photo (lead or inline) and author boxes, linked."""
        if photo.pk is None:
            return "—"
        rows = [
            (
                reverse("admin:articles_article_change", args=(article.pk,)),
                article.headline,
                f"{' and '.join(roles)} · {article.get_status_display().lower()}",
            )
            for article, roles in services.articles_using_photo(photo)
        ]
        rows += [
            (
                reverse("admin:articles_author_change", args=(author.pk,)),
                author.name,
                "author photo",
            )
            for author in Author.objects.filter(avatar=photo).only("name")
        ]
        if not rows:
            return "Not used by any article or author."
        return format_html(
            '<ul class="photo-uses">{}</ul>',
            format_html_join("", '<li><a href="{}">{}</a> <span>({})</span></li>', rows),
        )

    def get_deleted_objects(self, objs, request):
        """Refuse to delete photos shown in an article body, as Django does for lead photos."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        photos = list(objs)
        uses = services.inline_uses(photos)
        may_open = request.user.has_perm("articles.change_article") or request.user.has_perm(
            "articles.view_article"
        )
        for photo in photos:
            for article in uses.get(photo.pk, []):
                title = (
                    format_html(
                        '<a href="{}">{}</a>',
                        reverse("admin:articles_article_change", args=(article.pk,)),
                        article.headline,
                    )
                    if may_open
                    else article.headline
                )
                protected.append(
                    format_html("Article: {} — shows the photo “{}” in its body", title, photo)
                )
        return deleted, model_count, perms_needed, protected


if admin.site.is_registered(Photo):
    admin.site.unregister(Photo)
admin.site.register(Photo, PhotoDeskAdmin)
