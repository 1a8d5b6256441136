"""Per-path Content-Security-Policy for the admin (CKEditor 4 needs inline code)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class AdminContentSecurityPolicyMiddleware:
    """Give admin and editor-upload responses ``settings.ADMIN_CSP`` instead of the public policy.

    Must sit after Django's ContentSecurityPolicyMiddleware, so it marks the response
    before that middleware writes the header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(tuple(settings.ADMIN_CSP_PATH_PREFIXES)):
            response._csp_config = settings.ADMIN_CSP
        return response
