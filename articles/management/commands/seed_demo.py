"""Load the demo newsroom (idempotent) and, with DEBUG on, make sure the demo users exist."""

from __future__ import annotations

import functools
import io
import math
import os
import random
import re
import time
from collections import Counter
from datetime import datetime, timedelta
from html import escape

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont, ImageOps
from taggit.models import Tag

from articles import demo_data, roles
from articles.demo_data import Shot, Story
from articles.models import Article, ArticleAuthor, Author, Section
from live.models import LiveUpdate, LiveUpdateAuthor
from narration.backends import NarrationError, get_backend
from narration.text import narration_text
from photos.models import Photo

DEMO_PASSWORD = "newsroom-demo"
DEMO_USERS = (
    # username, superuser?, author slug linked to the login (or None), role group
    ("admin", True, "olena-marchenko", roles.ADMINISTRATOR),
    ("editor", False, "iryna-kovalska", roles.EDITOR),
    ("contributor", False, "taras-hnatiuk", roles.CONTRIBUTOR),
    ("photo-editor", False, None, roles.PHOTO_EDITOR),
)
PHOTO_SIZE = (1600, 900)
AVATAR_SIZE = (600, 600)
JPEG_QUALITY = 82

_ARTICLE_LINK = re.compile(r"\[\[article:([\w-]+)\]\]")
_FIGURE = re.compile(r"^\[\[figure:([\w-]+)\]\]$")


class Command(BaseCommand):
    help = (
        "Load the demo newsroom: sections, authors, tags, photos drawn with Pillow and "
        "articles. Safe to run again: nothing is added twice and existing rows are left "
        "as editors changed them. With DEBUG on, also make sure the demo users exist."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-users",
            action="store_true",
            help="Do not create the demo users (they are never created when DEBUG is off).",
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        self.created: Counter[str] = Counter()
        self.existing: Counter[str] = Counter()
        self.written: list[tuple[object, str]] = []
        self.now = timezone.now().replace(second=0, microsecond=0)
        try:
            with transaction.atomic():
                sections = self.load_sections()
                tags = self.load_tags()
                authors = self.load_authors()
                inline = {
                    key: self.photo(f"inline-{key}", shot)
                    for key, shot in demo_data.INLINE_PHOTOS.items()
                }
                for story in demo_data.STORIES:
                    self.load_article(story, sections, authors, tags, inline)
                users = [] if options["no_users"] else self.load_users(authors)
        except BaseException:
            # The rows are rolled back; remove the files written for them too.
            for storage, name in self.written:
                storage.delete(name)
            raise
        self.report(time.monotonic() - started, users, options["no_users"])

    def count(self, kind: str, created: bool) -> None:
        (self.created if created else self.existing)[kind] += 1

    # Content -----------------------------------------------------------------

    def load_sections(self) -> dict[str, Section]:
        sections = {}
        for position, (slug, name, description) in enumerate(demo_data.SECTIONS):
            section, created = Section.objects.get_or_create(
                slug=slug,
                defaults={"name": name, "description": description, "position": position},
            )
            self.count("sections", created)
            sections[slug] = section
        return sections

    def load_tags(self) -> dict[str, Tag]:
        tags = {}
        for name in demo_data.TAGS:
            tag = Tag.objects.filter(name__iexact=name).first()
            created = tag is None
            if created:
                tag = Tag.objects.create(name=name)
            self.count("tags", created)
            tags[name] = tag
        return tags

    def load_authors(self) -> dict[str, Author]:
        authors = {}
        for spec in demo_data.AUTHORS:
            name = spec["name"].format(newsroom=settings.NEWSROOM_NAME)
            kind = spec.get("kind", Author.Kind.PERSON)
            avatar = self.photo(
                f"avatar-{spec['slug']}",
                Shot(
                    alt_text=f"Illustrated portrait card of {name}",
                    caption=name,
                    photographer="Newsroom design desk",
                    agency="The Newsroom",
                    scene="desk" if kind == Author.Kind.ORGANIZATION else "portrait",
                ),
                size=AVATAR_SIZE,
                label=name,
            )
            author, created = Author.objects.get_or_create(
                slug=spec["slug"],
                defaults={
                    "name": name,
                    "kind": kind,
                    "job_title": spec["job_title"],
                    "bio": spec["bio"],
                    "avatar": avatar,
                },
            )
            self.count("authors", created)
            authors[spec["slug"]] = author
        return authors

    def load_article(self, story: Story, sections, authors, tags, inline) -> None:
        lead = self.photo(f"lead-{story.slug}", story.photo, tags=tags)
        if Article.objects.filter(slug=story.slug).exists():
            self.count("articles", False)
            return
        article = Article(
            slug=story.slug,
            headline=story.headline,
            dek=story.dek,
            body=build_body(story.blocks, inline),
            section=sections[story.section],
            lead_photo=lead,
            lead_photo_caption=story.lead_photo_caption,
            status=story.status,
            published_at=self.publish_time(story),
            featured=story.featured,
        )
        if story.audio:
            article.audio.save(
                f"demo-{story.slug}.mp3", ContentFile(demo_narration(article)), save=False
            )
            article.audio_ai_generated = True
            self.written.append((article.audio.storage, article.audio.name))
        article.full_clean()
        article.save()
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=article, author=authors[slug], position=position)
            for position, slug in enumerate(story.authors)
        )
        article.tags.add(*(tags[name] for name in story.tags))
        self.count("articles", True)
        if story.updates:
            self.load_updates(article, story, authors)

    def load_updates(self, article: Article, story: Story, authors) -> None:
        """Make ``article`` live coverage with the story's updates (the pinned one included)."""
        article.live = True
        article.coverage_started_at = article.published_at
        article.save(update_fields=["live", "coverage_started_at"])
        for entry in story.updates:
            update = LiveUpdate(
                article=article,
                headline=entry.headline,
                body=f"<p>{escape(entry.text)}</p>"
                + (f"<p>{escape(entry.embed)}</p>" if entry.embed else ""),
                key_event=entry.key_event,
                pinned=entry.pinned,
                status=LiveUpdate.Status.PUBLISHED,
                published_at=self.now - timedelta(minutes=entry.minutes_ago),
            )
            update.full_clean(exclude=["authors"])
            update.save()
            LiveUpdateAuthor.objects.bulk_create(
                LiveUpdateAuthor(update=update, author=authors[slug], position=position)
                for position, slug in enumerate(entry.authors)
            )
            self.count("live updates", True)

    def publish_time(self, story: Story) -> datetime | None:
        if story.published_at is not None:
            return story.published_at
        if story.hours_ago is None:
            return None
        when = self.now - timedelta(hours=story.hours_ago)
        if story.hours_ago < 0:  # scheduled: on the hour, to read well in the admin
            when = when.replace(minute=0)
        return when

    def photo(
        self,
        key: str,
        shot: Shot,
        *,
        size: tuple[int, int] = PHOTO_SIZE,
        label: str = "",
        tags: dict[str, Tag] | None = None,
    ) -> Photo:
        """Return the demo photo ``key``, drawing its file only if it does not exist yet."""
        source = f"demo:{key}"
        photo = Photo.objects.filter(source=source).order_by("pk").first()
        if photo is not None:
            storage = photo.image.storage
            if photo.image.name and storage.exists(photo.image.name):
                self.count("photos", False)
                return photo
            # The row survived but its file is gone (media/ wiped): draw it again, same name.
            name = photo.image.name or photo.image.field.generate_filename(photo, f"{key}.jpg")
            data = draw_photo(key, shot.scene, size, label or shot.alt_text)
            saved = storage.save(name, ContentFile(data))
            self.written.append((storage, saved))
            if saved != photo.image.name:
                photo.image.name = saved
            photo.renditions = {}  # gone with the file: made again when the run commits
            photo.save(update_fields=("image", "width", "height", "renditions"))
            self.count("photo files redrawn", True)
            return photo
        photo = Photo(
            alt_text=shot.alt_text,
            caption=shot.caption,
            credit=shot.credit,
            photographer=shot.photographer,
            agency=shot.agency,
            source=source,
            usage_terms="Demo image drawn by manage.py seed_demo; free to use in the demo.",
        )
        data = draw_photo(key, shot.scene, size, label or shot.alt_text)
        photo.image.save(f"demo-{key}.jpg", ContentFile(data), save=False)
        self.written.append((photo.image.storage, photo.image.name))
        photo.full_clean()
        photo.save()
        if tags and shot.tags:
            photo.tags.add(*(tags[name] for name in shot.tags))
        self.count("photos", True)
        return photo

    # Users -------------------------------------------------------------------

    def load_users(self, authors: dict[str, Author]) -> list[str]:
        """Return the demo usernames after making sure they exist; none when DEBUG is off."""
        if not settings.DEBUG:
            return []
        user_model = get_user_model()
        roles.sync_roles()
        usernames = []
        for username, superuser, author_slug, role in DEMO_USERS:
            author = authors.get(author_slug) if author_slug else None
            # The login carries its author's name, so "X saved this article" reads well.
            first_name, _, last_name = (author.name if author else "").partition(" ")
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={
                    "email": f"{username}@example.org",
                    "first_name": first_name,
                    "last_name": last_name,
                    "is_staff": True,
                    "is_superuser": superuser,
                },
            )
            needs_password = created or not user.has_usable_password()
            if needs_password or not (user.is_active and user.is_staff):
                if needs_password:
                    user.set_password(DEMO_PASSWORD)
                user.is_active = user.is_staff = True
                user.save()
            if superuser and not user.is_superuser:
                user.is_superuser = True
                user.save(update_fields=("is_superuser",))
            user.groups.add(Group.objects.get(name=role))
            if (
                author is not None
                and author.user_id is None
                and not Author.objects.filter(user=user).exists()
            ):
                author.user = user
                author.save(update_fields=("user",))
            self.count("demo users", created)
            usernames.append(username)
        return usernames

    # Output ------------------------------------------------------------------

    def report(self, seconds: float, users: list[str], skipped_users: bool) -> None:
        port = os.environ.get("PORT", "8000")
        base = f"http://127.0.0.1:{port}"
        self.stdout.write(self.style.SUCCESS(f"Demo newsroom ready ({seconds:.1f} s):"))
        for kind in dict.fromkeys([*self.created, *self.existing]):
            created, existing = self.created[kind], self.existing[kind]
            self.stdout.write(f"  {kind:<20} {created:>3} created, {existing:>3} already there")
        self.stdout.write(f"Site: {base}/")
        self.stdout.write(
            "Reference article: "
            f"{base}{reverse('articles:detail', kwargs={'slug': demo_data.REFERENCE_SLUG})}"
        )
        if skipped_users:
            self.stdout.write("Demo users skipped (--no-users).")
        elif not settings.DEBUG:
            self.stdout.write(
                self.style.WARNING(
                    "DEBUG is off: no demo users were created. "
                    "Create an administrator with `manage.py createsuperuser`."
                )
            )
        roles_by_user = {username: role for username, _, _, role in DEMO_USERS}
        for username in users:
            label = "Demo admin" if username == "admin" else f"Demo {username}"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{label}: {base}/admin/ user {username} / password {DEMO_PASSWORD}"
                    f" (role: {roles_by_user[username]})"
                )
            )


def build_body(blocks: tuple[str, ...], inline: dict[str, Photo]) -> str:
    """Return the HTML body of a demo article from its blocks (see articles.demo_data)."""
    html = []
    for block in blocks:
        if block.startswith("## "):
            html.append(f"<h2>{escape(block[3:])}</h2>")
        elif block.startswith("> "):
            quote, _, speaker = block[2:].partition(" -- ")
            html.append(f"<blockquote><p>“{escape(quote)}”</p>")
            if speaker:
                html.append(f"<p>— {escape(speaker)}</p>")
            html.append("</blockquote>")
        elif match := _FIGURE.match(block):
            photo = inline[match[1]]
            html.append(
                f'<figure><img src="{escape(photo.image.url)}" alt="{escape(photo.alt_text)}" '
                f'width="{photo.width}" height="{photo.height}">'
                f"<figcaption>{escape(photo.caption)} {escape(photo.credit)}</figcaption></figure>"
            )
        else:
            html.append(f"<p>{block}</p>")
    html.append(f"<p>{demo_data.DISCLAIMER}</p>")
    return _ARTICLE_LINK.sub(
        lambda m: reverse("articles:detail", kwargs={"slug": m[1]}), "\n".join(html)
    )


# Drawing -------------------------------------------------------------------------


def draw_photo(key: str, scene: str, size: tuple[int, int], label: str) -> bytes:
    """Return a JPEG picture for ``key``: the same key always draws the same picture."""
    rng = random.Random(key)
    width, height = size
    sky = _color(rng, 40, 200)
    ground = _color(rng, 80, 255)
    image = ImageOps.colorize(_gradient(size), sky, ground)
    draw = ImageDraw.Draw(image)
    painter = _PAINTERS.get(scene, _paint_abstract)
    painter(draw, rng, width, height, sky, ground, label)
    if scene not in {"portrait", "desk"}:
        band = max(48, height // 12)
        font = ImageFont.load_default(size=band // 2)
        draw.rectangle((0, height - band, width, height), fill=(18, 18, 22))
        text = _fit(draw, f"DEMO IMAGE  |  {label}", font, width - band)
        draw.text((band // 2, height - band * 3 // 4), text, font=font, fill=(235, 235, 235))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


@functools.cache
def _gradient(size: tuple[int, int]) -> Image.Image:
    return Image.linear_gradient("L").resize(size)


def _color(rng: random.Random, low: int, high: int) -> tuple[int, int, int]:
    return (rng.randrange(low, high), rng.randrange(low, high), rng.randrange(low, high))


def _shade(color: tuple[int, int, int], delta: int) -> tuple[int, int, int]:
    return tuple(max(0, min(255, c + delta)) for c in color)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, max_width: int) -> str:
    while len(text) > 4 and draw.textlength(text, font=font) > max_width:
        text = text[:-5] + "..."
    return text


def _paint_city(draw, rng, width, height, sky, ground, label) -> None:
    radius = rng.randrange(height // 12, height // 6)
    cx, cy = rng.randrange(radius, width - radius), rng.randrange(radius, height // 3)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=_shade(ground, 60))
    base, x = int(height * 0.8), 0
    for layer, delta in ((0, -40), (1, -100)):
        x = -rng.randrange(0, 80)
        while x < width:
            w = rng.randrange(width // 26, width // 9)
            h = rng.randrange(height // 6, height // 2) - layer * height // 12
            draw.rectangle((x, base - h, x + w, height), fill=_shade(sky, delta))
            if layer:
                for wy in range(base - h + 18, base - 12, 34):
                    for wx in range(x + 10, x + w - 16, 28):
                        if rng.random() < 0.35:
                            draw.rectangle((wx, wy, wx + 12, wy + 18), fill=(250, 222, 150))
            x += w + rng.randrange(0, 24)


def _paint_hills(draw, rng, width, height, sky, ground, label) -> None:
    for layer in range(3):
        top = int(height * (0.45 + layer * 0.12))
        points = [(0, height)]
        for x in range(0, width + 200, 200):
            points.append((x, top + rng.randrange(-height // 10, height // 10)))
        points.append((width, height))
        draw.polygon(points, fill=_shade(ground, -40 - layer * 35))
    for _ in range(rng.randrange(3, 7)):  # turbines or cranes on the ridge
        x, y = rng.randrange(40, width - 40), int(height * 0.45)
        mast = rng.randrange(height // 5, height // 3)
        draw.line((x, y, x, y - mast), fill=(240, 240, 240), width=6)
        turn = rng.randrange(0, 120)
        for angle in (turn, turn + 120, turn + 240):
            dx, dy = int(mast * 0.45 * _cos(angle)), int(mast * 0.45 * _sin(angle))
            draw.line((x, y - mast, x + dx, y - mast + dy), fill=(240, 240, 240), width=5)


def _paint_field(draw, rng, width, height, sky, ground, label) -> None:
    horizon = int(height * rng.uniform(0.35, 0.55))
    draw.rectangle((0, horizon, width, height), fill=_shade(ground, -30))
    for i in range(0, width * 2, 70):  # furrows converging on the horizon
        draw.line((width // 2, horizon, i - width // 2, height), fill=_shade(ground, -70), width=4)
    for _ in range(rng.randrange(4, 9)):
        x = rng.randrange(0, width)
        h = rng.randrange(height // 14, height // 6)
        draw.rectangle((x, horizon - h, x + h // 3, horizon), fill=_shade(sky, -90))


def _paint_sea(draw, rng, width, height, sky, ground, label) -> None:
    horizon = int(height * rng.uniform(0.4, 0.55))
    water = _shade(sky, -50)
    draw.rectangle((0, horizon, width, height), fill=water)
    for y in range(horizon + 20, height, 28):
        offset = rng.randrange(0, 60)
        for x in range(-offset, width, 120):
            draw.arc((x, y, x + 90, y + 20), 200, 340, fill=_shade(water, 50), width=3)
    for _ in range(rng.randrange(1, 4)):  # ships
        x, length = rng.randrange(0, width - 300), rng.randrange(180, 420)
        y = horizon + rng.randrange(-10, 60)
        hull = [(x, y), (x + length, y), (x + length - 30, y + 40), (x + 30, y + 40)]
        draw.polygon(hull, fill=(40, 40, 50))
        draw.rectangle((x + length // 2, y - 50, x + length // 2 + 60, y), fill=(230, 230, 230))


def _paint_stage(draw, rng, width, height, sky, ground, label) -> None:
    draw.rectangle((0, 0, width, height), fill=_shade(sky, -120))
    for _ in range(rng.randrange(3, 6)):  # spotlights
        x = rng.randrange(0, width)
        spread = rng.randrange(width // 12, width // 5)
        beam = [(x, 0), (x - spread, int(height * 0.75)), (x + spread, int(height * 0.75))]
        draw.polygon(beam, fill=_shade(ground, -20))
    draw.rectangle((0, int(height * 0.75), width, height), fill=_shade(sky, -60))
    for row in range(3):  # seats
        y = int(height * (0.8 + row * 0.06))
        for x in range(rng.randrange(0, 40), width, 60):
            draw.ellipse((x, y, x + 40, y + 30), fill=_shade(sky, -100 - row * 10))


def _paint_abstract(draw, rng, width, height, sky, ground, label) -> None:
    for _ in range(rng.randrange(8, 16)):
        radius = rng.randrange(height // 16, height // 3)
        x, y = rng.randrange(0, width), rng.randrange(0, height)
        color = _shade(_color(rng, 40, 240), rng.randrange(-40, 40))
        if rng.random() < 0.5:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)
        else:
            draw.rectangle((x - radius, y - radius // 2, x + radius, y + radius // 2), fill=color)


def _paint_portrait(draw, rng, width, height, sky, ground, label) -> None:
    tone = _shade(sky, -70)
    head = width // 5
    cx, cy = width // 2, int(height * 0.42)
    draw.ellipse((cx - head, cy - head, cx + head, cy + head), fill=tone)
    draw.ellipse((cx - 2 * head, cy + head + 20, cx + 2 * head, cy + 5 * head), fill=tone)
    initials = "".join(word[0] for word in label.split()[:2]).upper()
    font = ImageFont.load_default(size=head)
    draw.text((cx, cy), initials, font=font, fill=(250, 250, 250), anchor="mm")


def _paint_desk(draw, rng, width, height, sky, ground, label) -> None:
    draw.rectangle((0, 0, width, height), fill=(20, 32, 64))
    margin = width // 8
    draw.rectangle(
        (margin, margin, width - margin, height - margin), outline=(250, 204, 60), width=12
    )
    font = ImageFont.load_default(size=width // 9)
    draw.text((width // 2, height * 0.42), "NEWS", font=font, fill=(250, 250, 250), anchor="mm")
    draw.text((width // 2, height * 0.60), "DESK", font=font, fill=(250, 204, 60), anchor="mm")


def _cos(degrees: float) -> float:
    return math.cos(math.radians(degrees))


def _sin(degrees: float) -> float:
    return math.sin(math.radians(degrees))


_PAINTERS = {
    "city": _paint_city,
    "hills": _paint_hills,
    "field": _paint_field,
    "sea": _paint_sea,
    "stage": _paint_stage,
    "abstract": _paint_abstract,
    "portrait": _paint_portrait,
    "desk": _paint_desk,
}


def demo_narration(article: Article) -> bytes:
    """Return the article read aloud by the narration engine, or silence without one."""
    try:
        return get_backend().synthesize(narration_text(article))
    except NarrationError:
        return silent_mp3()


def silent_mp3(seconds: float = 8.0) -> bytes:
    """Return a valid MP3 of silence: MPEG-1 Layer III frames, 32 kbit/s, 44.1 kHz, mono.

    Each frame is a 4-byte header followed by zeros; zero side information means
    no audio data, which every decoder plays as silence. Nothing external is needed.
    """
    bitrate, rate, samples = 32_000, 44_100, 1152
    remainder, frames = 0, bytearray()
    for _ in range(round(seconds * rate / samples)):
        remainder += 144 * bitrate % rate
        padding = remainder >= rate
        remainder -= rate if padding else 0
        length = 144 * bitrate // rate + padding
        frames += bytes((0xFF, 0xFB, 0x10 | (0x02 if padding else 0), 0xC4))
        frames += bytes(length - 4)
    return bytes(frames)
