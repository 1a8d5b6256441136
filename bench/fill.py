"""Fill a benchmark database with a realistic newsroom of N articles, fast.

What a large archive looks like to the pages that read it: ~25 sections, ~500 bylines
(a few of them desks), ~5,000 tags whose use follows a Zipf curve (a few tags on many
articles, most on a handful), 5–8 tags and 1–3 authors per article, a lead photo on
most articles, five years of publish times, a few per cent drafts.

Speed comes from ``bulk_create`` in batches (one transaction per batch, so an
interrupted fill never leaves an article without its byline and tags). That skips
``Article.save()``, so bodies are generated already in the form the sanitizer keeps
(``sanitize.clean_html(body) == body``) and the reading time is computed from the
known word count with the same formula. Photos: a handful of real files drawn once
and sent through the photo pipeline (safe original, renditions, via the storage
API), then many ``Photo`` rows sharing those files and their renditions record.
Everything is drawn from one seeded random generator: the same N gives the same data.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import math
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from html import escape

from django.core.files.base import ContentFile
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag
from tqdm import tqdm

from articles import text
from articles.management.commands.seed_demo import draw_photo
from articles.models import Article, ArticleAuthor, Author, Section, TaggedArticle
from articles.sanitize import LINK_REL
from photos.images import build_renditions
from photos.models import Photo

SECTION_NAMES = (
    "News", "World", "Politics", "Business", "Economy", "Technology", "Science", "Health",
    "Climate", "Energy", "Defence", "Investigations", "Regions", "Cities", "Education",
    "Culture", "Books", "Film", "Music", "Sport", "Football", "Travel", "Food", "Opinion",
    "Fact check",
)  # fmt: skip
DESK_NAMES = ("Newsroom Staff", "Wire Desk", "Data Desk", "Fact-check Desk", "Photo Desk")
FIRST_NAMES = (
    "Olena", "Iryna", "Taras", "Andrii", "Maria", "Oksana", "Dmytro", "Sofia", "Yurii",
    "Kateryna", "Mykola", "Anna", "Serhii", "Nataliia", "Oleh", "Yuliia", "Bohdan", "Daria",
    "Vasyl", "Halyna", "Roman", "Tetiana", "Petro", "Liudmyla", "Ihor", "Viktoriia",
    "James", "Emma", "Lucas", "Chloe", "Marco", "Giulia", "Pierre", "Camille", "Jan",
    "Agnieszka", "Tomas", "Eva", "Ahmed", "Leila", "Kenji", "Aiko", "Diego", "Lucia",
    "Noah", "Maya", "Samuel", "Hannah", "Felix", "Clara", "Arjun", "Priya", "Omar",
    "Sara", "Mateo", "Ines", "Erik", "Freya", "Pavel", "Zofia",
)  # fmt: skip
LAST_NAMES = (
    "Marchenko", "Kovalska", "Hnatiuk", "Shevchenko", "Bondarenko", "Tkachenko", "Kravets",
    "Melnyk", "Boyko", "Kovalenko", "Oliinyk", "Lysenko", "Moroz", "Savchenko", "Rudenko",
    "Petrenko", "Pavlenko", "Klymenko", "Zinchenko", "Holub", "Levchenko", "Karpenko",
    "Smith", "Brown", "Wilson", "Taylor", "Martin", "Dubois", "Moreau", "Rossi", "Bianchi",
    "Novak", "Kowalski", "Nowak", "Svoboda", "Horvat", "Jensen", "Larsen", "Schmidt",
    "Fischer", "Weber", "Garcia", "Lopez", "Fernandez", "Silva", "Santos", "Haddad",
    "Nasser", "Tanaka", "Sato", "Kim", "Park", "Singh", "Patel", "Cohen", "Levi", "Ivanova",
    "Andersen", "Nielsen", "Berg", "Lindqvist", "Murphy", "Kelly", "Walsh", "O'Brien",
    "Costa", "Almeida", "Romero", "Alvarez", "Kaya", "Demir", "Yilmaz", "Mazur", "Wojcik",
    "Krawczyk", "Horak", "Dvorak", "Varga", "Nagy", "Popescu",
)  # fmt: skip
TOPICS = (
    "energy", "grid", "drones", "budget", "reform", "courts", "elections", "parliament",
    "ports", "grain", "exports", "railways", "schools", "hospitals", "housing", "refugees",
    "sanctions", "inflation", "banks", "startups", "farming", "water", "forests", "rivers",
    "mines", "steel", "shipping", "aviation", "tourism", "museums", "theatre", "cinema",
    "festivals", "football", "athletics", "chess", "science", "space", "vaccines", "clinics",
    "pensions", "taxes", "wages", "unions", "prices", "fuel", "gas", "nuclear", "solar",
    "wind", "climate", "floods", "heat", "air", "transport", "roads", "bridges", "metro",
    "police", "prosecutors", "corruption", "media", "internet", "cyber", "privacy", "data",
    "universities", "research", "books", "music", "art", "heritage", "churches", "cities",
    "villages", "borders", "diplomacy", "aid", "reconstruction", "mine clearance",
    "veterans", "volunteers", "charity", "startups", "logistics", "trade", "customs",
)  # fmt: skip
PLACES = (
    "Kyiv", "Kharkiv", "Odesa", "Lviv", "Dnipro", "Zaporizhzhia", "Mykolaiv", "Kherson",
    "Poltava", "Chernihiv", "Sumy", "Vinnytsia", "Rivne", "Lutsk", "Uzhhorod", "Ternopil",
    "Brussels", "Warsaw", "Berlin", "Paris", "London", "Vienna", "Prague", "Vilnius",
    "Riga", "Tallinn", "Bucharest", "Chisinau", "Budapest", "Rome", "Madrid", "Lisbon",
    "Geneva", "Istanbul", "Washington", "Tokyo", "Danube", "Black Sea", "Carpathians",
    "Dnipro river",
)  # fmt: skip
QUALIFIERS = (
    "local", "regional", "national", "rural", "urban", "public", "private", "digital",
    "green", "winter", "summer", "new", "small", "youth", "women's", "foreign", "state",
    "municipal", "independent", "cross-border", "emergency", "long-term", "open",
    "European", "coastal", "frontline", "mountain", "student", "family", "community",
)  # fmt: skip
# Body vocabulary, ordered roughly by how common the words are: drawn with a Zipf weight.
_WORD_TEXT = (
    "the of and to in a that for on is said was with by as at from it has have are were "
    "will be its their which not this but an more after year people government city "
    "officials new first two last would could also about over million percent week month "
    "minister region council plan report project work power water energy schools budget "
    "according since while workers residents companies families children hospital "
    "director mayor program public support local national funding price prices market "
    "contract court law ministry data system service services network station border "
    "bridge road rail port grain export exports farmers harvest fuel gas electricity grid "
    "repairs winter summer spring autumn days hours morning evening night volunteers "
    "teachers students doctors nurses patients police prosecutors judges investigation "
    "documents records audit spending contracts tender suppliers prices inflation wages "
    "pensions taxes bank loans credit investment investors factory plant steel mine "
    "shipping cargo trucks trains flights airport museum theatre festival concert film "
    "book library exhibition artists writers musicians team match season league coach "
    "players fans stadium research scientists university laboratory study results "
    "climate heat floods river forest fires air pollution emissions solar wind nuclear "
    "reactor turbines batteries generators shelters sirens drones attack strike damage "
    "reconstruction housing apartments buildings streets district village villages town "
    "towns community neighbours owners tenants landlords rent costs money funds donors "
    "charity aid partners allies diplomats talks agreement sanctions parliament deputies "
    "vote election campaign candidates party reform decision rules standards safety "
    "inspectors checks tests quality supply demand shortage delays queue permits licence "
    "online digital app platform users privacy cyber security hackers systems software "
    "engineers technicians crews repairs equipment parts spare cables lines substations "
    "transformers meters bills households consumers shops cafes restaurants markets "
    "tourists visitors hotels trains buses trams metro tickets routes timetable drivers "
    "carefully quickly slowly again already still almost nearly only just even never "
    "often usually sometimes finally recently later earlier together instead"
)
WORDS = tuple(_WORD_TEXT.split())
HEADINGS = (
    "What happened", "Why it matters", "What comes next", "The numbers", "Who pays",
    "What officials say", "How it works", "The background", "What residents say",
    "The investigation", "The response", "What we checked",
)  # fmt: skip
DRAFT_SHARE = 0.03
FEATURED_SHARE = 0.02
LEAD_PHOTO_SHARE = 0.9
AVATAR_SHARE = 0.6
ARCHIVE_YEARS = 5
PHOTO_SCENES = ("city", "hills", "field", "sea", "stage", "abstract")
PORTRAIT_SCENES = ("portrait", "desk")
PARAGRAPH_POOL = 4000
# PostgreSQL's search trigger and GIN index, as migration articles 0007 names them (copied:
# nothing outside a migrations folder imports a migration; tests/test_layout.py checks them).
SEARCH_TRIGGER = "articles_article_search_vector_trigger"
SEARCH_INDEX = "article_search_vector_gin"


@dataclass
class FillReport:
    """What a fill made, and how long each part took (seconds)."""

    articles: int = 0
    sections: int = 0
    authors: int = 0
    tags: int = 0
    photos: int = 0
    bylines: int = 0
    taggings: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def zipf_cumulative(n: int, exponent: float = 1.0) -> list[float]:
    """Return cumulative Zipf weights for ranks 1..n: rank r is drawn ∝ 1 / r**exponent."""
    return list(itertools.accumulate(1 / rank**exponent for rank in range(1, n + 1)))


def draw_distinct(rng: random.Random, cumulative: list[float], k: int) -> list[int]:
    """Return ``k`` distinct indexes drawn with the given cumulative weights."""
    total, k = cumulative[-1], min(k, len(cumulative))
    chosen: dict[int, None] = {}
    while len(chosen) < k:
        chosen[bisect.bisect(cumulative, rng.random() * total)] = None
    return list(chosen)


def unique_names(candidates: Iterator[str], count: int) -> list[str]:
    """Return the first ``count`` candidates whose slugs are all different."""
    names, slugs = [], set()
    for name in candidates:
        slug = slugify(name)
        if slug and slug not in slugs:
            slugs.add(slug)
            names.append(name)
            if len(names) == count:
                break
    return names


class TextMaker:
    """Headlines, deks and HTML bodies made of newsroom words, in sanitizer-clean HTML."""

    def __init__(self, rng: random.Random, sections: list[Section]) -> None:
        self.rng = rng
        self.word_weights = zipf_cumulative(len(WORDS), 0.8)
        self.section_paths = [section.get_absolute_url() for section in sections]
        self.paragraphs = [self._paragraph() for _ in range(PARAGRAPH_POOL)]

    def words(self, k: int) -> list[str]:
        return self.rng.choices(WORDS, cum_weights=self.word_weights, k=k)

    def sentence(self, low: int = 8, high: int = 22) -> str:
        words = self.words(self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def headline(self) -> str:
        rng = self.rng
        subject = rng.choice(PLACES) if rng.random() < 0.5 else rng.choice(TOPICS).capitalize()
        rest = " ".join(rng.sample(WORDS[60:], rng.randint(4, 9)))
        return f"{subject} {rest}"

    def _paragraph(self) -> tuple[str, int]:
        """Return one paragraph's HTML and its word count (links and emphasis included)."""
        rng = self.rng
        sentences, count = [], 0
        for _ in range(rng.randint(3, 6)):
            words = self.words(rng.randint(10, 24))
            count += len(words)
            if rng.random() < 0.15:
                i = rng.randrange(len(words))
                tag = rng.choice(("em", "strong"))
                words[i] = f"<{tag}>{words[i]}</{tag}>"
            if rng.random() < 0.1:
                i = rng.randrange(len(words))
                href = rng.choice(self.section_paths)
                words[i] = f'<a href="{href}" rel="{LINK_REL}">{words[i]}</a>'
            sentence = " ".join(words)
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
        return f"<p>{' '.join(sentences)}</p>", count

    def body(self) -> tuple[str, int]:
        """Return an HTML body of ~600–900 words and its word count."""
        rng = self.rng
        target = rng.randint(600, 900)
        parts, count = [], 0
        while count < target:
            if parts and rng.random() < 0.18:
                heading = rng.choice(HEADINGS)
                parts.append(f"<h2>{escape(heading)}</h2>")
                count += len(heading.split())
            html, words = rng.choice(self.paragraphs)
            parts.append(html)
            count += words
        return "\n".join(parts), count


def reading_minutes(words: int) -> int:
    """Return ``text.reading_minutes`` of a generated body from its known word count.

    Parsing 100,000 bodies would take most of the fill's time; generated bodies are
    Latin text, so the formula of ``text`` reduces to words / words-per-minute.
    """
    return max(1, math.ceil(words / text.WORDS_PER_MINUTE))


class Filler:
    """Fill the current database; ``fill()`` is the entry point."""

    def __init__(
        self,
        articles: int,
        *,
        sections: int = len(SECTION_NAMES),
        authors: int = 500,
        tags: int = 5000,
        batch_size: int = 5000,
        photo_size: tuple[int, int] = (1600, 900),
        seed: int = 2025,
        progress: bool = True,
        log: Callable[[str], None] = print,
    ) -> None:
        self.n_articles = articles
        self.n_sections = min(sections, len(SECTION_NAMES))
        self.n_authors = authors
        self.n_tags = tags
        self.batch_size = batch_size
        self.photo_size = photo_size
        self.rng = random.Random(seed)
        self.progress = progress
        self.log = log
        self.report = FillReport()
        self.now = timezone.now().replace(microsecond=0)

    def fill(self) -> FillReport:
        """Make everything and return what was made; the database must hold no article."""
        if Article.objects.exists():
            raise RuntimeError(
                "This database already holds articles: a benchmark fill needs an empty one."
            )
        started = time.monotonic()
        self._pragmas()
        with self._timed("photos"):
            photos, portraits = self.make_photo_files()
        with self._timed("sections, authors, tags"):
            sections = self.make_sections()
            authors = self.make_authors(portraits)
            tags = self.make_tags()
        with self._search_vectors_afterwards(), self._timed("articles"):
            self.make_articles(sections, authors, tags, photos)
        with self._timed("analyze"), connection.cursor() as cursor:
            # VACUUM clears the rows the search-vector update left behind (not possible
            # inside a transaction, as in the tests).
            vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
        self.report.timings["total"] = time.monotonic() - started
        return self.report

    # Helpers --------------------------------------------------------------------

    class _Timer:
        def __init__(self, report: FillReport, name: str) -> None:
            self.report, self.name = report, name

        def __enter__(self) -> None:
            self.started = time.monotonic()

        def __exit__(self, *exc) -> None:
            self.report.timings[self.name] = time.monotonic() - self.started

    def _timed(self, name: str) -> Filler._Timer:
        return self._Timer(self.report, name)

    def _pragmas(self) -> None:
        """On SQLite, write without waiting for the disk: a benchmark DB is made again at will."""
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=OFF")

    @contextlib.contextmanager
    def _search_vectors_afterwards(self, parts: int = 2) -> Iterator[None]:
        """On PostgreSQL, fill ``search_vector`` once after the inserts, not row by row.

        The trigger of migration 0007 (to_tsvector over every body) and the GIN index
        it feeds made the inserts the slowest part of a PostgreSQL fill. Inserts run with
        the trigger disabled and the index dropped; then ``parts`` connections rewrite
        the column over id ranges in parallel (setting it fires the same trigger, so the
        vectors are exactly what the admin would store) and the index is built in bulk.
        """
        if connection.vendor != "postgresql":
            yield
            return
        table = connection.ops.quote_name(Article._meta.db_table)
        # Inside a transaction (the tests): other connections would not see the rows, and
        # ALTER TABLE and CREATE INDEX need the deferred foreign-key checks done first.
        in_transaction = connection.in_atomic_block
        if in_transaction:
            parts = 1

        def schema(statement: str) -> None:
            with connection.cursor() as cursor:
                if in_transaction:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(statement)
                if in_transaction:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")

        schema(f"ALTER TABLE {table} DISABLE TRIGGER {SEARCH_TRIGGER}")
        schema(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
        try:
            yield
        finally:
            schema(f"ALTER TABLE {table} ENABLE TRIGGER {SEARCH_TRIGGER}")
        with self._timed("search vectors"):
            last = Article.objects.aggregate(last=models.Max("pk"))["last"] or 0
            step = last // parts + 1
            sql = f"UPDATE {table} SET search_vector = NULL WHERE id >= %s AND id < %s"

            def rewrite(start: int) -> None:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute(sql, [start, start + step])
                finally:
                    connection.close()  # this thread's own connection

            if parts == 1:
                with connection.cursor() as cursor:
                    cursor.execute(sql, [0, last + 1])
            else:
                with ThreadPoolExecutor(parts) as pool:
                    list(pool.map(rewrite, range(0, last + 1, step)))
        with self._timed("search index"):
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '256MB'")
            schema(f"CREATE INDEX {SEARCH_INDEX} ON {table} USING gin (search_vector)")

    # Photos -----------------------------------------------------------------------

    def make_photo_files(self) -> tuple[list[Photo], list[Photo]]:
        """Return (lead photos, portraits): a few real files, then many rows sharing them."""
        originals, portraits = [], []
        width, height = self.photo_size
        with transaction.atomic():
            for i, scene in enumerate(PHOTO_SCENES + PORTRAIT_SCENES):
                portrait = scene in PORTRAIT_SCENES
                size = (min(600, height),) * 2 if portrait else (width, height)
                label = "Bench Desk" if portrait else f"Benchmark photo {i + 1}"
                photo = Photo(
                    alt_text=f"Benchmark picture {i + 1}: a drawn {scene} scene",
                    caption=f"A drawn {scene} scene made for the benchmark.",
                    credit="Photo by Bench Camera/The Newsroom",
                    photographer="Bench Camera",
                    agency="The Newsroom",
                    source=f"bench:{scene}",
                )
                data = draw_photo(f"bench-{scene}", scene, size, label)
                photo.image.save(f"bench-{scene}.jpg", ContentFile(data), save=False)
                photo.save()  # the pipeline's safe original, through the storage API
                # Now, not on commit: the shared rows below copy this record.
                build_renditions(photo)
                (portraits if portrait else originals).append(photo)
        leads = self._share(originals, max(len(originals), self.n_articles // 4))
        avatars = self._share(portraits, max(len(portraits), self.n_authors // 2))
        self.report.photos = len(originals) + len(portraits) + len(leads) + len(avatars)
        return originals + leads, portraits + avatars

    def _share(self, originals: list[Photo], count: int) -> list[Photo]:
        """Return ``count`` new Photo rows reusing the files and renditions of ``originals``."""
        rows = []
        for i in range(count):
            model = originals[i % len(originals)]
            rows.append(
                Photo(
                    image=model.image.name,
                    width=model.width,
                    height=model.height,
                    alt_text=f"{model.alt_text} (copy {i + 1})",
                    caption=model.caption,
                    credit=model.credit,
                    photographer=model.photographer,
                    agency=model.agency,
                    source=model.source,
                    renditions=model.renditions,
                )
            )
        return Photo.objects.bulk_create(rows, batch_size=self.batch_size)

    # Sections, authors, tags ---------------------------------------------------------

    def make_sections(self) -> list[Section]:
        rows = [
            Section(
                name=name,
                slug=slugify(name),
                description=f"News and analysis: {name.lower()}.",
                position=position,
            )
            for position, name in enumerate(SECTION_NAMES[: self.n_sections])
        ]
        self.report.sections = len(rows)
        return Section.objects.bulk_create(rows)

    def make_authors(self, portraits: list[Photo]) -> list[Author]:
        rng = self.rng
        desks = list(DESK_NAMES[: max(1, min(len(DESK_NAMES), self.n_authors // 20))])
        pairs = itertools.product(FIRST_NAMES, LAST_NAMES)
        people = rng.sample(list(pairs), self.n_authors - len(desks))
        rows = [
            Author(
                name=name,
                slug=slugify(name),
                kind=Author.Kind.ORGANIZATION,
                job_title="Desk",
                bio=f"Reports by the {name}.",
            )
            for name in desks
        ]
        for first, last in people:
            name = f"{first} {last}"
            rows.append(
                Author(
                    name=name,
                    slug=slugify(name),
                    job_title=rng.choice(("Reporter", "Correspondent", "Editor", "Analyst")),
                    bio=f"{first} covers {rng.choice(TOPICS)} and {rng.choice(TOPICS)}.",
                    avatar=rng.choice(portraits)
                    if portraits and rng.random() < AVATAR_SHARE
                    else None,
                )
            )
        self.report.authors = len(rows)
        return Author.objects.bulk_create(rows)

    def make_tags(self) -> list[Tag]:
        """Return the tags, most used first (the order of the Zipf ranks)."""
        rng = self.rng

        def candidates() -> Iterator[str]:
            yield from TOPICS
            yield from PLACES
            while True:
                kind = rng.random()
                if kind < 0.4:
                    yield f"{rng.choice(QUALIFIERS)} {rng.choice(TOPICS)}"
                elif kind < 0.7:
                    yield f"{rng.choice(TOPICS)} in {rng.choice(PLACES)}"
                else:
                    yield f"{rng.choice(PLACES)} {rng.choice(TOPICS)} {rng.choice(WORDS[60:])}"

        names = unique_names(candidates(), self.n_tags)
        head, tail = names[:40], names[40:]
        rng.shuffle(tail)  # the most used are the broad topics, then a mix
        rows = [Tag(name=name, slug=slugify(name)) for name in head + tail]
        self.report.tags = len(rows)
        return Tag.objects.bulk_create(rows, batch_size=self.batch_size)

    # Articles -------------------------------------------------------------------------

    def make_articles(
        self, sections: list[Section], authors: list[Author], tags: list[Tag], photos: list[Photo]
    ) -> None:
        """Insert the articles with their bylines and tags, one transaction per batch.

        Rows go in through ``executemany`` on prepared tuples, not ``bulk_create``: building
        a million model instances (articles, bylines, taggings) was most of the fill time.
        Every column comes from the model (``RowWriter``), so new fields get their defaults.
        """
        rng = self.rng
        maker = TextMaker(rng, sections)
        section_weights = zipf_cumulative(len(sections), 0.7)
        author_weights = zipf_cumulative(len(authors), 0.9)
        tag_weights = zipf_cumulative(len(tags), 1.0)
        span = int(timedelta(days=365 * ARCHIVE_YEARS).total_seconds())
        article_rows = RowWriter(Article)
        byline_rows = RowWriter(ArticleAuthor)
        tagging_rows = RowWriter(TaggedArticle)
        author_ids = [author.pk for author in authors]
        tag_ids = [tag.pk for tag in tags]
        photo_ids = [photo.pk for photo in photos]
        section_ids = [section.pk for section in sections]
        next_id = {writer: writer.next_id() for writer in (byline_rows, tagging_rows)}
        first_article = article_rows.next_id()
        # Ids follow publish times, as in a newsroom where articles are written in turn.
        ages = sorted((rng.randrange(3600, span) for _ in range(self.n_articles)), reverse=True)
        bar = tqdm(total=self.n_articles, unit="article", disable=not self.progress)
        made = 0
        while made < self.n_articles:
            count = min(self.batch_size, self.n_articles - made)
            articles, bylines, taggings = [], [], []
            for i in range(made, made + count):
                article_id = first_article + i
                headline = maker.headline()
                body, words = maker.body()
                draft = rng.random() < DRAFT_SHARE
                published_at = None if draft else self.now - timedelta(seconds=ages[i])
                section = bisect.bisect(section_weights, rng.random() * section_weights[-1])
                articles.append(
                    article_rows.row(
                        id=article_id,
                        headline=headline[:200],
                        slug=f"{slugify(headline)[:180].strip('-')}-{i + 1}",
                        dek=maker.sentence(18, 34),
                        body=body,
                        section_id=section_ids[section],
                        lead_photo_id=(
                            rng.choice(photo_ids)
                            if photo_ids and rng.random() < LEAD_PHOTO_SHARE
                            else None
                        ),
                        status=Article.Status.DRAFT if draft else Article.Status.PUBLISHED,
                        published_at=published_at,
                        created_at=published_at or self.now,
                        updated_at=published_at or self.now,
                        featured=not draft and rng.random() < FEATURED_SHARE,
                        reading_time=reading_minutes(words),
                    )
                )
                credited = rng.choices((1, 2, 3), (70, 22, 8))[0]
                for position, j in enumerate(draw_distinct(rng, author_weights, credited)):
                    bylines.append(
                        byline_rows.row(
                            id=next_id[byline_rows] + len(bylines),
                            article_id=article_id,
                            author_id=author_ids[j],
                            position=position,
                        )
                    )
                for j in draw_distinct(rng, tag_weights, rng.randint(5, 8)):
                    taggings.append(
                        tagging_rows.row(
                            id=next_id[tagging_rows] + len(taggings),
                            content_object_id=article_id,
                            tag_id=tag_ids[j],
                        )
                    )
            with transaction.atomic(), connection.cursor() as cursor:
                article_rows.insert(cursor, articles)
                byline_rows.insert(cursor, bylines)
                tagging_rows.insert(cursor, taggings)
            next_id[byline_rows] += len(bylines)
            next_id[tagging_rows] += len(taggings)
            self.report.bylines += len(bylines)
            self.report.taggings += len(taggings)
            made += count
            bar.update(count)
        bar.close()
        RowWriter.reset_sequences([Article, ArticleAuthor, TaggedArticle])
        self.report.articles = made


class RowWriter:
    """Rows of one model as tuples ready for ``executemany``, defaults filled from the model.

    The columns are the model's own (``local_concrete_fields``); a column not given in
    ``row()`` takes the value an unsaved instance has (the field's default), prepared for
    the database once. Given values go in as they are (ints, strings, booleans, None)
    except dates and times, which the field prepares (SQLite stores them as UTC text):
    preparing every value through its field cost as much as generating the articles.
    """

    PREPARED_TYPES = frozenset({"DateTimeField", "DateField", "TimeField", "JSONField"})

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.fields = list(model._meta.local_concrete_fields)
        template = model()
        self.defaults = [
            field.get_db_prep_save(getattr(template, field.attname), self.connection)
            for field in self.fields
        ]
        self.index = {field.attname: i for i, field in enumerate(self.fields)}
        self.prepare = {
            field.attname: field.get_db_prep_save
            for field in self.fields
            if field.get_internal_type() in self.PREPARED_TYPES
        }
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"

    def row(self, **values) -> tuple:
        row = list(self.defaults)
        index, prepare = self.index, self.prepare
        for name, value in values.items():
            if name in prepare and value is not None:
                value = prepare[name](value, self.connection)
            row[index[name]] = value
        return tuple(row)

    def insert(self, cursor, rows: list[tuple]) -> None:
        if rows:
            cursor.executemany(self.sql, rows)

    def next_id(self) -> int:
        """Return the first free primary key (the fill assigns them, to link rows at once)."""
        last = self.model._default_manager.aggregate(last=models.Max("pk"))["last"]
        return (last or 0) + 1

    @staticmethod
    def reset_sequences(models_: list[type[models.Model]]) -> None:
        """Move PostgreSQL's id sequences past the ids the fill gave (no-op on SQLite)."""
        statements = connection.ops.sequence_reset_sql(no_style(), models_)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def fill(articles: int, **options) -> FillReport:
    """Fill the current database with ``articles`` articles; see ``Filler`` for options."""
    return Filler(articles, **options).fill()
