"""Embeds for readers: a facade that loads nothing from the provider until the reader asks.

A stored embed (``<figure class="embed" data-embed-url>``, ``embeds.bodies``) is shown
as a facade: the provider's name, the snapshot we keep (thumbnail from our storage,
title, author, time) when there is one, a link to the original, and a button "Show the
post from Telegram" that ``embeds/embeds.js`` turns into the provider's iframe, built
from the matched URL's parts (``embeds.providers``). The page's CSP admits a provider's
frames only on pages that embed it (``frame_policy``). All of a body's snapshots come
in one query.
"""

from __future__ import annotations

import html
import re

from django.conf import settings
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from embeds import bodies, providers, services
from embeds.models import Embed

_FIGURE = re.compile(
    r'<figure class="embed" data-embed-url="(?P<url>[^"]*)">'
    r"(?P<inner>(?:(?!<figure\b).)*?)</figure>",
    re.DOTALL,
)
_CAPTION = re.compile(r"<figcaption>(?P<caption>.*?)</figcaption>", re.DOTALL)


def _thumbnail(embed: Embed | None) -> str:
    photo = embed.thumbnail if embed is not None else None
    if photo is None or not photo.image:
        return ""
    return format_html(
        '<img class="embed__thumb" src="{}" alt="" width="{}" height="{}" loading="lazy" '
        'decoding="async">',
        photo.image.url,
        photo.width or "",
        photo.height or "",
    )


def facade(found: providers.Match, embed: Embed | None, caption: str = "") -> SafeString:
    """The facade of one embed: a link and what we know, and the button that loads it."""
    provider = found.provider
    ready = embed is not None and embed.status == Embed.Status.READY
    title = embed.title if ready and embed.title else found.url
    meta = []
    if ready and embed.author_name:
        meta.append(escape(embed.author_name))
    if ready and embed.published_at:
        meta.append(
            format_html(
                '<time datetime="{}">{}</time>',
                embed.published_at.isoformat(),
                date_format(timezone.localtime(embed.published_at), "j F Y"),
            )
        )
    label = f"{provider.name} {provider.noun}"
    return format_html(
        '<figure class="embed embed--{slug}" data-embed-provider="{slug}" data-embed-src="{src}" '
        'data-embed-title="{frame_title}" data-embed-height="{height}">'
        '<div class="embed__facade">{thumb}<div class="embed__text">'
        '<p class="embed__provider">{label}</p>'
        '<p class="embed__title"><a href="{url}" rel="noopener noreferrer">{title}</a></p>'
        "{meta}"
        '<p class="embed__actions" hidden><button type="button" class="embed__load">'
        "Show the {noun} from {name}</button> "
        '<span class="embed__note">It loads from {name}, which may set cookies.</span></p>'
        '<p class="embed__always" hidden><label><input type="checkbox" class="embed__always-box">'
        " Always show {name} {noun}s</label></p>"
        "</div></div>{caption}</figure>",
        slug=provider.slug,
        src=found.frame_src,
        frame_title=f"{label}: {title}",
        height=provider.frame_height,
        thumb=mark_safe(_thumbnail(embed if ready else None)),
        label=label,
        url=found.url,
        title=title,
        meta=format_html('<p class="embed__meta">{}</p>', mark_safe(" · ".join(meta)))
        if meta
        else "",
        noun=provider.noun,
        name=provider.name,
        caption=format_html("<figcaption>{}</figcaption>", mark_safe(caption)) if caption else "",
    )


def render_embeds(body: str, found: dict[str, Embed] | None = None) -> str:
    """``body`` (sanitized, photos rendered) with each embed as its facade.

    ``found``: the snapshots the view already read (``embeds.services.snapshots``);
    else one query.
    """
    if '<figure class="embed"' not in body:
        return body
    if found is None:
        found = services.snapshots(bodies.embed_urls(body))

    def replace(figure: re.Match) -> str:
        url = html.unescape(figure["url"])
        match = providers.match(url)
        if match is None:
            return figure[0]  # not (or no longer) an allowlisted embed: the link stays
        caption = _CAPTION.search(figure["inner"])
        return facade(match, found.get(match.url), caption["caption"] if caption else "")

    return _FIGURE.sub(replace, body)


def frame_sources(*bodies_shown: str) -> list[str]:
    """The frame sources of every provider embedded in ``bodies_shown``, in a stable order."""
    sources: dict[str, None] = {}
    for body in bodies_shown:
        for url in bodies.embed_urls(body):
            found = providers.match(url)
            if found is not None:
                sources.update(dict.fromkeys(found.provider.frame_sources))
    return sorted(sources)


def frame_policy(sources: list[str]) -> dict | None:
    """The page's CSP with the providers' frames admitted, or None when it embeds none."""
    if not sources:
        return None
    return {**settings.SECURE_CSP, "frame-src": [CSP.SELF, *sources]}
