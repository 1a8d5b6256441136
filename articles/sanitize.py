"""The one HTML allowlist for article bodies (nh3 / Ammonia), applied on every save."""

import re
from urllib.parse import urlsplit

import nh3
from django.conf import settings

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "cite", "q", "abbr", "time", "code",
    "pre", "a", "figure", "figcaption", "img", "table", "caption", "thead", "tbody", "tfoot",
    "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "time": {"datetime"},
    "img": {"src", "alt", "width", "height", "title"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"

_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def _is_our_media(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and parts.path.startswith(settings.MEDIA_URL)


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        return value if _is_our_media(value) else None
    if attribute in {"width", "height", "colspan", "rowspan"}:
        return value if value.isdigit() and len(value) <= 4 else None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style", "iframe", "object", "embed", "svg", "math"},
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    url_schemes=URL_SCHEMES,
    link_rel=LINK_REL,
    strip_comments=True,
)


def clean_html(html: str) -> str:
    """Return ``html`` reduced to the newsroom allowlist; idempotent."""
    if not html:
        return ""
    cleaned = _cleaner.clean(html)
    return _IMG_WITHOUT_SRC.sub("", cleaned).strip()
