"""Response headers: the admin's own Content-Security-Policy, and a Permissions-Policy."""

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


def permissions_policy_header(policy: dict[str, str]) -> str:
    """Return ``{"camera": "", "fullscreen": "self"}`` as "camera=(), fullscreen=(self)"."""
    return ", ".join(f"{feature}=({allowlist})" for feature, allowlist in policy.items())


class PermissionsPolicyMiddleware:
    """Send ``settings.PERMISSIONS_POLICY`` as the Permissions-Policy header on every response.

    Django has no setting for it. The header is built once, at start-up; a response
    that already has one (a view that needs a feature) keeps its own.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = permissions_policy_header(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
