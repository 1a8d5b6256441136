"""CKEditor's image upload and browser, behind the photo library's checks.

django-ckeditor's own upload view decides by the file name and accepts anything
Pillow can open (EPS, BMP, TIFF… under any extension, HTML included). Here every
upload must have an image extension and pass ``validate_image_file`` (format by
content, size, pixel count, full decode) before the stock view stores it.
"""

from ckeditor_uploader import views as stock
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt

from .images import ALLOWED_EXTENSIONS, validate_image_file

UPLOAD_PERMISSIONS = ("articles.add_article", "articles.change_article")


def refuse(message: str, status: int = 200) -> JsonResponse:
    """Return CKEditor's JSON answer for a refused upload (it shows ``message`` to the editor).

    CKEditor reads the message only from a 200 answer; other statuses show a generic error.
    """
    return JsonResponse({"uploaded": 0, "error": {"message": message}}, status=status)


class ValidatedImageUploadView(stock.ImageUploadView):
    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        if not any(request.user.has_perm(perm) for perm in UPLOAD_PERMISSIONS):
            return refuse("You may not upload images for articles.", status=403)
        # CKEditor's own CSRF protection (double submit): it sets the ckCsrfToken
        # cookie and sends the same value with every upload. Django's token is not
        # sent by CKEditor 4, hence csrf_exempt below.
        token = request.POST.get("ckCsrfToken", "")
        if len(token) != 40 or not constant_time_compare(
            token, request.COOKIES.get("ckCsrfToken", "")
        ):
            return refuse("The upload was refused (security token missing).", status=403)
        uploaded = request.FILES.get("upload")
        if uploaded is None:
            return refuse("No file was sent.")
        try:
            FileExtensionValidator(ALLOWED_EXTENSIONS)(uploaded)
            validate_image_file(uploaded)
        except ValidationError as exc:
            return refuse(" ".join(exc.messages))
        return super().post(request, **kwargs)


# CKEditor posts uploads from its dialog and opens the browser in a popup on our
# own origin; the answers may be framed by our pages only.
upload = xframe_options_sameorigin(
    never_cache(staff_member_required(csrf_exempt(ValidatedImageUploadView.as_view())))
)
browse = xframe_options_sameorigin(never_cache(staff_member_required(stock.browse)))
