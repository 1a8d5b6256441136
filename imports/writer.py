"""Writing an ``Export`` (``imports.records``) into the newsroom, the same for every source.

One transaction: a failure writes nothing, and ``dry_run`` rolls everything back after
counting what would change. Every row made remembers its record (``SourceRecord``), so
a second run finds it by that, not by its slug, and leaves it alone when the export
did not change it (a fingerprint of the record). Bodies go through ``Article.save()``
like every other write: sanitized, embeds made, pages purged. Images become library
photos through the upload checks, their credit read from the caption where agencies
write it; a photo whose credit could not be read is flagged for the photo desk, and
the article keeps its public status.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from articles import cachekeys
from articles.models import Article, ArticleAuthor, Author, Section, TaggedArticle
from articles.text import html_to_text
from embeds import fetch
from newsroom.fields import unique_slug
from newsroom.pagecache import purge
from photos.images import renditions, validate_image_file
from photos.models import Photo

from . import credits
from .middleware import new_generation
from .models import LegacyRedirect, SourceRecord
from .records import Export, Image, Person, Post, Term

# Where CMSs keep uploads: an image URL is looked up by its path after these.
UPLOAD_ROOTS = ("content/images/", "wp-content/uploads/")
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc\s*=\s*)(["\'])(.*?)\2', re.IGNORECASE | re.DOTALL)


@dataclass
class Options:
    images: Path | None = None
    fetch_images: bool = False
    dry_run: bool = False
    section_map: dict[str, str] = field(default_factory=dict)  # term slug or name -> section
    default_section: str = "News"


@dataclass
class Report:
    counts: dict[str, Counter] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    not_public: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    images_missing: list[str] = field(default_factory=list)
    credits_not_parsed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    redirects: int = 0
    renditions_due: list[Photo] = field(default_factory=list)

    def count(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1

    def lines(self) -> list[str]:
        out = []
        for kind in ("articles", "authors", "tags", "sections", "photos"):
            if kind in self.counts:
                c = self.counts[kind]
                out.append(
                    f"{kind}: {c['created']} created, {c['updated']} updated, "
                    f"{c['unchanged']} unchanged"
                )
        out.append(f"old addresses redirected: {self.redirects}")
        for title, items in (
            ("skipped", [f"{what}: {why}" for what, why in self.skipped]),
            ("updated because the export changed", self.changed),
            ("not public (private or password-protected: imported as drafts)", self.not_public),
            ("slug already used, given a suffix", self.renamed),
            ("images missing", self.images_missing),
            ("photos imported without a credit (flagged for the photo desk)",
             self.credits_not_parsed),
            ("warnings", self.warnings),
        ):  # fmt: skip
            if items:
                out.append(f"{title}: {len(items)}")
                out.extend(f"  - {item}" for item in items[:50])
                if len(items) > 50:
                    out.append(f"  … and {len(items) - 50} more")
        return out


def fingerprint(record) -> str:
    data = json.dumps(asdict(record), default=str, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()


class Writer:
    def __init__(
        self, export: Export, options: Options, progress: Callable[[Iterable], Iterable] = iter
    ) -> None:
        self.export, self.options, self.progress = export, options, progress
        host = urlsplit(export.site_url).netloc if export.site_url else ""
        self.source = f"{export.source}:{host or 'site'}"[:200]
        self.report = Report(skipped=list(export.skipped))
        self.authors: dict[str, Author] = {}
        self.tags: dict[str, Tag] = {}
        self.sections: dict[str, Section] = {}
        self.photos: dict[str, Photo | None] = {}
        self._files: dict[str, list[Path]] | None = None
        self._types = {
            model: ContentType.objects.get_for_model(model)
            for model in (Article, Author, Tag, Section)
        }
        self._records: dict[tuple[int, str], SourceRecord] = {
            (record.content_type_id, record.source_id): record
            for record in SourceRecord.objects.filter(source=self.source)
        }

    # Bookkeeping ---------------------------------------------------------------------

    def _record(self, model: type[models.Model], source_id: str) -> SourceRecord | None:
        return self._records.get((self._types[model].pk, source_id))

    def _remember(self, model, source_id: str, obj, print_: str) -> None:
        record = self._record(model, source_id)
        if record is None:
            record = SourceRecord(
                source=self.source, source_id=source_id, content_type=self._types[model]
            )
            self._records[(self._types[model].pk, source_id)] = record
        record.object_id, record.fingerprint = obj.pk, print_
        record.save()

    def _existing(self, model, source_id: str):
        record = self._record(model, source_id)
        if record is None:
            return None, ""
        return model._default_manager.filter(pk=record.object_id).first(), record.fingerprint

    # The run -------------------------------------------------------------------------

    def run(self) -> Report:
        """Write the export in one transaction; photos' renditions are left in
        ``report.renditions_due`` (``build_renditions``), not built in the commit."""
        with renditions.deferred() as due, transaction.atomic():
            for person in self.export.people.values():
                self.author(person)
            for term in self.export.terms.values():
                if self._section_name(term) is None:
                    self.tag(term)
            for post in self.progress(self.export.posts):
                self.article(post)
            self.redirects()
            if self.options.dry_run:
                transaction.set_rollback(True)
        if not self.options.dry_run:
            new_generation()
            self.report.renditions_due = list(due)
        return self.report

    # People, terms, sections -----------------------------------------------------------

    def author(self, person: Person) -> Author:
        if person.source_id in self.authors:
            return self.authors[person.source_id]
        found, old_print = self._existing(Author, person.source_id)
        print_ = fingerprint(person)
        if found is not None and old_print == print_:
            self.report.count("authors", "unchanged")
        else:
            author = found or Author(kind=Author.Kind.PERSON)
            author.name = person.name[:150] or person.source_id[:150]
            author.bio = html_to_text(person.bio)
            author.website = person.website if person.website.startswith("http") else ""
            if found is None:
                wanted = slugify(person.slug or person.name)[:150] or "author"
                taken = Author.objects.filter(slug=wanted).exists()
                author.slug = unique_slug(author, wanted) if taken else wanted
            if person.avatar is not None and (photo := self.photo(person.avatar, person.name)):
                author.avatar = photo
            author.save()
            self._remember(Author, person.source_id, author, print_)
            self.report.count("authors", "updated" if found else "created")
            found = author
        self.authors[person.source_id] = found
        return found

    def _section_name(self, term: Term) -> str | None:
        mapping = self.options.section_map
        return mapping.get(term.slug) or mapping.get(term.name)

    def tag(self, term: Term) -> Tag:
        if term.source_id in self.tags:
            return self.tags[term.source_id]
        found, _ = self._existing(Tag, term.source_id)
        if found is None:
            found = Tag.objects.filter(name__iexact=term.name[:100]).first()
            if found is None:
                found = Tag(name=term.name[:100])
                wanted = slugify(term.slug or term.name, allow_unicode=True)[:100]
                if wanted and not Tag.objects.filter(slug=wanted).exists():
                    found.slug = wanted
                found.save()
                self.report.count("tags", "created")
            else:
                self.report.count("tags", "unchanged")
            self._remember(Tag, term.source_id, found, "")
        else:
            self.report.count("tags", "unchanged")
        self.tags[term.source_id] = found
        return found

    def section(self, name: str) -> Section:
        if name in self.sections:
            return self.sections[name]
        found = Section.objects.filter(models.Q(slug=slugify(name)) | models.Q(name=name)).first()
        if found is None:
            found = Section(name=name[:100])
            found.slug = unique_slug(found, name)
            found.save()
            self.report.count("sections", "created")
        self.sections[name] = found
        return found

    def section_of(self, post: Post) -> Section:
        terms = self.export.terms
        for source_id in [post.primary_tag_id, *post.category_ids, *post.tag_ids]:
            term = terms.get(source_id)
            if term is not None and (name := self._section_name(term)):
                return self.section(name)
        return self.section(self.options.default_section)

    # Images --------------------------------------------------------------------------

    def _index(self) -> dict[str, list[Path]]:
        if self._files is None:
            self._files = {}
            root = self.options.images
            if root is not None and root.is_dir():
                for folder, _, names in os.walk(root):
                    for name in names:
                        self._files.setdefault(name, []).append(Path(folder) / name)
        return self._files

    def _read(self, url: str) -> bytes | None:
        path = unquote(urlsplit(url).path)
        root = self.options.images
        if root is not None:
            for marker in UPLOAD_ROOTS:
                if marker in path:
                    candidate = root / path.split(marker, 1)[1]
                    if candidate.resolve().is_relative_to(root.resolve()) and candidate.is_file():
                        return candidate.read_bytes()
            for candidate in self._index().get(PurePosixPath(path).name, []):
                return candidate.read_bytes()
        if self.options.fetch_images and url.startswith(("http://", "https://")):
            try:
                return fetch.get(url, kind="image")[0]
            except fetch.FetchError as error:
                self.report.images_missing.append(f"{url} ({error})")
                return b""
        return None

    def photo(self, image: Image, context: str) -> Photo | None:
        url = image.url.replace("__GHOST_URL__", self.export.site_url.rstrip("/"))
        if url in self.photos:
            return self.photos[url]
        source = f"import:{url}"
        if len(source) > 200:
            source = f"import:{hashlib.sha256(url.encode()).hexdigest()}"
        photo = Photo.objects.filter(source=source).order_by("pk").first()
        if photo is None:
            data = self._read(url)
            if not data:
                if data is None:
                    self.report.images_missing.append(f"{url} (in {context})")
                self.photos[url] = None
                return None
            name = PurePosixPath(urlsplit(url).path).name or "image.jpg"
            upload = ContentFile(data, name=name)
            try:
                validate_image_file(upload)
            except ValidationError as error:
                self.report.images_missing.append(f"{url}: refused, {' '.join(error.messages)}")
                self.photos[url] = None
                return None
            if self.options.dry_run:
                self.report.count("photos", "created")
                self.photos[url] = None
                return None
            credit = credits.parse(html_to_text(image.caption))
            limit = Photo._meta.get_field
            photo = Photo(
                image=upload,
                alt_text=html_to_text(image.alt)[: limit("alt_text").max_length],
                caption=credit.caption if credit else html_to_text(image.caption),
                credit=(credit.line if credit else "")[: limit("credit").max_length],
                photographer=(credit.photographer if credit else "")[:200],
                agency=(credit.agency if credit else "")[:200],
                source=source,
                imported_without_credit=credit is None,
            )
            try:
                photo.save()
            except ValidationError as error:
                self.report.images_missing.append(f"{url}: refused, {' '.join(error.messages)}")
                self.photos[url] = None
                return None
            if photo.imported_without_credit:
                self.report.credits_not_parsed.append(f"{url} (in {context})")
            self.report.count("photos", "created")
        else:
            self.report.count("photos", "unchanged")
        self.photos[url] = photo
        return photo

    def body(self, post: Post) -> str:
        def replace(found: re.Match) -> str:
            photo = self.photo(Image(url=html.unescape(found[3])), f"“{post.title}”")
            return f"{found[1]}{found[2]}{photo.image.url if photo else found[3]}{found[2]}"

        return _IMG_SRC.sub(replace, post.html or "")

    # Articles ------------------------------------------------------------------------

    def article(self, post: Post) -> None:
        found, old_print = self._existing(Article, post.source_id)
        print_ = fingerprint(post)
        label = f"“{post.title or post.slug or post.source_id}”"
        for warning in post.warnings:
            self.report.warnings.append(f"{label}: {warning}")
        if found is not None and old_print == print_:
            self.report.count("articles", "unchanged")
            self.articles_by_source[post.source_id] = found.pk
            return
        article = found or Article()
        article.headline = (post.title or "Untitled")[:200]
        article.dek = html_to_text(post.excerpt)[:600]
        article.body = self.body(post)
        article.section = self.section_of(post)
        now = timezone.now()
        if post.status == "published":
            article.status = Article.Status.PUBLISHED
            article.published_at = post.published_at or now
        elif post.status == "scheduled" and post.published_at:
            article.status = Article.Status.PUBLISHED  # shown by itself at its time
            article.published_at = post.published_at
        else:
            article.status = Article.Status.DRAFT
            article.published_at = post.published_at if post.status != "published" else None
            if post.status == "private":
                self.report.not_public.append(label)
        if article.status != Article.Status.PUBLISHED:
            article.published_at = None
        if found is None:
            wanted = slugify(post.slug or post.title)[:200] or "article"
            if Article.objects.filter(slug=wanted).exists():
                article.slug = unique_slug(article, wanted)
                self.report.renamed.append(f"{label}: /{wanted}/ → /{article.slug}/")
            else:
                article.slug = wanted
        lead = post.feature_image
        article.lead_photo = self.photo(lead, label) if lead else None
        if lead is not None and article.lead_photo is not None:
            credit = credits.parse(html_to_text(lead.caption))
            caption = credit.caption if credit else html_to_text(lead.caption)
            article.lead_photo_caption = "" if caption == article.lead_photo.caption else caption
        article.save()
        if found is not None:
            article.bylines.all().delete()
            TaggedArticle.objects.filter(content_object=article).delete()
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=article, author=self.author_of(source_id), position=n)
            for n, source_id in enumerate(dict.fromkeys(post.author_ids), start=1)
            if self.author_of(source_id) is not None
        )
        tags = [
            self.tag(self.export.terms[source_id])
            for source_id in [*post.tag_ids, *post.category_ids]
            if source_id in self.export.terms
            and self._section_name(self.export.terms[source_id]) is None
        ]
        # In the export's order, in one insert (taggit's add() costs queries per tag); the
        # tags' lists are purged here since no m2m signal is sent.
        TaggedArticle.objects.bulk_create(
            TaggedArticle(content_object=article, tag=tag) for tag in dict.fromkeys(tags)
        )
        purge({cachekeys.tag_list(tag.pk) for tag in tags})
        self._remember(Article, post.source_id, article, print_)
        if found is not None:
            self.report.changed.append(label)
        self.report.count("articles", "updated" if found else "created")
        self.articles_by_source[post.source_id] = article.pk  # not the row: memory stays flat

    @property
    def articles_by_source(self) -> dict[str, int]:
        if not hasattr(self, "_articles"):
            self._articles: dict[str, int] = {}
        return self._articles

    def author_of(self, source_id: str) -> Author | None:
        if source_id in self.authors:
            return self.authors[source_id]
        person = self.export.people.get(source_id)
        return self.author(person) if person is not None else None

    # Old addresses -------------------------------------------------------------------

    def redirects(self) -> None:
        targets: list[tuple[str, models.Model]] = []
        for post in self.export.posts:
            pk = self.articles_by_source.get(post.source_id)
            if pk is not None:
                targets += [(path, Article(pk=pk)) for path in post.old_paths]
        for path, source_id in self.export.term_paths.items():
            term = self.export.terms.get(source_id)
            if term is None:
                continue
            name = self._section_name(term)
            target = self.section(name) if name else self.tags.get(source_id)
            if target is not None:
                targets.append((path, target))
        for path, source_id in self.export.person_paths.items():
            if (author := self.authors.get(source_id)) is not None:
                targets.append((path, author))
        wanted = {
            path: (ContentType.objects.get_for_model(target).pk, target.pk)
            for path, target in targets
            if path.startswith("/") and len(path) <= 500
        }
        existing = {
            row.old_path: row for row in LegacyRedirect.objects.filter(old_path__in=list(wanted))
        }
        new, changed = [], []
        for path, (type_id, pk) in wanted.items():
            row = existing.get(path)
            if row is None:
                new.append(LegacyRedirect(old_path=path, content_type_id=type_id,
                                          object_id=pk, source=self.source))  # fmt: skip
            elif (row.content_type_id, row.object_id) != (type_id, pk):
                row.content_type_id, row.object_id, row.source = type_id, pk, self.source
                changed.append(row)
        LegacyRedirect.objects.bulk_create(new, batch_size=500)
        LegacyRedirect.objects.bulk_update(
            changed, ["content_type", "object_id", "source"], batch_size=500
        )
        self.report.redirects = len(wanted)
