"""Embeds inside sanitized bodies: found, written and listed here, for every writer.

``articles.sanitize.clean_html`` calls ``convert_paragraphs`` after cleaning, so an
embed is made on the server whatever sent the body (the admin, an import, a script):
a paragraph holding nothing but an allowlisted URL (bare, or as a link whose text is
that URL) becomes one element::

    <figure class="embed" data-embed-url="CANONICAL URL"><a href="…">…</a></figure>

The sanitizer keeps ``class="embed"`` and a ``data-embed-url`` only when it is the
canonical URL of a provider's match, so the stored form survives cleaning again
unchanged (idempotent) and nothing else can be smuggled in as an embed. URLs of
other hosts stay plain links. At most ``MAX_EMBEDS`` a body: the rest stay links.
"""

from __future__ import annotations

import html
import re

from . import providers

MAX_EMBEDS = 50

# A paragraph with only a URL, or a link whose text is its URL, in the sanitizer's
# output (attributes written name="value", the link's rel added by the sanitizer).
_URL_PARAGRAPH = re.compile(
    r"<p>(?:\s|&nbsp;|<br>)*"
    r'(?:<a href="(?P<href>[^"]{1,2100})" rel="noopener noreferrer">(?P<text>[^<]{1,2100})</a>'
    r"|(?P<bare>https?://[^\s<]{1,2100}))"
    r"(?:\s|&nbsp;|<br>)*</p>"
)
_EMBED_URL = re.compile(r'<figure class="embed" data-embed-url="([^"]*)">')


def figure(url: str) -> str:
    """The stored form of an embed of the canonical ``url``."""
    escaped = html.escape(url)
    return (
        f'<figure class="embed" data-embed-url="{escaped}">'
        f'<a href="{escaped}" rel="noopener noreferrer">{escaped}</a></figure>'
    )


def is_embed_url(value: str) -> bool:
    """Whether ``value`` may stand as a ``data-embed-url``: a provider's canonical URL."""
    found = providers.match(value)
    return found is not None and found.url == value


def convert_paragraphs(body: str) -> str:
    """Turn each paragraph that holds only an allowlisted URL into an embed."""
    count = len(_EMBED_URL.findall(body))

    def replace(paragraph: re.Match) -> str:
        nonlocal count
        if paragraph["bare"] is not None:
            url = html.unescape(paragraph["bare"])
        else:
            url = html.unescape(paragraph["href"])
            if html.unescape(paragraph["text"]).strip() != url:
                return paragraph[0]  # a link with words of its own stays a link
        found = providers.match(url)
        if found is None or count >= MAX_EMBEDS:
            return paragraph[0]
        count += 1
        return figure(found.url)

    if "http" not in body:
        return body
    return _URL_PARAGRAPH.sub(replace, body)


def embed_urls(body: str) -> list[str]:
    """The canonical URLs embedded in a sanitized body, in order, each once."""
    seen: dict[str, None] = {}
    for escaped in _EMBED_URL.findall(body or ""):
        seen.setdefault(html.unescape(escaped), None)
    return list(seen)


# Feeds and e-mail: an embed as a linked title and thumbnail ----------------------

_FIGURE = re.compile(
    r'<figure class="embed" data-embed-url="(?P<url>[^"]*)">'
    r"(?P<inner>(?:(?!<figure\b).)*?)</figure>",
    re.DOTALL,
)
_CAPTION = re.compile(r"<figcaption>(?P<caption>.*?)</figcaption>", re.DOTALL)


def _link_html(found: providers.Match, embed, absolute) -> str:
    """One embed as plain HTML: its thumbnail and title, both linking to the original."""
    provider = found.provider
    url = html.escape(found.url)
    ready = embed is not None and getattr(embed, "status", "") == "ready"
    title = html.escape(embed.title) if ready and embed.title else url
    about = f"{provider.name} {provider.noun}"
    if ready and embed.author_name:
        about += f" by {html.escape(embed.author_name)}"
    photo = embed.thumbnail if ready else None
    thumb = ""
    if photo is not None and photo.image:
        size = ""
        if photo.width and photo.height:
            size = f' width="{photo.width}" height="{photo.height}"'
        src = html.escape(absolute(photo.image.url))
        thumb = (
            f'<a href="{url}" rel="noopener noreferrer"><img src="{src}"'
            f' alt="{html.escape(photo.alt_text)}"{size}></a><br>'
        )
    return f'{thumb}<a href="{url}" rel="noopener noreferrer">{title}</a> ({about})'


def as_links(body: str, snapshots: dict, absolute=lambda url: url) -> str:
    """``body`` with each embed as a paragraph of links: thumbnail, title, provider, author.

    For places that cannot run the page's facade (feeds, e-mail). ``snapshots`` maps
    canonical URLs to their ``Embed`` rows with thumbnails selected (one query for all
    items: ``embeds.services.snapshots``); an embed without a ready snapshot is its URL
    as a link. ``absolute`` makes the thumbnail's URL absolute. A caption follows as
    its own paragraph.
    """
    if '<figure class="embed"' not in (body or ""):
        return body

    def replace(figure: re.Match) -> str:
        found = providers.match(html.unescape(figure["url"]))
        if found is None:
            return figure[0]
        caption = _CAPTION.search(figure["inner"])
        after = f"<p>{caption['caption']}</p>" if caption else ""
        return f"<p>{_link_html(found, snapshots.get(found.url), absolute)}</p>{after}"

    return _FIGURE.sub(replace, body)
