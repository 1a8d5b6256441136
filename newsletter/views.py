"""The newsletter's public pages: sign up, confirm, unsubscribe.

Whatever address is typed, the answer to a sign-up is the same page, so the form
cannot be used to learn who subscribes. Confirming and unsubscribing ask for a button
press (a POST): mail scanners open the links in a message, and a GET must change nothing.
"""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from newsroom import csrf

from . import services
from .forms import SignupForm
from .models import Subscriber

THANK_YOU = "Thank you for signing up for this newsletter. We've sent you a confirmation email."


def _safe_next(request: HttpRequest, value: str | None) -> str:
    """Return ``value`` when it is a path on this site, else ""."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


@csrf_exempt  # checked in csrf.forged(), so that a refused sign-up keeps what was typed
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Show the sign-up page; on POST, ask for a confirmation and redirect to the thanks."""
    if request.method == "GET":
        return render(request, "newsletter/signup.html", {"form": SignupForm()})
    form = SignupForm(request.POST)
    next_url = _safe_next(request, request.POST.get("next"))
    context = {"form": form, "next": next_url}
    if csrf.forged(request):
        return render(request, "newsletter/signup.html", {**context, "forged": True}, status=403)
    if services.client_over_limit(request):
        return render(request, "newsletter/signup.html", {**context, "limited": True}, status=429)
    thanks = reverse("newsletter:thanks")
    if next_url:
        thanks += f"?{urlencode({'next': next_url})}"
    if form.filled_by_bot:
        return redirect(thanks)
    if not form.is_valid():
        return render(request, "newsletter/signup.html", context)
    email = form.cleaned_data["email"]
    if services.address_over_limit(email):
        return render(request, "newsletter/signup.html", {**context, "limited": True}, status=429)
    services.request_subscription(email)
    return redirect(thanks)


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.GET.get("next"))
    return render(request, "newsletter/thanks.html", {"message": THANK_YOU, "next": next_url})


def _link_problem(request: HttpRequest, error: Exception, kind: str) -> HttpResponse:
    """Answer a confirmation or unsubscribe link that cannot be used: 410 or 400, never 500."""
    expired = isinstance(error, services.LinkExpired)
    return render(
        request,
        "newsletter/link_problem.html",
        {"expired": expired, "kind": kind, "form": SignupForm()},
        status=410 if expired else 400,
    )


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a button to confirm. POST: make the address a subscriber."""
    try:
        subscriber = services.subscriber_for_confirmation(token)
    except (services.LinkExpired, services.LinkInvalid) as error:
        return _link_problem(request, error, "confirm")
    if request.method == "POST" and subscriber.status != Subscriber.Status.CONFIRMED:
        subscriber.confirm()
        return redirect("newsletter:confirmed")
    if subscriber.status == Subscriber.Status.CONFIRMED:
        return render(request, "newsletter/confirmed.html", {"already": True})
    return render(request, "newsletter/confirm.html", {"subscriber": subscriber})


@require_GET
def confirmed(request: HttpRequest) -> HttpResponse:
    return render(request, "newsletter/confirmed.html")


# Mail clients send the RFC 8058 one-click POST ("List-Unsubscribe=One-Click") without a
# CSRF token; the signed token in the URL is what authenticates it, and a forged request
# cannot know it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a button to unsubscribe (changes nothing). POST: unsubscribe at once."""
    try:
        subscriber = services.subscriber_for_unsubscribe(token)
    except services.LinkInvalid as error:
        return _link_problem(request, error, "unsubscribe")
    if request.method == "POST":
        subscriber.unsubscribe()
        return render(request, "newsletter/unsubscribed.html", {"form": SignupForm()})
    if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return render(
            request, "newsletter/unsubscribed.html", {"already": True, "form": SignupForm()}
        )
    return render(request, "newsletter/unsubscribe.html", {"subscriber": subscriber})
