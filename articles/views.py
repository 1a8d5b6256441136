"""Public pages. Every queryset starts from ``Article.objects.published()``."""

import hashlib
from collections.abc import Sequence
from itertools import groupby
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.text import Truncator
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from . import search, workflow
from .cache import per_generation
from .models import (
    Article,
    ArticleAuthor,
    ArticleNote,
    ArticleSlugRedirect,
    Author,
    PreviewLink,
    Section,
    TaggedArticle,
)
from .pagination import ArchivePaginator

# Meta descriptions longer than this are cut by search engines anyway.
DESCRIPTION_LENGTH = 160
# How many teasers each section's block on the home page shows.
SECTION_BLOCK_SIZE = 4
# How many related articles an article page offers.
RELATED_COUNT = 4
# Related articles fall back to the section's newest: only this many are considered.
RELATED_SECTION_POOL = 12
# How many of each tag's newest articles are weighed for "related".
RELATED_TAG_POOL = 40


def describe(text: str) -> str:
    """Return ``text`` as a one-line meta description of at most 160 characters."""
    return Truncator(" ".join(text.split())).chars(DESCRIPTION_LENGTH)


def bylines_prefetch() -> Prefetch:
    """Return the prefetch of an article's byline in order, with each author and avatar."""
    return Prefetch(
        "bylines",
        queryset=ArticleAuthor.objects.select_related("author", "author__avatar").order_by(
            "position", "id"
        ),
    )


def teasers(articles: QuerySet[Article], *, bylines: bool = True) -> QuerySet[Article]:
    """Return ``articles`` with what a teaser shows: section, lead photo and byline.

    Teasers never show the body or the tags: neither is fetched for a page of them.
    """
    articles = articles.select_related("section", "lead_photo").defer("body", "search_vector")
    return articles.prefetch_related(bylines_prefetch()) if bylines else articles


class ArticleListMixin:
    """Own the public article queryset, pagination and page metadata for every list page."""

    paginate_by = settings.ARTICLES_PER_PAGE
    paginator_class = ArchivePaginator  # newer / older, never a COUNT of the archive
    context_object_name = "articles"

    def get_queryset(self) -> QuerySet[Article]:
        return teasers(Article.objects.published())

    def page_meta(self) -> tuple[str, str]:
        """Return the page's title (without the site's name) and its meta description."""
        return "", ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        title, description = self.page_meta()
        page = context["page_obj"].number
        if page > 1:
            title = f"{title or 'Latest news'}, page {page}"
        context["page_title"] = title
        context["page_description"] = describe(description) if description else ""
        return context


def home_lead(published: QuerySet[Article]) -> Article | None:
    """Return the lead story: the newest featured article, else the newest.

    One query: both candidates are LIMIT 1 subqueries read off an index, so the cost
    does not grow with the archive.
    """
    newest = published.order_by("-published_at", "-id").values("pk")
    newest_featured = newest.filter(featured=True)[:1]
    found = teasers(
        Article.objects.filter(Q(pk=Subquery(newest_featured)) | Q(pk=Subquery(newest[:1]))),
        bylines=False,
    ).order_by("-featured", "-published_at", "-id")
    return next(iter(found), None)


def requested_page(request: HttpRequest) -> int:
    """Return the ``?page=`` number asked for (1 when missing or not a number)."""
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


def linked_newest_first(
    articles: QuerySet[Article], links: QuerySet, field: str, page: int = 1
) -> QuerySet[Article]:
    """Return ``articles`` that ``links`` (tag or byline rows) point to, planned by size.

    A tag on half the archive: walk the newest articles and keep those with the tag (an
    index probe each), stopping once the page is full. A rare tag: fetch its few
    articles and sort them. Either way the cost stays flat as the archive grows; the
    sizes are counted once per cache generation.
    """
    which = hashlib.sha256(str(links.query).encode()).hexdigest()[:32]
    size = per_generation(f"links:{which}", links.count)
    total = per_generation("articles:total", Article.objects.count)
    # Walking costs about page × per-page × total / size probes; fetching costs size rows.
    if size * size > page * settings.ARTICLES_PER_PAGE * total:
        return articles.filter(Exists(links.filter(**{field: OuterRef("pk")})))
    return articles.filter(pk__in=links.values(field))


class HomeView(ArticleListMixin, ListView):
    """The front page: the lead story, the latest news, then a block per section.

    Page 2 and later are the plain archive. The first page runs a constant number of
    queries whatever the number of sections and articles: the lead, the latest page (and
    its bylines), the lead's bylines, and every section's newest in one query (a LIMIT
    subquery per section), leaving out what is already shown above.
    """

    template_name = "articles/article_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["page_obj"].number != 1:
            return context
        published = Article.objects.published()
        # The newest featured article, else the newest: featured ones sort first.
        lead = home_lead(published)
        latest = [article for article in context["articles"] if lead is None or article != lead]
        shown = [article.pk for article in latest] + ([lead.pk] if lead else [])
        # Each section's few newest, not already shown: one LIMIT subquery per section,
        # each an index range scan, so the cost follows the sections, not the archive.
        sections = per_generation("section-nav", lambda: list(Section.objects.all()))
        unshown = published.exclude(pk__in=shown).order_by("-published_at", "-id")
        newest = pk_in_any(
            [
                unshown.filter(section_id=section.pk).values("pk")[:SECTION_BLOCK_SIZE]
                for section in sections
            ]
        )
        # The subqueries only yield public articles, so the outer query is a lookup by id.
        newest_per_section = teasers(Article.objects.filter(newest), bylines=False).order_by(
            "section__position", "section__name", "-published_at", "-id"
        )
        block_articles = list(newest_per_section)
        if lead is not None:
            # Section blocks are compact (no byline): only the lead needs its bylines.
            prefetch_related_objects([lead], bylines_prefetch())
        context["lead"] = lead
        context["latest"] = latest
        by_section = groupby(block_articles, key=lambda article: article.section_id)
        blocks = [list(articles) for _, articles in by_section]
        context["section_blocks"] = [(articles[0].section, articles) for articles in blocks]
        return context

    def page_meta(self) -> tuple[str, str]:
        return "", settings.NEWSROOM_TAGLINE


class SectionView(ArticleListMixin, ListView):
    template_name = "articles/section_detail.html"

    def get_queryset(self) -> QuerySet[Article]:
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return super().get_queryset().filter(section=self.section)

    def page_meta(self) -> tuple[str, str]:
        name = self.section.name
        return (
            name,
            self.section.description or f"The latest {name} news from {settings.NEWSROOM_NAME}.",
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class TagView(ArticleListMixin, ListView):
    """A tag's articles. The slug of a merged or renamed tag answers 301 to the tag it became."""

    template_name = "articles/tag_detail.html"

    def get(self, request, *args, **kwargs) -> HttpResponse:
        slug = self.kwargs["slug"]
        try:
            self.tag = Tag.objects.get(slug=slug)
        except Tag.DoesNotExist:
            target = get_object_or_404(Tag.objects.only("slug"), redirects__old_slug=slug)
            response = redirect("articles:tag", slug=target.slug, permanent=True)
            if request.GET:
                response["Location"] += f"?{request.GET.urlencode()}"
            return response
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Article]:
        tagged = TaggedArticle.objects.filter(tag=self.tag)
        page = requested_page(self.request)
        return linked_newest_first(super().get_queryset(), tagged, "content_object", page)

    def page_meta(self) -> tuple[str, str]:
        name = self.tag.name
        return name, f"Articles about {name} from {settings.NEWSROOM_NAME}."

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class AuthorView(ArticleListMixin, ListView):
    template_name = "articles/author_detail.html"

    def get_queryset(self) -> QuerySet[Article]:
        self.author = get_object_or_404(
            Author.objects.select_related("avatar"), slug=self.kwargs["slug"]
        )
        bylines = ArticleAuthor.objects.filter(author=self.author)
        page = requested_page(self.request)
        return linked_newest_first(super().get_queryset(), bylines, "article", page)

    def page_meta(self) -> tuple[str, str]:
        author = self.author
        fallback = f"Articles by {author.name}" + (
            f", {author.job_title}" if author.job_title else ""
        )
        return author.name, author.bio or f"{fallback}, at {settings.NEWSROOM_NAME}."

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


def may_edit_articles(user) -> bool:
    """Return whether ``user`` may edit articles in the admin (and so preview them)."""
    return user.is_active and user.is_staff and user.has_perm("articles.change_article")


def with_notes_flag(articles: QuerySet[Article]) -> QuerySet[Article]:
    """Return ``articles`` marked ``has_notes``, so notes are fetched only when there are some."""
    return articles.annotate(has_notes=Exists(ArticleNote.objects.filter(article=OuterRef("pk"))))


def article_notes(article: Article) -> list[ArticleNote]:
    return list(article.notes.all()) if getattr(article, "has_notes", True) else []


def union_all_sql(
    querysets: Sequence[QuerySet], raw: Sequence[tuple[str, list]] = ()
) -> tuple[str, list]:
    """Return one SQL statement (and its parameters) of the rows of every query, in turn.

    Each queryset may be ordered and sliced (a LIMIT): it is wrapped as a derived table,
    which SQLite and PostgreSQL both accept inside a UNION ALL. ``raw`` adds (sql,
    params) parts that already fit. An empty list gives ("", []).
    """
    parts, params = [], []
    for queryset in querysets:
        sql, query_params = queryset.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS part")
        params += query_params
    for sql, raw_params in raw:
        parts.append(sql)
        params += raw_params
    return " UNION ALL ".join(parts), params


def pk_in_any(pools: Sequence[QuerySet], raw: Sequence[tuple[str, list]] = ()) -> Q:
    """Return a filter for the primary keys any of ``pools`` yields (small LIMIT queries).

    One ``IN`` over a UNION ALL of the pools, not an OR of ``IN (subquery)`` terms:
    PostgreSQL answered the OR with a sequential scan of the whole archive (120 ms at
    100,000 articles); the union is a few hundred ids, each looked up by primary key.
    ``raw`` adds (sql, params) pools that already select one id column.
    """
    sql, params = union_all_sql(pools, raw)
    return Q(pk__in=RawSQL(sql, params)) if sql else Q(pk__in=[])


def newest_tagged_sql(tag_ids: list[int], exclude_pk: int) -> tuple[str, list[int]]:
    """Return SQL for the ids of each tag's newest few articles, and its parameters.

    The newest by id (ids follow creation), read off the (tag, content_object) index, so
    a tag on a tenth of the archive costs no more than a rare one. Plain SQL: building
    the same with querysets took longer than running it.
    """
    table = TaggedArticle._meta.db_table
    part = (
        f"SELECT * FROM (SELECT content_object_id FROM {table} "
        "WHERE tag_id = %s AND content_object_id <> %s "
        "ORDER BY content_object_id DESC LIMIT %s) AS newest"
    )
    params: list[int] = []
    for tag_id in tag_ids:
        params += [tag_id, exclude_pk, RELATED_TAG_POOL]
    return " UNION ALL ".join([part] * len(tag_ids)), params


def related_and_neighbours(
    article: Article, count: int = RELATED_COUNT
) -> tuple[list[Article], Article | None, Article | None]:
    """Return the related articles, and the previous (older) and next (newer) in the section.

    One query for all three. Related: among each of its tags' newest articles, those
    sharing the most tags with ``article``, newest first on ties; when too few share a
    tag, the section's newest fill the list (they share no tag, so they sort after; only
    the section's few newest are considered, so the query stays small whatever the
    section's size). Drafts among the candidates are dropped by ``published``. The
    neighbours are scalar subqueries (newest older, oldest newer), which work alike on
    PostgreSQL and SQLite, and sort first so the limit never cuts them off.
    """
    tag_ids = [tag.pk for tag in article.tags.all()]  # prefetched by with_related()
    published = Article.objects.published().exclude(pk=article.pk)
    in_section = published.filter(section_id=article.section_id)
    when, pk = article.published_at, article.pk
    # A range on published_at and no OR: with an OR, SQLite's planner took every newer
    # article of the section and sorted them (22 ms for an old article in a big section).
    older = in_section.filter(published_at__lte=when).exclude(published_at=when, pk__gt=pk)
    newer = in_section.filter(published_at__gte=when).exclude(published_at=when, pk__lt=pk)
    older_pk = Subquery(older.order_by("-published_at", "-id").values("pk")[:1])
    newer_pk = Subquery(newer.order_by("published_at", "id").values("pk")[:1])

    pools = [
        in_section.values("pk")[:RELATED_SECTION_POOL],
        older.order_by("-published_at", "-id").values("pk")[:1],
        newer.order_by("published_at", "id").values("pk")[:1],
    ]
    candidates = pk_in_any(pools, [newest_tagged_sql(tag_ids, pk)] if tag_ids else [])
    # A count per candidate (an index lookup each), not a GROUP BY over the joined rows.
    shared_tags = Coalesce(
        Subquery(
            TaggedArticle.objects.filter(content_object=OuterRef("pk"), tag_id__in=tag_ids)
            .values("content_object")
            .annotate(shared=Count("pk"))
            .values("shared")
        ),
        Value(0),
    )
    is_neighbour = Case(
        When(Q(pk=older_pk) | Q(pk=newer_pk), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    found = (
        teasers(published.filter(candidates), bylines=False)
        .annotate(shared_tags=shared_tags, is_neighbour=is_neighbour)
        .order_by("-is_neighbour", "-shared_tags", "-published_at", "-id")[: count + 2]
    )
    previous = next_ = None
    for other in found:
        if other.is_neighbour and (other.published_at, other.pk) < (when, pk):
            previous = other
        elif other.is_neighbour:
            next_ = other
    # The neighbours are in the section too, so they may be related as well.
    related = sorted(found, key=lambda a: (-a.shared_tags, -a.published_at.timestamp(), -a.pk))
    return related[:count], previous, next_


class ArticleDetailView(DetailView):
    """One article. Staff who may see an article before it is public get a preview here.

    An earlier slug of an article answers 301 to its current URL (query string kept),
    so changing a slug never breaks a shared link; a non-public article stays a 404.
    """

    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get(self, request, *args, **kwargs) -> HttpResponse:
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            renamed = (
                ArticleSlugRedirect.objects.filter(
                    old_slug=self.kwargs["slug"],
                    article__in=Article.objects.published(),
                )
                .select_related("article")
                .only("article__slug")
                .first()
            )
            if renamed is None or renamed.article.slug == self.kwargs["slug"]:
                raise
            location = renamed.article.get_absolute_url()
            if request.GET:
                location += f"?{request.GET.urlencode()}"
            return redirect(location, permanent=True)

    def get_queryset(self) -> QuerySet[Article]:
        user = self.request.user
        if user.is_staff and (may_edit_articles(user) or user.has_perm("articles.view_article")):
            articles = Article.objects.all()  # checked per article in get_object
        else:
            articles = Article.objects.published()
        return with_notes_flag(articles.with_related())

    def get_object(self, queryset=None) -> Article:
        article = super().get_object(queryset)
        if not article.is_public and not workflow.can_view(self.request.user, article):
            raise Http404("No such article.")
        return article

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article, user = self.object, self.request.user
        context["can_edit"] = user.is_staff and workflow.can_change(user, article)
        context["is_preview"] = not article.is_public
        context["notes"] = article_notes(article)
        context["page_title"] = article.seo_title or article.headline
        context["page_description"] = describe(
            article.seo_description or article.dek or article.headline
        )
        if article.is_public:
            context["related"], context["previous"], context["next"] = related_and_neighbours(
                article
            )
        return context

    def render_to_response(self, context, **response_kwargs) -> HttpResponse:
        response = super().render_to_response(context, **response_kwargs)
        if self.request.user.is_staff:
            # A staff page may carry the Edit link or a draft: never share it in a cache.
            patch_cache_control(response, private=True, no_store=True)
        return response


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the link is the key: never pass it on
    return response


def preview(request: HttpRequest, token: str) -> HttpResponse:
    """Show an article to someone without an account, through a signed, expiring link.

    Unsigned or tampered links answer 404; genuine links that expired or were revoked
    answer 410 with a page saying so.
    """
    link = PreviewLink.from_signed_token(token)
    if link is None:
        raise Http404("No such preview.")
    if not link.is_active:
        return _private(render(request, "articles/preview_gone.html", {"link": link}, status=410))
    article = get_object_or_404(with_notes_flag(Article.objects.with_related()), pk=link.article_id)
    context = {
        "article": article,
        "is_preview": True,
        "preview_link": link,
        "can_edit": False,
        "notes": article_notes(article),
        "page_title": article.headline,
    }
    return _private(render(request, "articles/article_detail.html", context))


class SearchView(ListView):
    """Search results for ``?q=``. Any query, however odd, gets a normal page (at worst empty).

    Not an ArticleListMixin: search keeps its own order (best match first) and fetches the
    snippet with the results, see articles/search.py.
    """

    template_name = "articles/search.html"
    paginate_by = settings.ARTICLES_PER_PAGE
    context_object_name = "articles"

    def get_queryset(self) -> QuerySet[Article]:
        self.query = search.normalize_query(self.request.GET.get("q", ""))
        return search.search_articles(self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        search.highlight(context["articles"], self.query)
        context["query"] = self.query
        context["full_text"] = search.is_full_text()  # quotes and -word work only there
        context["result_pool"] = search.RESULT_POOL
        # Pagination links keep the query (urlencoded; the template escapes the "&").
        context["page_query"] = urlencode({"q": self.query}) if self.query else ""
        return context
