"""Read a WordPress WXR export (``.xml``, WXR 1.0 to 1.2) into an ``Export``.

Pure Python, no database: ``read_wordpress(path)`` streams the file with
``xml.etree.ElementTree.iterparse`` and clears every ``<item>`` once read, so memory
holds the records it returns (and a small dict per attachment), not the XML tree.

What comes out (see ``imports.records``):

- people from ``wp:author`` (or, in WXR 1.0 which has none, from ``dc:creator``) and from
  Co-Authors Plus ``<category domain="author">`` terms; ``source_id`` is the login;
- categories and tags (``source_id`` "category:<nicename>" / "tag:<slug>"); post formats
  ("post-format-aside") are not tags and are ignored;
- posts (pages only with ``include_pages``) with status, times, body, excerpt, byline order,
  terms, featured image (``_thumbnail_id`` → attachment: URL, caption, alt, title) and old
  paths (the permalink's path and ``/?p=<id>``);
- old archive paths: ``/author/<slug>/``, ``/category/[<parent>/]<nicename>/``, ``/tag/<slug>/``;
- what was not taken, with reasons (``Export.skipped``), counted by kind for the bulk ones.

A file that is not a WXR export, or not well-formed, raises ``ExportError`` with one line.
A DOCTYPE that declares entities is refused before parsing (ElementTree expands them).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from articles.text import html_to_text
from imports.records import Export, ExportError, Image, Person, Post, Term

__all__ = ["read_wordpress", "slugify", "wordpress_html"]

# How much of the file's head is searched for a DOCTYPE (it must come before the root).
_HEAD_BYTES = 64 * 1024

_WP_NS = re.compile(r"^https?://(?:www\.)?wordpress\.(?:org|com)/export/(\d+\.\d+)/$")
_EXCERPT_NS = re.compile(r"^https?://(?:www\.)?wordpress\.(?:org|com)/export/\d+\.\d+/excerpt/$")
_FIXED_NS = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}

_STATUSES = {
    "publish": "published",
    "draft": "draft",
    "pending": "draft",
    "future": "scheduled",
    "private": "private",
}
_SKIPPED_STATUSES = {"trash": "in the trash", "auto-draft": "an auto-draft"}
_UNSET_DATE = "0000-00-00 00:00:00"


# --------------------------------------------------------------------------- helpers


def slugify(value: str) -> str:
    """Lowercase; every run of characters that are not letters or digits becomes one "-"."""
    return re.sub(r"[\W_]+", "-", value.lower()).strip("-")


def _text(value: str | None) -> str:
    return (value or "").strip()


def _parse_wp_date(value: str) -> datetime | None:
    value = _text(value)
    if not value or value.startswith("0000-00-00"):
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _parse_rss_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(_text(value))
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None or parsed.year < 1970:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _url_path(url: str) -> str:
    """The site path of a permalink ("https://x.org/2024/01/15/a/" → "/2024/01/15/a/").

    Percent-escapes are decoded, as Django's ``request.path`` has them. The query is kept
    ("/?p=12"); a bare home page ("/") gives "" (never an old path).
    """
    url = _text(url)
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    path = unquote(parts.path) or "/"
    if not path.startswith("/"):
        path = "/" + path
    if parts.query:
        return f"{path}?{parts.query}"
    return "" if path == "/" else path


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


# --------------------------------------------------------------------------- body HTML

_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "details",
        "dialog",
        "div",
        "dl",
        "dd",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "colgroup",
        "col",
        "ul",
        "summary",
        "legend",
        "map",
        "area",
        "math",
        "style",
        "script",
        "noscript",
        "textarea",
        "select",
        "option",
        "iframe",
        "video",
        "audio",
        "object",
    ]
)
_VOID_BLOCKS = frozenset({"hr", "col", "area"})
# Containers whose inner blank lines are paragraphs too (``<blockquote>`` with two paragraphs).
_FLOW_CONTAINERS = frozenset(
    [
        "blockquote",
        "div",
        "li",
        "dd",
        "td",
        "th",
        "section",
        "article",
        "aside",
        "main",
        "header",
        "footer",
        "details",
    ]
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>", re.S)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_COMMENT = re.compile(r"<!--.*?-->", re.S)

# Shortcodes WordPress core, WordPress.com and the common page builders register: these are
# dropped even when written without attributes ("[gallery]"). Unknown bare bracketed words
# ("[sic]", "[1]") are text and stay.
_KNOWN_SHORTCODES = frozenset(
    [
        "caption",
        "wp_caption",
        "gallery",
        "audio",
        "video",
        "playlist",
        "embed",
        "wpvideo",
        "youtube",
        "vimeo",
        "soundcloud",
        "twitter",
        "tweet",
        "instagram",
        "facebook",
        "googlemaps",
        "googleapps",
        "slideshare",
        "scribd",
        "polldaddy",
        "crowdsignal",
        "recipe",
        "contact-form",
        "contact-field",
        "contact-form-7",
        "gravityform",
        "gravityforms",
        "ninja_form",
        "wpforms",
        "sourcecode",
        "code",
        "php",
        "css",
        "html",
        "js",
        "javascript",
        "archives",
        "sitemap",
        "portfolio",
        "testimonials",
        "blog_subscription_form",
        "subscribe",
        "jetpack_subscription_form",
        "simple-payment",
        "dailymotion",
        "flickr",
        "spotify",
        "ted",
        "vine",
        "issuu",
        "mixcloud",
        "bandcamp",
        "gist",
        "wufoo",
    ]
)
_BUILDER_PREFIXES = ("vc_", "et_pb_", "fusion_", "su_", "av_", "ux_", "cs_", "bs_", "tie_")
_SC_NAME = r"[a-zA-Z][a-zA-Z0-9_-]*"
_CAPTION_SC = re.compile(r"\[(caption|wp_caption)\b([^\]]*)\](.*?)\[/\1\]", re.S | re.I)
_ENCLOSING_SC = re.compile(rf"\[({_SC_NAME})(\s[^\]]*)?\](.*?)\[/\1\]", re.S)
_SINGLE_SC = re.compile(rf"\[(/?)({_SC_NAME})(\s[^\]]*?)?\s*(/?)\]")
_ESCAPED_SC = re.compile(r"\[\[([^\[\]]+)\]\]")
_LEADING_IMAGE = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.S | re.I)
_CAPTION_ATTR = re.compile(r"""\bcaption\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def _is_known_shortcode(name: str) -> bool:
    name = name.lower()
    return name in _KNOWN_SHORTCODES or name.startswith(_BUILDER_PREFIXES)


def _caption_to_figure(match: re.Match[str]) -> str:
    attrs, inner = match.group(2), match.group(3)
    found = _LEADING_IMAGE.match(inner)
    if not found:  # a caption without an image: keep its text
        return inner
    image, caption = found.group(1), found.group(2).strip()
    if not caption:
        attr = _CAPTION_ATTR.search(attrs or "")
        if attr:
            caption = html.unescape(attr.group(1) if attr.group(1) is not None else attr.group(2))
            caption = html.escape(caption, quote=False)
    if caption:
        return f"<figure>{image}<figcaption>{caption}</figcaption></figure>"
    return f"<figure>{image}</figure>"


def _shortcodes(text: str) -> tuple[str, list[str]]:
    """Turn ``[caption]`` into figures, drop other shortcodes keeping their inner text.

    Returns the new text and the names of the shortcodes dropped, in order of appearance.
    """
    if "[" not in text:
        return text, []
    dropped: list[str] = []

    def note(name: str) -> None:
        if name.lower() not in dropped:
            dropped.append(name.lower())

    # "[[gallery]]" is WordPress's way to write a literal "[gallery]": keep it aside.
    escaped: list[str] = []

    def protect(match: re.Match[str]) -> str:
        escaped.append(f"[{match.group(1)}]")
        return f"\x00{len(escaped) - 1}\x00"

    text = _ESCAPED_SC.sub(protect, text)
    text = _CAPTION_SC.sub(_caption_to_figure, text)

    def unwrap(match: re.Match[str]) -> str:
        note(match.group(1))
        return match.group(3)

    for _ in range(20):  # nested shortcodes: unwrap from the inside out
        new = _ENCLOSING_SC.sub(unwrap, text)
        if new == text:
            break
        text = new

    def single(match: re.Match[str]) -> str:
        closing, name, attrs, selfclose = match.groups()
        if (
            _is_known_shortcode(name)
            or name.lower() in dropped
            or selfclose
            or (not closing and attrs and "=" in attrs)
        ):
            note(name)
            return ""
        return match.group(0)

    text = _SINGLE_SC.sub(single, text)
    if escaped:
        text = re.sub(r"\x00(\d+)\x00", lambda m: escaped[int(m.group(1))], text)
    return text, dropped


def _paragraph(chunk: str) -> str:
    """An inline chunk → ``<p>``, its single newlines → ``<br>`` (never inside a tag)."""
    chunk = re.sub(r"[ \t]+\n", "\n", chunk.strip())
    chunk = re.sub(r"(<[^>]*>)|\n", lambda m: m.group(1) or "<br>\n", chunk)
    return f"<p>{chunk}</p>"


def _inline_run(text: str) -> list[str]:
    return [_paragraph(chunk) for chunk in _BLANK_LINE.split(text) if chunk.strip()]


def _block_end(text: str, name: str, start: int) -> int:
    """Where the element opened just before ``start`` closes (nested same-name counted)."""
    depth = 1
    pattern = re.compile(rf"<(/?){name}\b[^>]*?(/?)>", re.I)
    for match in pattern.finditer(text, start):
        if match.group(1):
            depth -= 1
            if depth == 0:
                return match.end()
        elif not match.group(2):
            depth += 1
    return len(text)


def autop(text: str) -> str:
    """A simple wpautop: blank-line-separated text between block elements → ``<p>``.

    Block elements (``<p>``, ``<ul>``, ``<blockquote>``, ``<figure>``, ``<pre>``…) are kept as
    they are; the text between them is split on blank lines, each chunk wrapped in ``<p>``
    with its single newlines turned into ``<br>``. Content that is already in ``<p>``s (the
    block editor's) comes out unchanged.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    pos = 0
    scan = 0
    while match := _TAG.search(text, scan):
        closing, name = match.group(1), match.group(2).lower()
        if name not in _BLOCK_TAGS:
            scan = match.end()
            continue
        out.extend(_inline_run(text[pos : match.start()]))
        if closing or match.group(3) or name in _VOID_BLOCKS:
            end = match.end()  # a void or stray closing block tag stands alone
            out.append(text[match.start() : end])
        else:
            end = _block_end(text, name, match.end())
            segment = text[match.start() : end]
            if name in _FLOW_CONTAINERS:
                close = re.search(rf"</{name}\s*>$", segment, re.I)
                inner_end = close.start() if close else len(segment)
                inner_start = match.end() - match.start()
                inner = segment[inner_start:inner_end]
                if _BLANK_LINE.search(inner):
                    segment = segment[:inner_start] + autop(inner) + segment[inner_end:]
            out.append(segment)
        pos = scan = end
    out.extend(_inline_run(text[pos:]))
    return "\n".join(out)


def wordpress_html(content: str) -> tuple[str, list[str]]:
    """A WordPress ``content:encoded`` → (HTML body, warnings).

    Comments go (Gutenberg's ``<!-- wp:… -->`` block delimiters, ``<!--more-->``), captions
    become ``<figure>``s, other shortcodes give way to their inner text (listed in a warning),
    and bare paragraphs get their ``<p>``s.
    """
    if not content or not content.strip():
        return "", []
    text = _COMMENT.sub("", content.replace("\r\n", "\n"))
    text, dropped = _shortcodes(text)
    warnings = []
    if dropped:
        warnings.append("shortcodes dropped (inner text kept): " + ", ".join(dropped))
    return autop(text), warnings


# --------------------------------------------------------------------------- the reader


def _sniff(path: Path) -> None:
    """Refuse what is plainly not a WXR file, and any DOCTYPE declaring entities."""
    name = path.name
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except IsADirectoryError:
        raise ExportError(f"{name} is a folder, not a WordPress export (WXR) file") from None
    except OSError as error:
        raise ExportError(f"cannot read {name}: {error.strerror or error}") from None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("latin-1")
    stripped = text.lstrip()
    if not stripped:
        raise ExportError(f"{name} is empty, not a WordPress export (WXR)")
    if head.startswith(b"PK\x03\x04"):
        raise ExportError(
            f"{name} is a zip file, not a WordPress export (WXR): unzip it and give the .xml"
        )
    if stripped[0] in "{[":
        raise ExportError(
            f"{name} is JSON (a Ghost export?), not a WordPress export (WXR): "
            "use import_ghost for Ghost exports"
        )
    if stripped[0] != "<":
        raise ExportError(f"{name} is not a WordPress export (WXR): not XML")
    # The root element is the first "<" that opens neither a declaration, a comment nor a
    # processing instruction; a DOCTYPE (with its internal subset) can only come before it.
    prolog = _COMMENT.sub("", text)
    root = re.search(r"<[^!?]", prolog)
    doctype = re.search(r"<!DOCTYPE", prolog, re.I)
    if doctype and (root is None or doctype.start() < root.start()):
        if "<!ENTITY" in prolog.upper():
            raise ExportError(
                f"{name} is refused: its DOCTYPE declares entities "
                "(WordPress exports never do; entity expansion is unsafe)"
            )
        if root is None:
            raise ExportError(
                f"{name} is refused: its DOCTYPE is too long to check for entities "
                "(WordPress exports have none)"
            )


class _Reader:
    """One pass over the XML; state kept small (records, attachments as tuples)."""

    def __init__(self, path: Path, include_pages: bool) -> None:
        self.path = path
        self.include_pages = include_pages
        self.export = Export(source="wordpress")
        self.names: dict[str, str] = {}  # "{uri}local" → "wp:local"
        self.wp_version = ""  # from the wp: namespace URI
        self.wxr_version = ""  # from <wp:wxr_version>
        self.base_blog_url = ""
        self.base_site_url = ""
        self.channel_link = ""
        self.logins: dict[str, str] = {}  # slug of a login → the login as the export has it
        self.category_parents: dict[str, str] = {}  # category slug → parent slug
        self.attachments: dict[str, tuple[str, str, str, str]] = {}
        self.thumbnails: list[tuple[Post, str]] = []
        self.post_ids: set[str] = set()
        self.skipped_counts: Counter[str] = Counter()
        self.comments = 0

    # -- names

    def name(self, tag: str) -> str:
        """``{uri}local`` → ``prefix:local`` for the namespaces WXR uses (any version)."""
        known = self.names.get(tag)
        if known is not None:
            return known
        result = tag
        if tag.startswith("{"):
            uri, _, local = tag[1:].partition("}")
            prefix = _FIXED_NS.get(uri)
            if prefix is None and _EXCERPT_NS.match(uri):
                prefix = "excerpt"
            if prefix is None and (found := _WP_NS.match(uri)):
                prefix = "wp"
                self.wp_version = self.wp_version or found.group(1)
            if prefix:
                result = f"{prefix}:{local}"
        self.names[tag] = result
        return result

    # -- the pass

    def read(self) -> Export:
        name = self.path.name
        saw_wp_namespace = False
        channel: ET.Element | None = None
        depth = 0
        try:
            events = ET.iterparse(self.path, events=("start-ns", "start", "end"))
            for event, value in events:
                if event == "start-ns":
                    if _WP_NS.match(value[1]):
                        saw_wp_namespace = True
                    continue
                elem = value
                if event == "start":
                    depth += 1
                    if depth == 1 and elem.tag != "rss":
                        local = elem.tag.rpartition("}")[2]
                        raise ExportError(
                            f"{name} is not a WordPress export (WXR): "
                            f"its root element is <{local}>, not <rss>"
                        )
                    if depth == 2 and elem.tag == "channel":
                        if not saw_wp_namespace:
                            raise ExportError(
                                f"{name} is not a WordPress export (WXR): no wp: namespace"
                            )
                        channel = elem
                    continue
                # "end"
                depth -= 1
                if depth == 2 and channel is not None:
                    self.channel_child(elem)
                    del channel[:]  # what was read is let go: memory stays flat
        except ET.ParseError as error:
            raise ExportError(
                f"{name} is not well-formed XML (truncated or damaged?): {_one_line(error)}"
            ) from None
        except (UnicodeError, LookupError, ValueError) as error:
            raise ExportError(f"{name} cannot be read as XML: {_one_line(error)}") from None
        except OSError as error:
            raise ExportError(f"cannot read {name}: {error.strerror or error}") from None
        if channel is None:
            raise ExportError(f"{name} is not a WordPress export (WXR): no <channel>")
        self.finish()
        return self.export

    # -- channel level

    def channel_child(self, elem: ET.Element) -> None:
        tag = self.name(elem.tag)
        if tag == "item":
            self.item(elem)
        elif tag == "wp:author":
            self.author(elem)
        elif tag == "wp:category":
            self.category(elem)
        elif tag == "wp:tag":
            self.tag(elem)
        elif tag == "wp:wxr_version":
            self.wxr_version = _text(elem.text)
        elif tag == "wp:base_site_url":
            self.base_site_url = _text(elem.text)
        elif tag == "wp:base_blog_url":
            self.base_blog_url = _text(elem.text)
        elif tag == "link":
            self.channel_link = _text(elem.text)

    def fields(self, elem: ET.Element) -> dict[str, str]:
        values: dict[str, str] = {}
        for child in elem:
            values.setdefault(self.name(child.tag), child.text or "")
        return values

    def add_person(self, login: str, name: str, email: str = "") -> Person:
        people = self.export.people
        if login in people:
            return people[login]
        slug = slugify(login) or login
        person = Person(source_id=login, name=name or login, slug=slug, email=email)
        people[login] = person
        self.logins.setdefault(slug, login)
        self.export.person_paths[f"/author/{slug}/"] = login
        if login != slug and re.fullmatch(r"[\w.-]+", login):
            self.export.person_paths.setdefault(f"/author/{login}/", login)
        return person

    def author(self, elem: ET.Element) -> None:
        values = self.fields(elem)
        login = _text(values.get("wp:author_login"))
        if not login:
            return
        name = html.unescape(_text(values.get("wp:author_display_name")))
        if not name:
            first = _text(values.get("wp:author_first_name"))
            last = _text(values.get("wp:author_last_name"))
            name = html.unescape(f"{first} {last}".strip())
        person = self.add_person(login, name, _text(values.get("wp:author_email")))
        # A login first seen in a dc:creator (before its wp:author) gets its details now.
        person.name = name or person.name
        person.email = _text(values.get("wp:author_email")) or person.email

    def add_term(self, kind: str, slug: str, name: str, description: str = "") -> str:
        source_id = f"{kind}:{slug}"
        terms = self.export.terms
        if source_id not in terms:
            terms[source_id] = Term(
                source_id=source_id,
                name=name or slug,
                slug=slug,
                description=description,
                kind=kind,
            )
            archive = "category" if kind == "category" else "tag"
            self.export.term_paths[f"/{archive}/{slug}/"] = source_id
        return source_id

    def declare_term(
        self, kind: str, values: dict[str, str], name_key: str, slug_key: str, about_key: str
    ) -> str | None:
        """Record a category or tag the export declares; return its slug (None without one).

        An item may have named the term first: the declaration's name and description win.
        """
        name = html.unescape(_text(values.get(name_key)))
        slug = unquote(_text(values.get(slug_key))) or slugify(name)
        if not slug:
            return None
        description = html.unescape(_text(values.get(about_key)))
        term = self.export.terms[self.add_term(kind, slug, name, description)]
        term.name = name or term.name
        term.description = description or term.description
        return slug

    def category(self, elem: ET.Element) -> None:
        values = self.fields(elem)
        slug = self.declare_term(
            "category", values, "wp:cat_name", "wp:category_nicename", "wp:category_description"
        )
        parent = unquote(_text(values.get("wp:category_parent")))
        if slug and parent and parent != slug:
            self.category_parents[slug] = parent

    def tag(self, elem: ET.Element) -> None:
        self.declare_term(
            "tag", self.fields(elem), "wp:tag_name", "wp:tag_slug", "wp:tag_description"
        )

    # -- items

    def item(self, elem: ET.Element) -> None:
        values: dict[str, str] = {}
        terms: list[tuple[str, str, str]] = []  # (domain, nicename, text)
        meta: dict[str, str] = {}
        for child in elem:
            tag = self.name(child.tag)
            if tag == "category":
                terms.append((child.get("domain") or "", child.get("nicename") or "", child.text))
            elif tag == "wp:postmeta":
                pair = self.fields(child)
                key = _text(pair.get("wp:meta_key"))
                if key and key not in meta:
                    meta[key] = pair.get("wp:meta_value") or ""
            elif tag == "wp:comment":
                self.comments += 1
            else:
                values.setdefault(tag, child.text or "")
        elem.clear()

        post_type = _text(values.get("wp:post_type")) or "post"
        post_id = _text(values.get("wp:post_id"))
        if post_type == "attachment":
            if post_id:
                self.attachments[post_id] = (
                    _text(values.get("wp:attachment_url")) or _text(values.get("guid")),
                    html_to_text(values.get("excerpt:encoded") or ""),
                    html_to_text(meta.get("_wp_attachment_image_alt", "")),
                    html_to_text(values.get("title") or ""),
                )
            self.skipped_counts["attachment"] += 1
            return
        if post_type == "page" and not self.include_pages:
            self.skipped_counts["page"] += 1
            return
        if post_type not in ("post", "page"):
            self.skipped_counts[post_type] += 1
            return

        title = html.unescape(_text(values.get("title")))
        what = f'{post_type} {post_id or "?"} "{title or "(untitled)"}"'
        status_wp = _text(values.get("wp:status"))
        if status_wp in _SKIPPED_STATUSES:
            self.export.skipped.append((what, _SKIPPED_STATUSES[status_wp]))
            return
        if not post_id:
            self.export.skipped.append((what, "no wp:post_id"))
            return
        if post_id in self.post_ids:
            self.export.skipped.append((what, f"a second item with wp:post_id {post_id}"))
            return
        self.post_ids.add(post_id)

        warnings: list[str] = []
        status = _STATUSES.get(status_wp)
        if status is None:
            status = "draft"
            warnings.append(f"WordPress status {status_wp or '(none)'!r}: imported as a draft")
        if _text(values.get("wp:post_password")):
            status = "private"
            warnings.append("password-protected in WordPress")
        if not title:
            warnings.append("no title in the export")

        published = _parse_wp_date(values.get("wp:post_date_gmt", ""))
        if published is None:
            published = _parse_wp_date(values.get("wp:post_date", ""))
        if published is None and status != "draft":
            published = _parse_rss_date(values.get("pubDate", ""))
        updated = _parse_wp_date(values.get("wp:post_modified_gmt", "")) or _parse_wp_date(
            values.get("wp:post_modified", "")
        )

        body, body_warnings = wordpress_html(values.get("content:encoded") or "")
        warnings.extend(body_warnings)

        post = Post(
            source_id=post_id,
            title=title,
            slug=unquote(_text(values.get("wp:post_name"))),
            html=body,
            excerpt=html_to_text(values.get("excerpt:encoded") or ""),
            status=status,
            published_at=published,
            updated_at=updated,
            author_ids=self.byline(_text(values.get("dc:creator")), terms, warnings),
            is_page=post_type == "page",
            warnings=warnings,
        )
        self.item_terms(post, terms)
        link_path = _url_path(values.get("link") or "")
        id_path = f"/?page_id={post_id}" if post_type == "page" else f"/?p={post_id}"
        for path in (link_path, id_path):
            if path and path not in post.old_paths:
                post.old_paths.append(path)
        thumbnail = _text(meta.get("_thumbnail_id"))
        if thumbnail:
            self.thumbnails.append((post, thumbnail))
        self.export.posts.append(post)

    def byline(
        self, creator: str, terms: list[tuple[str, str, str]], warnings: list[str]
    ) -> list[str]:
        """``dc:creator`` first, then Co-Authors Plus ``author`` terms in document order."""
        ids: list[str] = []
        if creator:
            known = creator if creator in self.export.people else self.logins.get(slugify(creator))
            if known and known != creator:
                warnings.append(f"dc:creator {creator!r} taken as the author {known!r}")
            ids.append(known or self.add_person(creator, creator).source_id)
        for domain, nicename, text in terms:
            if domain != "author":
                continue
            name = html.unescape(_text(text))
            login = unquote(_text(nicename)) or slugify(name)
            if login.startswith("cap-"):
                login = login[4:]
            if not login:
                continue
            known = login if login in self.export.people else self.logins.get(slugify(login))
            source_id = known or self.add_person(login, name).source_id
            if source_id not in ids:
                ids.append(source_id)
        return ids

    def item_terms(self, post: Post, terms: list[tuple[str, str, str]]) -> None:
        has_domains = any(domain for domain, _, _ in terms)
        for domain, nicename, text in terms:
            name = html.unescape(_text(text))
            if domain == "category" or (not domain and not has_domains):
                kind, target = "category", post.category_ids
            elif domain in ("post_tag", "tag"):
                kind, target = "tag", post.tag_ids
            else:  # post_format, author (done in byline), custom taxonomies
                continue
            slug = unquote(_text(nicename)) or slugify(name)
            if not slug:
                continue
            source_id = self.add_term(kind, slug, name)
            if source_id not in target:
                target.append(source_id)

    # -- after the pass

    def finish(self) -> None:
        export = self.export
        version = self.wxr_version or self.wp_version
        export.version = f"wxr {version}" if version else "wxr"
        export.site_url = (self.base_blog_url or self.channel_link or self.base_site_url).rstrip(
            "/"
        )
        for post, thumbnail in self.thumbnails:
            attachment = self.attachments.get(thumbnail)
            if attachment is None or not attachment[0]:
                post.warnings.append(
                    f"featured image (attachment {thumbnail}) is not in the export"
                )
                continue
            url, caption, alt, title = attachment
            post.feature_image = Image(url=url, caption=caption, alt=alt, title=title)
        self.attachments.clear()
        self.category_paths()
        self.skipped_summary()

    def category_paths(self) -> None:
        """Nested categories answer at ``/category/<parent>/<child>/`` too (full chain)."""
        terms = self.export.terms
        for slug in self.category_parents:
            chain = [slug]
            parent = self.category_parents.get(slug)
            while parent and parent not in chain and f"category:{parent}" in terms:
                chain.insert(0, parent)
                parent = self.category_parents.get(parent)
            if len(chain) > 1:
                path = "/category/" + "/".join(chain) + "/"
                self.export.term_paths.setdefault(path, f"category:{slug}")

    def skipped_summary(self) -> None:
        reasons = {
            "attachment": "media library entries, not posts (used for featured images)",
            "page": "pages (imported only when pages are asked for)",
        }
        for post_type, count in sorted(self.skipped_counts.items()):
            label = "item" if count == 1 else "items"
            reason = reasons.get(post_type, "not posts")
            self.export.skipped.append((f"{count} {post_type} {label}", reason))
        if self.comments:
            label = "comment" if self.comments == 1 else "comments"
            self.export.skipped.append((f"{self.comments} {label}", "comments are not imported"))


def read_wordpress(path: Path, *, include_pages: bool = False) -> Export:
    """Read the WXR export at ``path`` into an ``Export`` (no database, nothing written).

    Pages come too (``Post.is_page``) when ``include_pages``. Raises ``ExportError`` (one
    line) for a file that cannot be read, is not a WXR export, is not well-formed XML, or
    declares entities in a DOCTYPE.
    """
    path = Path(path)
    _sniff(path)
    return _Reader(path, include_pages).read()
