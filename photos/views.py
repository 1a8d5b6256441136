"""CKEditor's image upload and browser, backed by the photo library.

django-ckeditor's own views store loose files under ``uploads/`` and list them by
file name. Here an upload must have an image extension and pass
``validate_image_file`` (format by content, size, pixel count, full decode), then
becomes a library ``Photo`` (so it gets a credit, alt text and renditions), and the
browser lists the library with captions and credits. The body stores the photo's
``image.url``; the public page reads caption, credit and alt text from the library.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import FileExtensionValidator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from newsroom.csrf import same_origin
from photos import images
from photos.images import ALLOWED_EXTENSIONS, validate_image_file
from photos.models import Photo

UPLOAD_PERMISSIONS = ("articles.add_article", "articles.change_article")
BROWSE_PER_PAGE = 24
THUMB_WIDTH = 480
# CKEditor's parameters for the browser popup, kept through searching and paging.
CKEDITOR_PARAMS = ("CKEditor", "CKEditorFuncNum", "langCode")


def may_insert_photos(user) -> bool:
    """Return whether ``user`` may put library photos into article bodies."""
    return any(user.has_perm(perm) for perm in UPLOAD_PERMISSIONS)


def refuse(message: str, status: int = 200) -> JsonResponse:
    """Return CKEditor's JSON answer for a refused upload (it shows ``message`` to the editor).

    CKEditor reads the message only from a 200 answer; other statuses show a generic error.
    """
    return JsonResponse({"uploaded": 0, "error": {"message": message}}, status=status)


def _js_string(value: str) -> str:
    """Return ``value`` as a JavaScript string literal safe inside a ``<script>`` element."""
    return json.dumps(value).translate(
        {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
    )


def _ckeditor_answer(request: HttpRequest, photo: Photo, message: str) -> HttpResponse:
    """Return the upload's answer in the form CKEditor asked for (JSON, or the old callback)."""
    func_num = request.GET.get("CKEditorFuncNum", "")
    if func_num.isdigit() and request.GET.get("responseType") != "json":
        # filebrowserUploadMethod "form": CKEditor reads a callback from an iframe.
        return HttpResponse(
            f"<script>window.parent.CKEDITOR.tools.callFunction({int(func_num)}, "
            f"{_js_string(photo.image.url)}, {_js_string(message)});</script>"
        )
    return JsonResponse(
        {
            "uploaded": 1,
            "fileName": photo.image.name.rsplit("/", 1)[-1],
            "url": photo.image.url,
            "message": message,
        }
    )


@require_POST
def upload_view(request: HttpRequest) -> HttpResponse:
    """Validate an image sent by CKEditor and add it to the photo library."""
    if not may_insert_photos(request.user):
        return refuse("You may not upload images for articles.", status=403)
    # CKEditor's own CSRF protection (double submit): it sets the ckCsrfToken
    # cookie and sends the same value with every upload. Django's token is not
    # sent by CKEditor 4, hence csrf_exempt below.
    token = request.POST.get("ckCsrfToken", "")
    if len(token) != 40 or not constant_time_compare(token, request.COOKIES.get("ckCsrfToken", "")):
        return refuse("The upload was refused (security token missing).", status=403)
    # A double-submit cookie can be planted by a sibling subdomain; the browser's own
    # word on where the post came from cannot (as for the reader forms, newsroom.csrf).
    if not same_origin(request):
        return refuse("The upload was refused: it was not sent from this site's editor.", 403)
    uploaded = request.FILES.get("upload")
    if uploaded is None:
        return refuse("No file was sent.")
    try:
        FileExtensionValidator(ALLOWED_EXTENSIONS)(uploaded)
        validate_image_file(uploaded)
        # Photo.save() strips EXIF and prefills caption and credit from the file's metadata.
        photo = Photo(image=uploaded, uploaded_by=request.user)
        photo.save()
    except ValidationError as exc:
        return refuse(" ".join(exc.messages))
    missing = [
        label
        for label, value in (("alt text", photo.alt_text), ("credit", photo.credit))
        if not value.strip()
    ]
    message = ""
    if missing:
        message = (
            f"The image is now photo #{photo.pk} of the photo library. Give it "
            f"{' and '.join(missing)} there before publishing: the article shows "
            "the library's caption, credit and alt text."
        )
    return _ckeditor_answer(request, photo, message)


def _search(photos, query: str):
    for word in query.split():
        photos = photos.filter(
            Q(caption__icontains=word)
            | Q(credit__icontains=word)
            | Q(alt_text__icontains=word)
            | Q(photographer__icontains=word)
            | Q(agency__icontains=word)
            | Q(tags__name__icontains=word)
        )
    return photos.distinct() if query.split() else photos


@require_GET
def browse_view(request: HttpRequest) -> HttpResponse:
    """List the photo library for CKEditor's "Browse Server": newest first, searchable."""
    if not may_insert_photos(request.user):
        return HttpResponseForbidden("You may not insert photos into articles.")
    query = request.GET.get("q", "").strip()[:200]
    photos = _search(
        Photo.objects.only(
            "image", "width", "height", "renditions", "alt_text", "caption", "credit", "uploaded_at"
        ).order_by("-uploaded_at", "-id"),
        query,
    )
    page = Paginator(photos, BROWSE_PER_PAGE).get_page(request.GET.get("page"))
    for photo in page.object_list:
        photo.thumb_url = images.thumbnail_url(photo, THUMB_WIDTH)
    params = {name: request.GET[name] for name in CKEDITOR_PARAMS if name in request.GET}
    context = {
        **admin.site.each_context(request),
        "title": "Insert a photo from the library",
        "is_popup": True,
        "page_obj": page,
        "photos": page.object_list,
        "query": query,
        "ckeditor_params": params,
        "func_num": params.get("CKEditorFuncNum", ""),
        "photo_changelist_url": reverse("admin:photos_photo_changelist"),
    }
    return TemplateResponse(request, "photos/photo_browser.html", context)


# CKEditor posts uploads from its dialog and opens the browser in a popup on our
# own origin; the answers may be framed by our pages only.
upload = xframe_options_sameorigin(never_cache(staff_member_required(csrf_exempt(upload_view))))
browse = xframe_options_sameorigin(never_cache(staff_member_required(browse_view)))
