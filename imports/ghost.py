"""Read a Ghost export (JSON, or a zip holding it) into an ``imports.records.Export``.

Pure Python: no database, no files written, no network. ``read_ghost`` reads any export
from Ghost 1.x to 6.x: ``{"db": [{"meta": …, "data": {"posts": […], …}}]}`` or the db entry
itself (``{"meta": …, "data": …}``), or a ``.zip`` holding one (its first ``*.json``; the
``content/images/`` beside it is left to the writer, which resolves image URLs).

What it keeps, Ghost's way: posts (pages only with ``include_pages``), status and times,
slugs, the custom excerpt, the ``html`` body (or the text of ``lexical``/``mobiledoc`` when a
hand-made export has no ``html``, with a warning), the feature image with its caption (made
plain text) and alt, authors in byline order (``posts_authors.sort_order``, else 1.x's
``author_id``), public tags in order (the first one is the primary tag; internal ``#tags``
are left out), and the old paths (``/<slug>/``, ``/tag/<slug>/``, ``/author/<slug>/``).
Ghost's ``__GHOST_URL__`` placeholder becomes the site's address when the export says it,
else nothing (a URL relative to the site). A file that is not a Ghost export raises
``ExportError`` with one line; a bad row is skipped with its reason, never a traceback.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from imports.records import Export, ExportError, Image, Person, Post, Term

GHOST_URL = "__GHOST_URL__"
_STATUSES = {"published": "published", "draft": "draft", "scheduled": "scheduled"}
_TRUE = {"1", "true", "yes"}
# Ghost's headings run h1–h6; bodies allow h2–h4.
_HEADINGS = {"h1": "h2", "h2": "h2", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}
# Mobiledoc markups kept as they are (others are dropped, their text kept).
_INLINE = {"strong", "b", "em", "i", "u", "s", "code", "sub", "sup", "a"}
# Lexical text format bits, in nesting order.
_LEXICAL_FORMATS = ((1, "strong"), (2, "em"), (4, "s"), (8, "u"), (16, "code"))
_BLOCK_TAGS = {
    "p", "div", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
    "blockquote", "figure", "figcaption", "pre", "table", "tr", "section", "article", "aside",
}  # fmt: skip
_SKIP_CONTENT = {"script", "style", "template", "noscript"}
_SPACES = re.compile(r"\s+")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.S)


def read_ghost(path: Path, *, include_pages: bool = False) -> Export:
    """Read the Ghost export at PATH (``.json`` or ``.zip``); ``ExportError`` if it is not one."""
    document, name = _load(Path(path))
    meta, data = _db_entry(document, name)
    del document
    version = _text(meta.get("version"))
    settings = {
        row.get("key"): row.get("value") for row in _rows(data.get("settings")) if "key" in row
    }
    site_url = _text(meta.get("url") or settings.get("url") or settings.get("site_url"))
    export = Export(
        source="ghost",
        version=f"ghost {version}" if version else "ghost",
        site_url=site_url.rstrip("/"),
    )
    reader = _Reader(export, data, include_pages=include_pages)
    reader.read()
    return export


# --- the file -------------------------------------------------------------------------------


def _load(path: Path) -> tuple[Any, str]:
    """The parsed JSON, and the name to show in messages."""
    name = path.name
    try:
        with path.open("rb") as file:
            head = file.read(1024)
        if head.startswith(b"PK"):
            return _load_zip(path)
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if not start:
            raise ExportError(f"{name} is not a Ghost export: the file is empty")
        if start == b"<":
            raise ExportError(
                f"{name} is not a Ghost export: it is XML or HTML"
                " (a WordPress export? use import_wordpress)"
            )
        with path.open(encoding="utf-8-sig") as file:
            return _parse(file, name), name
    except FileNotFoundError:
        raise ExportError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ExportError(f"{name} is a folder, not a Ghost export file") from None
    except OSError as exc:
        raise ExportError(f"{name} cannot be read: {exc.strerror or exc}") from None


# The compression methods Python's zipfile reads; an export zipped with another (Deflate64,
# as some Windows tools make) is refused with a message instead.
READABLE_COMPRESSION = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)


def _load_zip(path: Path) -> tuple[Any, str]:
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            member = next(
                (
                    info
                    for info in archive.infolist()
                    if not info.is_dir()
                    and info.filename.lower().endswith(".json")
                    and not info.filename.startswith("__MACOSX/")
                    and not info.filename.rsplit("/", 1)[-1].startswith(".")
                ),
                None,
            )
            if member is None:
                raise ExportError(f"{name} is not a Ghost export: the zip holds no .json file")
            shown = f"{name}:{member.filename}"
            if member.compress_type not in READABLE_COMPRESSION:
                raise ExportError(
                    f"{shown} uses a zip compression Python cannot read "
                    f"(method {member.compress_type}): zip it again with deflate"
                )
            with archive.open(member) as raw:
                return _parse(io.TextIOWrapper(raw, encoding="utf-8-sig"), shown), shown
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise ExportError(f"{name} is not a readable zip: {exc}") from None


def _parse(file: io.TextIOBase | Any, name: str) -> Any:
    try:
        return json.load(file)
    except json.JSONDecodeError as exc:
        if exc.pos < 1024 and not exc.doc[: exc.pos].strip():
            raise ExportError(f"{name} is not a Ghost export: it is not JSON") from None
        ending = exc.doc[-64:].rstrip()[-1:]  # a whole export ends with "}"
        cut = " (the file looks cut short)" if ending not in ("}", "]") else ""
        raise ExportError(
            f"{name} is not a Ghost export: its JSON is broken at line {exc.lineno},"
            f" column {exc.colno}: {exc.msg}{cut}"
        ) from None
    except UnicodeDecodeError:
        raise ExportError(f"{name} is not a Ghost export: it is not UTF-8 text") from None
    except RecursionError:
        raise ExportError(f"{name} is not a Ghost export: its JSON is nested too deeply") from None
    except zipfile.BadZipFile as exc:
        raise ExportError(f"{name} cannot be read from the zip: {exc}") from None


def _db_entry(document: Any, name: str) -> tuple[dict, dict]:
    """Ghost's ``meta`` and ``data``, from either shape of export."""
    if not isinstance(document, dict):
        kind = type(document).__name__
        raise ExportError(f'{name} is not a Ghost export: it holds a JSON {kind}, not a "db"')
    if "db" in document:
        db = document["db"]
        if isinstance(db, list):
            if not db:
                raise ExportError(f'{name} is not a Ghost export: its "db" list is empty')
            entry = db[0]
        else:
            entry = db
    elif "data" in document:
        entry = document
    else:
        raise ExportError(f'{name} is not a Ghost export: it has no "db" list')
    if not isinstance(entry, dict) or not isinstance(entry.get("data"), dict):
        raise ExportError(f'{name} is not a Ghost export: its "db" entry has no "data"')
    data = entry["data"]
    if not isinstance(data.get("posts"), list):
        raise ExportError(f'{name} is not a Ghost export: its "data" has no "posts" list')
    meta = entry.get("meta")
    return (meta if isinstance(meta, dict) else {}), data


# --- the records ----------------------------------------------------------------------------


class _Reader:
    def __init__(self, export: Export, data: dict, *, include_pages: bool) -> None:
        self.export = export
        self.data = data
        self.include_pages = include_pages
        self.site_url = export.site_url
        self.users = {_text(row.get("id")): row for row in _rows(data.get("users"))}
        self.tags = {_text(row.get("id")): row for row in _rows(data.get("tags"))}
        self.post_authors = _by_post(data.get("posts_authors"), "author_id")
        self.post_tags = _by_post(data.get("posts_tags"), "tag_id")
        self.posts_meta = {_text(row.get("post_id")): row for row in _rows(data.get("posts_meta"))}
        self.public_tags: set[str] = set()
        self.authors_used: set[str] = set()

    def read(self) -> None:
        self._read_tags()
        for index, row in enumerate(self.data["posts"]):
            if not isinstance(row, dict):
                self.export.skipped.append((f"posts[{index}]", "not an object"))
                continue
            what = _describe(row)
            try:
                post = self._post(row, what)
            except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
                self.export.skipped.append((what, f"could not be read: {exc}"))
                continue
            if post is not None:
                self.export.posts.append(post)
        self._read_people()

    # tags

    def _read_tags(self) -> None:
        for tag_id, row in self.tags.items():
            name = _text(row.get("name"))
            slug = _text(row.get("slug"))
            if name.startswith("#") or row.get("visibility") == "internal":
                self.export.skipped.append((f'tag "{name}"', "internal tag, not public"))
                continue
            self.public_tags.add(tag_id)
            self.export.terms[tag_id] = Term(
                source_id=tag_id,
                name=name or slug,
                slug=slug,
                description=_text(row.get("description")),
                kind="tag",
            )
            if slug:
                self.export.term_paths[f"/tag/{slug}/"] = tag_id

    # people

    def _read_people(self) -> None:
        for user_id, row in self.users.items():
            name = _text(row.get("name"))
            slug = _text(row.get("slug"))
            if user_id not in self.authors_used:
                self.export.skipped.append(
                    (f'user "{name or slug or user_id}"', "wrote no imported post")
                )
                continue
            avatar = self._url(row.get("profile_image"))
            self.export.people[user_id] = Person(
                source_id=user_id,
                name=name or slug or user_id,
                slug=slug,
                email=_text(row.get("email")),
                bio=_text(row.get("bio")),
                website=_text(row.get("website")),
                avatar=Image(url=avatar) if avatar else None,
            )
            if slug:
                self.export.person_paths[f"/author/{slug}/"] = user_id

    # posts

    def _post(self, row: dict, what: str) -> Post | None:
        post_id = _text(row.get("id"))
        if not post_id:
            self.export.skipped.append((what, "has no id"))
            return None
        kind = row.get("type")
        if isinstance(kind, str) and kind:
            is_page = kind == "page"
            if kind not in ("post", "page"):
                self.export.skipped.append((what, f'type "{kind}" is not a post'))
                return None
        else:
            is_page = _true(row.get("page"))
        if is_page and not self.include_pages:
            self.export.skipped.append((what, "a page, not a post (pages were not asked for)"))
            return None

        warnings: list[str] = []
        slug = _text(row.get("slug")).strip("/")
        post = Post(
            source_id=post_id,
            title=_text(row.get("title")),
            slug=slug,
            excerpt=_text(row.get("custom_excerpt")).strip(),
            is_page=is_page,
            old_paths=[f"/{slug}/"] if slug else [],
            warnings=warnings,
        )
        if not post.title:
            warnings.append("No title")
        post.status = self._status(row, warnings)
        post.published_at = _time_field(row, "published_at", warnings)
        post.updated_at = _time_field(row, "updated_at", warnings)
        if post.status in ("published", "scheduled") and post.published_at is None:
            warnings.append(f"{post.status.capitalize()} without a published_at time")
        post.html = self._body(row, warnings)
        post.feature_image = self._feature_image(row, self.posts_meta.get(post_id, {}))
        post.author_ids = self._authors(row, post_id, warnings)
        post.tag_ids = self._tags(post_id, warnings)
        post.primary_tag_id = post.tag_ids[0] if post.tag_ids else ""
        return post

    def _status(self, row: dict, warnings: list[str]) -> str:
        raw = _text(row.get("status"))
        if raw == "sent":
            warnings.append('Status "sent" (sent by email only, never on the site): private')
            return "private"
        status = _STATUSES.get(raw)
        if status is None:
            warnings.append(f'Unknown status "{raw}": imported as a draft')
            status = "draft"
        visibility = _text(row.get("visibility")) or "public"
        if status == "draft":
            return status
        if row.get("password"):
            warnings.append("Password-protected: imported as private")
            return "private"
        if visibility != "public":
            warnings.append(f'Visibility "{visibility}" (not public): imported as private')
            return "private"
        return status

    def _body(self, row: dict, warnings: list[str]) -> str:
        html = row.get("html")
        if isinstance(html, str) and html.strip():
            return self._site_urls(html)
        for field, convert in (("lexical", _lexical_html), ("mobiledoc", _mobiledoc_html)):
            source = row.get(field)
            if not source:
                continue
            try:
                document = json.loads(source) if isinstance(source, str) else source
                body = convert(document, warnings)
            except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
                warnings.append(f"No html, and its {field} could not be read: body left empty")
                return ""
            warnings.append(f"Only {field}: its text was kept, not its formatting")
            return self._site_urls(body)
        plaintext = row.get("plaintext")
        if isinstance(plaintext, str) and plaintext.strip():
            warnings.append("Only plaintext: its text was kept, not its formatting")
            return _paragraphs(plaintext)
        warnings.append("No body (no html, lexical or mobiledoc)")
        return ""

    def _feature_image(self, row: dict, meta: dict) -> Image | None:
        url = self._url(row.get("feature_image"))
        if not url:
            return None
        caption = row.get("feature_image_caption") or meta.get("feature_image_caption")
        alt = row.get("feature_image_alt") or meta.get("feature_image_alt")
        return Image(url=url, caption=_html_text(_text(caption)), alt=_text(alt).strip())

    def _authors(self, row: dict, post_id: str, warnings: list[str]) -> list[str]:
        ids = self.post_authors.get(post_id) or [_text(row.get("author_id"))]
        authors: list[str] = []
        for author_id in ids:
            if not author_id or author_id in authors:
                continue
            if author_id not in self.users:
                warnings.append(f'Author "{author_id}" is not among the users: left out')
                continue
            authors.append(author_id)
            self.authors_used.add(author_id)
        if not authors:
            warnings.append("No author")
        return authors

    def _tags(self, post_id: str, warnings: list[str]) -> list[str]:
        tags: list[str] = []
        for tag_id in self.post_tags.get(post_id, ()):
            if tag_id in self.public_tags:
                if tag_id not in tags:
                    tags.append(tag_id)
            elif tag_id not in self.tags:
                warnings.append(f'Tag "{tag_id}" is not among the tags: left out')
        return tags

    def _url(self, value: Any) -> str:
        url = _text(value).strip()
        if url.startswith("//"):
            return "https:" + url
        return self._site_urls(url)

    def _site_urls(self, text: str) -> str:
        return text.replace(GHOST_URL, self.site_url) if GHOST_URL in text else text


def _rows(value: Any) -> Iterable[dict]:
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def _by_post(value: Any, key: str) -> dict[str, list[str]]:
    """post_id → the KEY ids of a join table, in ``sort_order`` (then the export's order)."""
    rows = sorted(_rows(value), key=lambda row: _number(row.get("sort_order")))
    joined: dict[str, list[str]] = {}
    for row in rows:
        joined.setdefault(_text(row.get("post_id")), []).append(_text(row.get(key)))
    return joined


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _true(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def _describe(row: dict) -> str:
    kind = "page" if row.get("type") == "page" or _true(row.get("page")) else "post"
    title = _text(row.get("title")) or "(untitled)"
    slug = _text(row.get("slug"))
    return f'{kind} "{title}"' + (f" ({slug})" if slug else "")


def _time_field(row: dict, field: str, warnings: list[str]) -> datetime | None:
    value = row.get(field)
    try:
        return parse_time(value)
    except (ValueError, TypeError, OverflowError, OSError):
        warnings.append(f"{field} {value!r} is not a time: left empty")
        return None


def parse_time(value: Any) -> datetime | None:
    """A Ghost time (ISO 8601, "2017-01-01 12:00:00" or epoch milliseconds) as aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("not a time")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= 1e11 else value  # Ghost writes milliseconds
        return datetime.fromtimestamp(seconds, UTC)
    if not isinstance(value, str):
        raise TypeError("not a time")
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)  # Ghost keeps UTC
    return moment.astimezone(UTC)


# --- bodies without html --------------------------------------------------------------------


class _TextCollector(HTMLParser):
    """The text of an HTML fragment, with a break at each block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP_CONTENT:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_CONTENT:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _html_blocks(fragment: str) -> list[str]:
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    text = "".join(collector.parts)
    blocks = (_SPACES.sub(" ", block).strip() for block in re.split(r"\n\s*\n", text))
    return [block for block in blocks if block]


def _html_text(fragment: str) -> str:
    """An HTML fragment (a Ghost caption) as one line of plain text."""
    if not fragment:
        return ""
    return " ".join(_html_blocks(fragment))


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(block)}</p>" for block in _blocks(text))


def _blocks(text: str) -> list[str]:
    blocks = (block.strip() for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")))
    return [block for block in blocks if block]


def _markdown_html(markdown: str) -> str:
    """Markdown's text: blocks as paragraphs, ``#`` lines as headings; no other formatting."""
    parts = []
    for block in _blocks(markdown):
        heading = _MD_HEADING.match(block)
        if heading:
            tag = _HEADINGS[f"h{len(heading.group(1))}"]
            parts.append(f"<{tag}>{escape(_SPACES.sub(' ', heading.group(2)))}</{tag}>")
        else:
            lines = (line.strip().removeprefix(">").strip() for line in block.splitlines())
            parts.append(f"<p>{escape(' '.join(line for line in lines if line))}</p>")
    return "".join(parts)


def _figure(src: Any, alt: Any = "", caption: Any = "") -> str:
    src = _text(src).strip()
    if not src:
        return ""
    figcaption = _html_text(_text(caption))
    return (
        f'<figure><img src="{escape(src)}" alt="{escape(_text(alt))}">'
        + (f"<figcaption>{escape(figcaption)}</figcaption>" if figcaption else "")
        + "</figure>"
    )


def _card_html(name: str, payload: Any, warnings: list[str], editor: str) -> str:
    """A Ghost card (mobiledoc's or lexical's) as simple HTML."""
    payload = payload if isinstance(payload, dict) else {}
    name = name.removeprefix("card-")
    if name == "markdown":
        return _markdown_html(_text(payload.get("markdown")))
    if name in ("html", "callout", "toggle", "header", "signup", "product", "button"):
        pieces = [
            payload.get(key)
            for key in ("heading", "header", "subheader", "html", "calloutText", "content")
        ]
        text = "\n\n".join(_text(piece) for piece in pieces if piece)
        return "".join(f"<p>{escape(block)}</p>" for block in _html_blocks(text))
    if name == "image":
        return _figure(payload.get("src"), payload.get("alt"), payload.get("caption"))
    if name == "gallery":
        images = payload.get("images") if isinstance(payload.get("images"), list) else []
        return "".join(
            _figure(image.get("src"), image.get("alt"), image.get("caption"))
            for image in images
            if isinstance(image, dict)
        )
    if name == "code" or name == "codeblock":
        return f"<pre><code>{escape(_text(payload.get('code')))}</code></pre>"
    if name in ("embed", "bookmark", "video", "audio", "file"):
        url = _text(payload.get("url") or payload.get("src")).strip()
        return f'<p><a href="{escape(url)}">{escape(url)}</a></p>' if url else ""
    if name in ("hr", "horizontalrule"):
        return "<hr>"
    if name in ("paywall", "email", "email-cta"):
        return ""
    warnings.append(f'A {editor} card "{name}" was left out')
    return ""


def _mobiledoc_html(document: dict, warnings: list[str]) -> str:
    markups = document.get("markups") or []
    atoms = document.get("atoms") or []
    cards = document.get("cards") or []
    parts: list[str] = []
    for section in document.get("sections") or []:
        kind = section[0]
        if kind == 1:  # markup section: [1, tag, markers]
            tag = _text(section[1]).lower()
            inner = _mobiledoc_markers(section[2], markups, atoms)
            if not inner.strip():
                continue
            if tag in _HEADINGS:
                tag = _HEADINGS[tag]
                parts.append(f"<{tag}>{inner}</{tag}>")
            elif tag in ("blockquote", "aside", "pull-quote"):
                parts.append(f"<blockquote><p>{inner}</p></blockquote>")
            else:
                parts.append(f"<p>{inner}</p>")
        elif kind == 3:  # list section: [3, "ul"|"ol", [markers, …]]
            tag = "ol" if _text(section[1]).lower() == "ol" else "ul"
            items = "".join(
                f"<li>{_mobiledoc_markers(item, markups, atoms)}</li>" for item in section[2]
            )
            parts.append(f"<{tag}>{items}</{tag}>")
        elif kind == 2:  # image section: [2, src]
            parts.append(_figure(section[1]))
        elif kind == 10:  # card section: [10, card index]
            name, payload = cards[section[1]][:2]
            parts.append(_card_html(_text(name), payload, warnings, "mobiledoc"))
    return "".join(parts)


def _mobiledoc_markers(markers: list, markups: list, atoms: list) -> str:
    """Marker texts, escaped, with their inline markups (links, bold, italic…)."""
    out: list[str] = []
    stack: list[str] = []  # the closing tag of each open markup ("" when dropped)
    for marker in markers:
        if len(marker) >= 4:  # 0.3: [type, open markups, closed count, value]
            kind, opened, closed, value = marker[:4]
        else:  # 0.2: [open markups, closed count, text]
            kind, (opened, closed, value) = 0, marker[:3]
        for index in opened or []:
            markup = markups[index]
            tag = _text(markup[0]).lower()
            if tag not in _INLINE:
                stack.append("")
                continue
            attributes = ""
            if tag == "a":
                pairs = markup[1] if len(markup) > 1 and isinstance(markup[1], list) else []
                fields = dict(zip(pairs[::2], pairs[1::2], strict=False))
                attributes = f' href="{escape(_text(fields.get("href")))}"'
            out.append(f"<{tag}{attributes}>")
            stack.append(f"</{tag}>")
        if kind == 1:  # an atom: [name, text, payload]
            atom = atoms[value]
            out.append("<br>" if atom[0] == "soft-return" else escape(_text(atom[1])))
        else:
            out.append(escape(_text(value)))
        for _ in range(min(closed or 0, len(stack))):
            out.append(stack.pop())
    out.extend(reversed(stack))
    return "".join(out)


def _lexical_html(document: dict, warnings: list[str]) -> str:
    root = document.get("root") or {}
    return "".join(_lexical_block(node, warnings) for node in root.get("children") or [])


def _lexical_block(node: dict, warnings: list[str]) -> str:
    kind = _text(node.get("type"))
    children = node.get("children") or []
    if kind in ("paragraph", "extended-text"):
        inner = _lexical_inline(children)
        return f"<p>{inner}</p>" if inner.strip() else ""
    if kind in ("heading", "extended-heading"):
        tag = _HEADINGS.get(_text(node.get("tag")).lower(), "h2")
        inner = _lexical_inline(children)
        return f"<{tag}>{inner}</{tag}>" if inner.strip() else ""
    if kind in ("quote", "extended-quote", "aside"):
        inner = _lexical_inline(children)
        return f"<blockquote><p>{inner}</p></blockquote>" if inner.strip() else ""
    if kind == "list":
        tag = "ol" if node.get("listType") == "number" or node.get("tag") == "ol" else "ul"
        items = "".join(_lexical_item(child, warnings) for child in children)
        return f"<{tag}>{items}</{tag}>"
    if kind == "horizontalrule":
        return "<hr>"
    if children:  # an unknown block holding text
        inner = _lexical_inline(children)
        return f"<p>{inner}</p>" if inner.strip() else ""
    return _card_html(kind, node, warnings, "lexical")


def _lexical_item(node: dict, warnings: list[str]) -> str:
    children = node.get("children") or []
    nested = "".join(_lexical_block(c, warnings) for c in children if c.get("type") == "list")
    inline = _lexical_inline([c for c in children if c.get("type") != "list"])
    if not inline.strip() and nested:
        return nested  # lexical puts a nested list in an item of its own
    return f"<li>{inline}{nested}</li>"


def _lexical_inline(nodes: list) -> str:
    out: list[str] = []
    for node in nodes:
        kind = _text(node.get("type"))
        if kind == "linebreak":
            out.append("<br>")
        elif "text" in node and not node.get("children"):
            text = escape(_text(node.get("text")))
            format_bits = node.get("format") if isinstance(node.get("format"), int) else 0
            for bit, tag in _LEXICAL_FORMATS:
                if format_bits & bit:
                    text = f"<{tag}>{text}</{tag}>"
            out.append(text)
        elif kind in ("link", "autolink"):
            inner = _lexical_inline(node.get("children") or [])
            out.append(f'<a href="{escape(_text(node.get("url")))}">{inner}</a>')
        else:
            out.append(_lexical_inline(node.get("children") or []))
    return "".join(out)
