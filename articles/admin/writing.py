"""The article form as a writing screen: the lead photo's card and the share previews.

The form's sidebar shows the lead photo as a thumbnail with its credit and alt text (and
why it would block publishing); under the body, the story as a search result and as a
social card (the photo's real 1200×630 card crop). Both are rendered here at page load
and follow the typing in ``static/admin-newsroom/writing.js``: when the editor picks
another lead photo, the script asks ``lead-photo/<id>/`` for that photo's card.

URL (in ``ArticleAdmin.get_urls``): ``GET lead-photo/?photo=<id>`` → the photo's card as
JSON, for users who may add or change articles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from photos import images
from photos.admin import preview_url
from photos.models import Photo
from photos.services import RIGHTS_WARNING_DAYS, rights_problem

from .. import credits, text
from ..models import Article

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin
    from django.http import HttpRequest

# The sidebar's thumbnail, in CSS pixels (twice that in image pixels, for sharp screens).
THUMB_WIDTH = 240
# Stands for the slug in the article URL pattern the previews fill in.
SLUG_PLACEHOLDER = "__slug__"


def urls(model_admin: ModelAdmin) -> list:
    """Return the writing screen's URLs (before the admin's ``<path:object_id>/`` ones)."""

    @require_GET
    def lead_photo(request):
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            raise PermissionDenied
        photo_id = request.GET.get("photo", "")
        photo = Photo.objects.filter(pk=int(photo_id)).first() if photo_id.isdigit() else None
        if photo is None:
            raise Http404("No such photo.")
        return JsonResponse(photo_card(photo))

    return [
        path(
            "lead-photo/",
            model_admin.admin_site.admin_view(lead_photo),
            name="articles_article_lead_photo",
        )
    ]


def photo_problems(photo: Photo) -> list[str]:
    """Return what an editor must fix on ``photo`` before an article shows it."""
    problems = [
        f"No {label}: an article with this photo cannot be published until the photo "
        "library has one."
        for label in credits.missing_for_publication(photo)
    ]
    if photo.imported_without_credit and photo.credit.strip():
        problems.append("Imported without a credit line we could read: check the credit.")
    if expiry := rights_problem(photo, RIGHTS_WARNING_DAYS):
        problems.append(f"Rights {expiry}.")
    return problems


def photo_card(photo: Photo) -> dict:
    """Return what the form shows of a lead photo: thumbnail, share card, credit, alt, problems."""
    width, height = photo.width or THUMB_WIDTH, photo.height or THUMB_WIDTH
    shown_width = min(THUMB_WIDTH, width)
    card_url, _, _, is_crop = images.card_image(photo) if photo.image else ("", None, None, False)
    return {
        "id": photo.pk,
        "thumb_url": preview_url(photo, shown_width * 2) if photo.image else "",
        "thumb_width": shown_width,
        "thumb_height": max(1, round(height * shown_width / width)),
        "card_url": card_url,
        "card_is_crop": is_crop,
        "credit": photo.credit.strip(),
        "alt_text": photo.alt_text.strip(),
        "problems": photo_problems(photo),
        "change_url": reverse("admin:photos_photo_change", args=(photo.pk,)),
    }


def lead_photo_panel(article: Article) -> SafeString:
    """Return the sidebar's lead photo card (the read-only field ``lead_photo_card``)."""
    photo = article.lead_photo if article.lead_photo_id else None
    return render_to_string(
        "admin/articles/article/includes/lead_photo.html",
        {"photo": photo_card(photo) if photo is not None else None},
    )


def article_url(pattern: str, slug: str) -> str:
    """Return the article's public URL (the articles' address while it has no slug)."""
    if not slug:
        return pattern.replace(SLUG_PLACEHOLDER + "/", "")
    return pattern.replace(SLUG_PLACEHOLDER, slug)


def previews_context(request: HttpRequest, article: Article | None) -> dict:
    """Return the share previews at page load; the script follows the typing from there."""
    article = article or Article()
    photo = article.lead_photo if article.lead_photo_id else None
    card = photo_card(photo) if photo is not None else None
    base = settings.NEWSROOM_BASE_URL
    pattern = base + reverse("articles:detail", kwargs={"slug": SLUG_PLACEHOLDER})
    return {
        "site_name": settings.NEWSROOM_NAME,
        "host": base.split("://", 1)[-1],
        "url_pattern": pattern,
        "slug_placeholder": SLUG_PLACEHOLDER,
        "url": article_url(pattern, article.slug),
        "title": article.shared_title,
        "description": text.describe(article.shared_summary),
        "description_length": text.DESCRIPTION_LENGTH,
        "slug": article.slug,
        "card_url": card["card_url"] if card else static(images.DEFAULT_CARD),
        "card_is_crop": card["card_is_crop"] if card else True,
        "lead_photo_url": reverse("admin:articles_article_lead_photo"),
        "default_card_url": static(images.DEFAULT_CARD),
    }
