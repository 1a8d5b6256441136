"""The staff's own two-factor authentication pages in the admin (django-otp, TOTP apps).

Registered by the ``newsroom`` app: login security is infrastructure, whatever the domain.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import security


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("The code is made of digits only.")
        return token


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TwoFactorDeviceAdmin(TOTPDeviceAdmin):
    """Administrators manage everyone's devices; every staff user sets up their own here."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("setup/", view(self.setup_view), name="two_factor_setup"),
            path("verify/", view(self.verify_view), name="two_factor_verify"),
            *super().get_urls(),
        ]

    def _render(self, request, template: str, **context) -> TemplateResponse:
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "next": _next_url(request),
                "required": security.two_factor_required(request.user),
                **context,
            },
        )

    def setup_view(self, request: HttpRequest) -> HttpResponse:
        """Show the user's two-factor state, or set up an authenticator app with a QR code."""
        user = request.user
        devices = list(security.confirmed_totp_devices(user))
        if devices:
            return self._render(
                request,
                "admin/two_factor/status.html",
                title="Two-factor authentication",
                devices=devices,
            )
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        form = TokenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if device.verify_token(form.cleaned_data["token"]):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                otp_login(request, device)
                self.message_user(
                    request,
                    "Two-factor authentication is on. From now on the admin asks for a code "
                    "from your app after your password.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(_next_url(request))
            form.add_error("token", "That code is not right. Check the time on your phone.")
        secret = b32encode(device.bin_key).decode()
        return self._render(
            request,
            "admin/two_factor/setup.html",
            title="Set up two-factor authentication",
            form=form,
            qr_data_uri=segno.make(device.config_url, error="m").svg_data_uri(scale=5),
            secret=_grouped(secret),
        )

    def verify_view(self, request: HttpRequest) -> HttpResponse:
        """Ask for the code of the user's authenticator app, once per login."""
        user = request.user
        if not security.has_confirmed_device(user):
            return HttpResponseRedirect(reverse("admin:two_factor_setup"))
        if user.is_verified():
            return HttpResponseRedirect(_next_url(request))
        form = TokenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            device = match_token(user, form.cleaned_data["token"])
            if device is not None:
                otp_login(request, device)
                return HttpResponseRedirect(_next_url(request))
            form.add_error("token", "That code is not right (or too many tries: wait a little).")
        return self._render(
            request,
            "admin/two_factor/verify.html",
            title="Enter your two-factor code",
            form=form,
        )
