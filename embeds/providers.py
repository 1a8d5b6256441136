"""The embed allowlist: one small class per provider, matched on parsed URLs only.

A URL becomes an embed only if its scheme is http(s), it has no user info and no
port, its host is exactly one of the provider's, and its path (and, where the provider
needs one, a query parameter) fits the provider's pattern. Everything the page later
uses (the canonical URL, the iframe's source) is built here from the matched parts
(ids of a restricted alphabet), never copied from the input or from a provider's
answer. Changing a provider's URLs (twitter.com → x.com) is a change to its class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

# Longer URLs are never embeds (and stay links).
MAX_URL_LENGTH = 2048


@dataclass(frozen=True)
class Match:
    """A URL recognised as a provider's: what the page shows and loads is built from it."""

    provider: Provider
    parts: tuple[tuple[str, str], ...]

    @property
    def values(self) -> dict[str, str]:
        return dict(self.parts)

    @property
    def url(self) -> str:
        """The canonical URL of the post (the link readers follow; the embed's key)."""
        return self.provider.canonical(self.values)

    @property
    def frame_src(self) -> str:
        return self.provider.frame(self.values)


@dataclass(frozen=True)
class Provider:
    """One provider: its hosts, the path shapes it embeds, and how to build its frame."""

    slug: str
    name: str
    noun: str  # what a reader is shown: "post", "video", "chart"…
    hosts: frozenset[str]
    paths: tuple[re.Pattern[str], ...]
    canonical_format: str
    frame_format: str
    frame_sources: tuple[str, ...]
    video: bool = False
    # Query parameters a match needs unless its path gave them (name -> pattern of the
    # value), e.g. YouTube's v=.
    query: dict[str, re.Pattern[str]] = field(default_factory=dict)
    frame_height: int = 480

    def match_parts(self, path: str, query: dict[str, list[str]]) -> Match | None:
        """The match of a URL of one of this provider's hosts (``match`` parsed it)."""
        for pattern in self.paths:
            found = pattern.fullmatch(path)
            if found is None:
                continue
            values = {name: value for name, value in found.groupdict().items() if value}
            for name, value_pattern in self.query.items():
                if name in values:
                    continue  # the path gave it (youtube.com/shorts/<v>)
                given = query.get(name, [])
                if len(given) != 1 or not value_pattern.fullmatch(given[0]):
                    break
                values[name] = given[0]
            else:
                return Match(self, tuple(sorted(values.items())))
        return None

    def canonical(self, values: dict[str, str]) -> str:
        return self.canonical_format.format(**values)

    def frame(self, values: dict[str, str]) -> str:
        return self.frame_format.format(**values, encoded=quote(self.canonical(values), safe=""))


def _split(url: str) -> tuple[str, str, dict[str, list[str]]] | None:
    """(host, path, query) of a plain web URL, or None for anything unusual."""
    if not url or len(url) > MAX_URL_LENGTH or any(c in url for c in "\\\x00\t\r\n <>\"'`"):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or port is not None:
        return None
    if "@" in parts.netloc or parts.username or parts.password:
        return None
    host = (parts.hostname or "").lower()
    if not re.fullmatch(r"[a-z0-9.-]+", host) or host.endswith("."):
        return None
    path = parts.path or "/"
    if "%" in path:  # no encoded characters in the parts we keep
        return None
    return host, path, parse_qs(parts.query, keep_blank_values=False)


def _paths(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


_ID = r"[A-Za-z0-9_-]{1,64}"
_NUM = r"[0-9]{1,25}"
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")

PROVIDERS: tuple[Provider, ...] = (
    Provider(
        slug="youtube",
        name="YouTube",
        noun="video",
        hosts=frozenset({"youtube.com", "www.youtube.com", "m.youtube.com"}),
        paths=_paths(
            r"/watch/?", r"/shorts/(?P<v>[A-Za-z0-9_-]{11})/?", r"/embed/(?P<v>[A-Za-z0-9_-]{11})/?"
        ),
        query={"v": _YOUTUBE_ID},
        canonical_format="https://www.youtube.com/watch?v={v}",
        frame_format="https://www.youtube-nocookie.com/embed/{v}",
        frame_sources=("https://www.youtube-nocookie.com",),
        video=True,
    ),
    Provider(
        slug="youtube",
        name="YouTube",
        noun="video",
        hosts=frozenset({"youtu.be"}),
        paths=_paths(r"/(?P<v>[A-Za-z0-9_-]{11})/?"),
        canonical_format="https://www.youtube.com/watch?v={v}",
        frame_format="https://www.youtube-nocookie.com/embed/{v}",
        frame_sources=("https://www.youtube-nocookie.com",),
        video=True,
    ),
    Provider(
        slug="vimeo",
        name="Vimeo",
        noun="video",
        hosts=frozenset({"vimeo.com", "www.vimeo.com", "player.vimeo.com"}),
        paths=_paths(rf"/(?P<id>{_NUM})/?", rf"/video/(?P<id>{_NUM})/?"),
        canonical_format="https://vimeo.com/{id}",
        frame_format="https://player.vimeo.com/video/{id}?dnt=1",
        frame_sources=("https://player.vimeo.com",),
        video=True,
    ),
    Provider(
        slug="x",
        name="X",
        noun="post",
        hosts=frozenset(
            {"x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"}
        ),
        paths=_paths(rf"/(?P<user>[A-Za-z0-9_]{{1,15}})/status/(?P<id>{_NUM})/?"),
        canonical_format="https://x.com/{user}/status/{id}",
        frame_format="https://platform.twitter.com/embed/Tweet.html?id={id}&dnt=true",
        frame_sources=("https://platform.twitter.com",),
        frame_height=560,
    ),
    Provider(
        slug="telegram",
        name="Telegram",
        noun="post",
        hosts=frozenset({"t.me", "telegram.me"}),
        paths=_paths(rf"/(?P<channel>[A-Za-z][A-Za-z0-9_]{{3,31}})/(?P<id>{_NUM})/?"),
        canonical_format="https://t.me/{channel}/{id}",
        frame_format="https://t.me/{channel}/{id}?embed=1",
        frame_sources=("https://t.me",),
        frame_height=520,
    ),
    Provider(
        slug="instagram",
        name="Instagram",
        noun="post",
        hosts=frozenset({"instagram.com", "www.instagram.com"}),
        paths=_paths(rf"/(?P<kind>p|reel|tv)/(?P<code>{_ID})/?"),
        canonical_format="https://www.instagram.com/{kind}/{code}/",
        frame_format="https://www.instagram.com/{kind}/{code}/embed/",
        frame_sources=("https://www.instagram.com",),
        frame_height=640,
    ),
    Provider(
        slug="facebook",
        name="Facebook",
        noun="post",
        hosts=frozenset({"facebook.com", "www.facebook.com", "m.facebook.com"}),
        paths=_paths(rf"/(?P<page>[A-Za-z0-9.]{{1,64}})/posts/(?P<id>{_ID})/?"),
        canonical_format="https://www.facebook.com/{page}/posts/{id}/",
        frame_format="https://www.facebook.com/plugins/post.php?href={encoded}&show_text=true",
        frame_sources=("https://www.facebook.com",),
        frame_height=600,
    ),
    Provider(
        slug="facebook",
        name="Facebook",
        noun="video",
        hosts=frozenset({"facebook.com", "www.facebook.com", "m.facebook.com"}),
        paths=_paths(rf"/(?P<page>[A-Za-z0-9.]{{1,64}})/videos/(?P<id>{_NUM})/?"),
        canonical_format="https://www.facebook.com/{page}/videos/{id}/",
        frame_format="https://www.facebook.com/plugins/video.php?href={encoded}&show_text=false",
        frame_sources=("https://www.facebook.com",),
        video=True,
    ),
    Provider(
        slug="tiktok",
        name="TikTok",
        noun="video",
        hosts=frozenset({"tiktok.com", "www.tiktok.com"}),
        paths=_paths(rf"/@(?P<user>[A-Za-z0-9_.]{{1,32}})/video/(?P<id>{_NUM})/?"),
        canonical_format="https://www.tiktok.com/@{user}/video/{id}",
        frame_format="https://www.tiktok.com/embed/v2/{id}",
        frame_sources=("https://www.tiktok.com",),
        video=True,
        frame_height=740,
    ),
    Provider(
        slug="datawrapper",
        name="Datawrapper",
        noun="chart",
        hosts=frozenset({"datawrapper.dwcdn.net"}),
        paths=_paths(r"/(?P<id>[A-Za-z0-9]{5})(?:/[0-9]{1,4})?/?"),
        canonical_format="https://datawrapper.dwcdn.net/{id}/",
        frame_format="https://datawrapper.dwcdn.net/{id}/",
        frame_sources=("https://datawrapper.dwcdn.net",),
        frame_height=420,
    ),
    Provider(
        slug="flourish",
        name="Flourish",
        noun="chart",
        hosts=frozenset({"public.flourish.studio", "flo.uri.sh"}),
        paths=_paths(r"/(?P<kind>visualisation|story)/(?P<id>[0-9]{1,12})(?:/embed)?/?"),
        canonical_format="https://public.flourish.studio/{kind}/{id}/",
        frame_format="https://flo.uri.sh/{kind}/{id}/embed",
        frame_sources=("https://flo.uri.sh",),
        frame_height=520,
    ),
    Provider(
        slug="soundcloud",
        name="SoundCloud",
        noun="track",
        hosts=frozenset({"soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"}),
        paths=_paths(r"/(?P<user>[a-z0-9_-]{1,64})/(?P<track>[a-z0-9_-]{1,128})/?"),
        canonical_format="https://soundcloud.com/{user}/{track}",
        frame_format="https://w.soundcloud.com/player/?url={encoded}&visual=true",
        frame_sources=("https://w.soundcloud.com",),
        frame_height=300,
    ),
)
BY_HOST: dict[str, list[Provider]] = {}
for _provider in PROVIDERS:
    for _host in _provider.hosts:
        BY_HOST.setdefault(_host, []).append(_provider)


def match(url: str) -> Match | None:
    """The provider match of ``url``, or None: then it is not an embed (it stays a link).

    The URL is parsed once; only the providers of its host try their paths.
    """
    parts = _split(url.strip())
    if parts is None:
        return None
    host, path, query = parts
    for provider in BY_HOST.get(host, ()):
        found = provider.match_parts(path, query)
        if found is not None:
            return found
    return None
