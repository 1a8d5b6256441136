"""Public rendering of a sanitized article body: library photos become figures.

The body stores an inline photo as ``<img src="MEDIA_URL + name">`` (CKEditor's
image dialog, fed by the photo library). At render time every such image whose
file is a library ``Photo`` is replaced by a ``<figure>`` with the responsive image
and a ``<figcaption>`` holding the library's caption and credit, so a correction
in the library shows on every article at once. An editor-written ``<figure>``
around the image (with its old ``<figcaption>``) or a paragraph holding only the
image is replaced as a whole; a paragraph with text around the image is split
around the figure. Other images are left exactly as the sanitizer left them.

The input must be a body cleaned by ``articles.sanitize.clean_html``: its markup
is then well formed with every attribute written as ``name="value"``, which the
small tokenizer below relies on. All inserted text is escaped (``format_html``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from photos import services
from photos.models import Photo

# A start tag exactly as the sanitizer writes it (name="value" pairs, values without
# a raw quote), or an end tag. Text between tags never holds a raw "<".
_TAG = re.compile(
    r'<(?:(?P<name>[a-z][a-z0-9]*)(?P<attrs>(?:\s[a-z-]+="[^"]*")*)\s*/?|/(?P<end>[a-z][a-z0-9]*)\s*)>'
)
_SRC = re.compile(r'\ssrc="([^"]*)"')
_VOID = frozenset({"br", "hr", "img", "wbr", "col"})
# Elements whose content may be a <figure> (flow content) among those the sanitizer
# keeps, and the lists and tables that hold such elements.
_FLOW_PARENTS = frozenset(
    {"li", "dd", "td", "th", "blockquote", "figure"}
    | {"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr"}
)
_BLANK_TEXT = re.compile(r"^(?:\s|&nbsp;|\xa0)*$")

RenderImage = Callable[[Photo], str]


@dataclass
class _Element:
    name: str
    start: str
    children: list[_Element | str] = field(default_factory=list)
    end: str = ""

    def html(self) -> str:
        return self.start + "".join(_html(child) for child in self.children) + self.end


def _html(node: _Element | str) -> str:
    return node.html() if isinstance(node, _Element) else node


def _parse(body: str) -> list[_Element | str]:
    root = _Element("", "")
    stack = [root]
    position = 0
    for match in _TAG.finditer(body):
        if match.start() > position:
            stack[-1].children.append(body[position : match.start()])
        position = match.end()
        if match["name"]:
            element = _Element(match["name"], match[0])
            stack[-1].children.append(element)
            if element.name not in _VOID:
                stack.append(element)
        elif any(open_.name == match["end"] for open_ in stack[1:]):
            while stack[-1].name != match["end"]:
                stack.pop()
            stack.pop().end = match[0]
        else:  # a stray end tag (not expected from the sanitizer): keep it as it was
            stack[-1].children.append(match[0])
    if position < len(body):
        stack[-1].children.append(body[position:])
    return root.children


def _is_blank(node: _Element | str) -> bool:
    if isinstance(node, str):
        return bool(_BLANK_TEXT.match(node))
    return node.name == "br"


class _Renderer:
    def __init__(self, photos: dict[str, Photo], render_image: RenderImage) -> None:
        self.photos = photos
        self.render_image = render_image

    def photo_of(self, node: _Element | str) -> Photo | None:
        """Return the library photo an ``<img>`` shows, or None."""
        if not isinstance(node, _Element) or node.name != "img":
            return None
        src = _SRC.search(node.start)
        name = services.media_name(src[1]) if src else None
        return self.photos.get(name) if name else None

    def lone_photo(self, node: _Element | str) -> tuple[Photo, _Element | None] | None:
        """Return (photo, link) when ``node`` is a library image, bare or alone in a link."""
        if photo := self.photo_of(node):
            return photo, None
        if isinstance(node, _Element) and node.name == "a":
            inner = [child for child in node.children if not _is_blank(child)]
            if len(inner) == 1 and (photo := self.photo_of(inner[0])):
                return photo, node
        return None

    def figure(self, photo: Photo, link: _Element | None = None) -> str:
        image = self.render_image(photo)
        if link is not None:  # the editor's link, as sanitized, around the new image
            image = mark_safe(f"{link.start}{image}{link.end}")
        parts = []
        if photo.caption.strip():
            parts.append(format_html('<span class="caption">{}</span>', photo.caption))
        if photo.credit.strip():
            parts.append(format_html('<span class="credit">{}</span>', photo.credit))
        caption = (
            format_html("<figcaption>{}</figcaption>", mark_safe(" ".join(parts))) if parts else ""
        )
        return format_html('<figure class="inline-photo">{}{}</figure>', image, caption)

    def figure_content(self, figure: _Element) -> tuple[Photo, _Element | None] | None:
        """Return (photo, link) when an editor's figure holds one library image and a caption."""
        content = [
            child
            for child in figure.children
            if not _is_blank(child)
            and not (isinstance(child, _Element) and child.name == "figcaption")
        ]
        if len(content) == 1 and isinstance(content[0], _Element) and content[0].name == "p":
            content = [child for child in content[0].children if not _is_blank(child)]
        return self.lone_photo(content[0]) if len(content) == 1 else None

    def flow(self, nodes: list[_Element | str]) -> list[_Element | str]:
        """Rewrite nodes whose parent accepts a figure."""
        out: list[_Element | str] = []
        for node in nodes:
            if isinstance(node, str):
                out.append(node)
            elif found := self.lone_photo(node) or (
                node.name == "figure" and self.figure_content(node)
            ):
                out.append(self.figure(*found))
            elif node.name == "p":
                out.extend(self.paragraph(node))
            elif node.name in _FLOW_PARENTS:
                node.children = self.flow(node.children)
                out.append(node)
            else:
                node.children = self.phrasing(node.children)
                out.append(node)
        return out

    def paragraph(self, p: _Element) -> list[_Element | str]:
        """Split a paragraph around the library images it holds directly (a figure is no
        paragraph content); drop the parts left with nothing but blanks."""
        out: list[_Element | str] = []
        part: list[_Element | str] = []

        def flush() -> None:
            if any(not _is_blank(child) for child in part):
                out.append(_Element("p", p.start, self.phrasing(part), p.end))
            part.clear()

        for child in p.children:
            if found := self.lone_photo(child):
                flush()
                out.append(self.figure(*found))
            else:
                part.append(child)
        flush()
        return out

    def phrasing(self, nodes: list[_Element | str]) -> list[_Element | str]:
        """Rewrite nodes inside text (a heading, a link…): an image, but no room for a figure."""
        out: list[_Element | str] = []
        for node in nodes:
            if photo := self.photo_of(node):
                out.append(self.render_image(photo))
            else:
                if isinstance(node, _Element):
                    node.children = self.phrasing(node.children)
                out.append(node)
        return out


def render_body(body: str, render_image: RenderImage) -> SafeString:
    """Return a sanitized body with its library photos as figures, in one query.

    ``render_image(photo)`` returns the safe ``<img>`` markup of a photo.
    """
    photos = services.photos_by_image_name(services.body_image_names(body))
    if not photos:
        return mark_safe(body or "")
    nodes = _Renderer(photos, render_image).flow(_parse(body))
    return mark_safe("".join(_html(node) for node in nodes))
