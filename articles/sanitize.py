"""The one HTML allowlist for article bodies (nh3 / Ammonia), applied on every save.

Whatever sends a body (CKEditor, an import, a raw POST), only this survives:
paragraphs, h2–h4, lists, links (http, https, mailto or relative; ``rel`` always
"noopener noreferrer"), bold/italic, blockquote, figure/figcaption, images whose
``src`` is a file under MEDIA_URL, tables, code/pre, cite/q/abbr/time. No ``style``,
``class`` or ``id`` (but an embed's ``<figure class="embed" data-embed-url>``, only
with an allowlisted provider's canonical URL: ``embeds.bodies``), no event handlers,
no iframe/object/svg/math, no other URL schemes. An ``<img>`` whose ``src`` is
refused is removed entirely. A paragraph holding only an allowlisted URL becomes an
embed. ``clean_html`` is idempotent. Keep CKEDITOR_CONFIGS["default"]["allowedContent"] in step.
"""

import re
from urllib.parse import unquote, urlsplit

import nh3
from django.conf import settings

from embeds import bodies

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
        "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "cite", "q", "abbr", "time", "code",
        "pre", "a", "figure", "figcaption", "img", "table", "caption", "thead", "tbody",
        "tfoot", "tr", "th", "td",
    }
)  # fmt: skip
# Removed together with everything inside them (must not overlap ALLOWED_TAGS: nh3 panics).
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "noframes", "noembed", "noscript",
        "object", "embed", "applet", "svg", "math", "template",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "time": {"datetime"},
    "img": {"src", "alt", "width", "height", "title"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "q": {"cite"},
    "blockquote": {"cite"},
    # An embed (embeds.bodies): class "embed" and a provider's canonical URL, nothing else.
    "figure": {"class", "data-embed-url"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"

_NUMERIC_ATTRIBUTES = frozenset({"width", "height", "colspan", "rowspan"})
_SCOPES = frozenset({"row", "col", "rowgroup", "colgroup"})
# Characters browsers strip from or reinterpret inside URLs (whitespace, controls, "\").
_URL_TRICKS = re.compile(r"[\x00-\x20\x7f\\]")
# An <img> start tag exactly as nh3's serializer writes it: name="value" pairs, the
# value never holding a raw quote. Matching pairs (not "anything up to >") keeps the
# match inside the tag whatever an attribute value holds.
_IMG_TAG = re.compile(r'<img((?:\s[a-z-]+="[^"]*")*)\s*/?>')
_ATTRIBUTE_NAME = re.compile(r'\s([a-z-]+)="[^"]*"')
_PRE_NEWLINE = re.compile(r"<pre>\n")
_MAX_PASSES = 4


def is_media_url(url: str) -> bool:
    """Return True if ``url`` points at a file under MEDIA_URL, with no way out of it."""
    if not url or _URL_TRICKS.search(url):
        return False
    try:
        parts = urlsplit(url)
        media = urlsplit(settings.MEDIA_URL)
    except ValueError:
        return False
    if (parts.scheme, parts.netloc) != (media.scheme, media.netloc):
        return False
    if not parts.path.startswith(media.path) or parts.path == media.path:
        return False
    # Browsers decode %2e and treat "\" like "/" before resolving dot segments.
    segments = unquote(parts.path).replace("\\", "/").split("/")
    return not any(segment in {".", ".."} for segment in segments)


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    """Return the attribute's value to keep, or None to drop the attribute."""
    if element == "img" and attribute == "src":
        return value if is_media_url(value) else None
    if attribute == "cite":  # a URL that nh3 does not check itself
        return value if _is_web_url(value) else None
    if attribute in _NUMERIC_ATTRIBUTES:
        return value if value.isascii() and value.isdigit() and len(value) <= 4 else None
    if attribute == "scope":
        return value if value in _SCOPES else None
    if element == "figure" and attribute == "class":
        return value if value == "embed" else None
    if attribute == "data-embed-url":
        return value if bodies.is_embed_url(value) else None
    return value


_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    # "*" must be given: without it Ammonia keeps its default lang/title on every tag.
    attributes={**ALLOWED_ATTRIBUTES, "*": set()},
    attribute_filter=_attribute_filter,
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


def _drop_img_without_src(match: re.Match) -> str:
    names = _ATTRIBUTE_NAME.findall(match.group(1))
    return match.group(0) if "src" in names else ""


def _clean_once(html: str) -> str:
    cleaned = _IMG_TAG.sub(_drop_img_without_src, _cleaner.clean(html))
    # The HTML parser eats a newline right after <pre>; write it twice as browsers do.
    return _PRE_NEWLINE.sub("<pre>\n\n", cleaned).strip()


def clean_html(html: str) -> str:
    """Return ``html`` reduced to the newsroom allowlist; idempotent."""
    if not html:
        return ""
    cleaned = _clean_once(html)
    # Misnested input (an <a> in an <a>, a heading fostered out of a table...) can give
    # a tree whose HTML parses differently; clean again until the output is stable.
    for _ in range(_MAX_PASSES):
        again = _clean_once(cleaned)
        if again == cleaned:
            break
        cleaned = again
    return bodies.convert_paragraphs(cleaned)
