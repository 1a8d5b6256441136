"""Admin hardening: the login lockout page (django-axes) and two-factor checks (django-otp).

Two-factor authentication (TOTP, an authenticator app) is open to every staff user from the
admin home (“Two-factor authentication”). Once a user has a device, the admin asks for a
code after the password on each new login. With ``settings.NEWSROOM_REQUIRE_2FA`` on, users
who may publish (Editors, Administrators, superusers) must set one up before using the admin.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from .hooks import get_func


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """Return django-axes' answer to a locked-out login: a page saying when to try again."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    from django.contrib import admin

    context = {
        **admin.site.each_context(request),
        "minutes": minutes,
        "title": "Too many failed logins",
    }
    return render(
        request, "registration/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )


def two_factor_required(user) -> bool:
    """Return whether the newsroom requires ``user`` to use two-factor authentication.

    Only with ``settings.NEWSROOM_REQUIRE_2FA`` on; then the domain says who
    (``settings.NEWSROOM_TWO_FACTOR_REQUIRED``: superusers and whoever may publish).
    """
    if not getattr(settings, "NEWSROOM_REQUIRE_2FA", False):
        return False
    return bool(get_func("NEWSROOM_TWO_FACTOR_REQUIRED", _superusers_only)(user))


def _superusers_only(user) -> bool:
    return user.is_superuser


def has_confirmed_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def confirmed_totp_devices(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True)


class TwoFactorMiddleware:
    """Send staff who need a second factor to the admin's set-up or code page first.

    Applies to the admin and the editor's upload views; the login, logout and two-factor
    pages themselves stay open. Must come after django-otp's OTPMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        redirect_to = self.redirect_for(request)
        if redirect_to:
            return HttpResponseRedirect(redirect_to)
        return self.get_response(request)

    def redirect_for(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return None
        if not request.path.startswith(tuple(settings.ADMIN_CSP_PATH_PREFIXES)):
            return None
        open_paths = {
            reverse("admin:login"),
            reverse("admin:logout"),
            reverse("admin:two_factor_setup"),
            reverse("admin:two_factor_verify"),
        }
        if request.path in open_paths or request.path.startswith(reverse("admin:jsi18n")):
            return None
        return second_factor_step(request)


def second_factor_step(request: HttpRequest) -> str | None:
    """Return where a staff user must pass the second factor before seeing staff content.

    The code step when they have a confirmed device, the set-up when the newsroom
    requires one of them; None when their session is verified or nothing is required.
    The admin asks this on every page (``TwoFactorMiddleware``), the public site before
    showing an article that is not public yet (a draft, an embargoed story).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return None
    if getattr(user, "is_verified", lambda: False)():
        return None
    next_query = "?" + urlencode({"next": request.get_full_path()})
    if has_confirmed_device(user):
        return reverse("admin:two_factor_verify") + next_query
    if two_factor_required(user):
        return reverse("admin:two_factor_setup") + next_query
    return None
