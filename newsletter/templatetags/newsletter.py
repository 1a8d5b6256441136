"""``{% newsletter_signup %}``: the sign-up form, for any page of the public site."""

from django import template

from newsletter.forms import SignupForm
from newsroom.pagecache import page_path

register = template.Library()


@register.inclusion_tag("newsletter/includes/signup_form.html", takes_context=True)
def newsletter_signup(
    context: template.Context, heading: str = "Get the day's news by e-mail"
) -> dict:
    """Render the sign-up form; after signing up, the thank-you page links back here.

    Put it at the end of the article page and on the home page; ``heading`` replaces the
    default heading (an empty one leaves it out).
    """
    request = context.get("request")
    return {
        "form": SignupForm(),
        "heading": heading,
        # The page's own address: never a reader's tracking parameters (pages are shared).
        "next": page_path(request) if request is not None else "",
        # No CSRF token: it would make every page holding the form uncacheable. The view
        # checks the browser's Sec-Fetch-Site/Origin headers instead.
        "embedded": True,
    }
