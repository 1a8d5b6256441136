from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    """Return the newsroom's name and tagline for every template."""
    return {
        "NEWSROOM_NAME": settings.NEWSROOM_NAME,
        "NEWSROOM_TAGLINE": settings.NEWSROOM_TAGLINE,
    }
