"""Public pages. Every queryset starts from ``Article.objects.published()`` (articles.querysets)."""

from itertools import groupby
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    QuerySet,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from articles import cachekeys, search, text, workflow
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleNote,
    ArticleSlugRedirect,
    Author,
    PreviewLink,
    Section,
    TaggedArticle,
)
from embeds import bodies
from embeds.services import snapshots, video_objects
from newsroom.pagecache import depends_on, untracked
from newsroom.security import second_factor_step
from public import embeds, teasers
from public import live as live_views
from public.pagination import ArchivePaginator
from public.search import highlight
from public.teasers import prefetch_teasers

# A section's block on the home page: compact teasers under the section's own heading.
SECTION_BLOCK = teasers.Variant(level=3, compact=True, hide_section=True)


# Meta descriptions longer than this are cut by search engines anyway.
class ArticleListMixin:
    """Own the public article queryset, pagination and page metadata for every list page."""

    paginate_by = settings.ARTICLES_PER_PAGE
    paginator_class = ArchivePaginator  # newer / older, never a COUNT of the archive
    context_object_name = "articles"

    def get_queryset(self) -> QuerySet[Article]:
        return Article.objects.published().listed()  # the teasers are kept (public.teasers)

    def page_meta(self) -> tuple[str, str]:
        """Return the page's title (without the site's name) and its meta description."""
        return "", ""

    def paginate_queryset(self, queryset, page_size):
        # The page shows their teasers: it depends on the teasers' keys (public.teasers).
        with untracked():
            return super().paginate_queryset(queryset, page_size)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        title, description = self.page_meta()
        page = context["page_obj"].number
        if page > 1:
            title = f"{title or 'Latest news'}, page {page}"
        context["page_title"] = title
        context["page_description"] = text.describe(description) if description else ""
        return context


def requested_page(request: HttpRequest) -> int:
    """Return the ``?page=`` number asked for (1 when missing or not a number)."""
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


class HomeView(ArticleListMixin, ListView):
    """The front page: the lead story, the latest news, then a block per section.

    Page 2 and later are the plain archive. The first page runs a constant number of
    queries whatever the number of sections and articles: the lead, the latest page, and
    every section's newest in one query (a LIMIT subquery per section), leaving out what
    is already shown above; each reads primary keys only. Then the teasers are fetched
    kept (public.teasers), and only the articles whose teaser is missing are loaded, in
    one query with their bylines.
    """

    template_name = "articles/article_list.html"

    def get_context_data(self, **kwargs):
        depends_on(cachekeys.LIST_ALL)
        context = super().get_context_data(**kwargs)
        if context["page_obj"].number != 1:
            return context
        published = Article.objects.published()
        sections = {section.pk: section for section in cachekeys.navigation_sections()}
        with untracked():  # shown as teasers: the page depends on the teasers' keys
            lead = published.home_lead()
            latest = [a for a in context["articles"] if lead is None or a != lead]
            shown = [article.pk for article in latest] + ([lead.pk] if lead else [])
            block_articles = list(published.newest_per_section(list(sections), exclude=shown))
        by_section = groupby(block_articles, key=lambda article: article.section_id)
        blocks = [(sections[pk], list(articles)) for pk, articles in by_section]
        # The variants the template asks for (article_list.html): all fetched at once.
        prefetch_teasers(
            [
                ([lead] if lead else [], teasers.LEAD),
                (latest, teasers.Variant(level=3)),
                *((articles, SECTION_BLOCK) for _, articles in blocks),
            ]
        )
        context["lead"] = lead
        context["latest"] = latest
        context["section_blocks"] = blocks
        return context

    def page_meta(self) -> tuple[str, str]:
        return "", settings.NEWSROOM_TAGLINE


class SectionView(ArticleListMixin, ListView):
    template_name = "articles/section_detail.html"

    def get_queryset(self) -> QuerySet[Article]:
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        depends_on(cachekeys.section_list(self.section.pk))
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
        depends_on(cachekeys.tag_list(self.tag.pk))
        tagged = TaggedArticle.objects.filter(tag=self.tag)
        page = requested_page(self.request)
        return super().get_queryset().linked_newest_first(tagged, "content_object", page)

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
        depends_on(cachekeys.author_list(self.author.pk))
        bylines = ArticleAuthor.objects.filter(author=self.author)
        page = requested_page(self.request)
        return super().get_queryset().linked_newest_first(bylines, "article", page)

    def page_meta(self) -> tuple[str, str]:
        author = self.author
        fallback = f"Articles by {author.name}" + (
            f", {author.job_title}" if author.job_title else ""
        )
        return author.name, author.bio or f"{fallback}, at {settings.NEWSROOM_NAME}."

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


def article_notes(article: Article) -> list[ArticleNote]:
    return list(article.notes.all()) if getattr(article, "has_notes", True) else []


class SecondFactorNeeded(Exception):
    """A staff preview needs the session's second factor first (``step``: where to pass it)."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


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
        except SecondFactorNeeded as needed:
            # A password alone never shows a draft: the admin would ask for the code too.
            response = redirect(needed.step)
            patch_cache_control(response, private=True, no_store=True)
            return response
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
        if workflow.may_preview(user):
            articles = Article.objects.all()  # checked per article in get_object
        else:
            articles = Article.objects.published()
        return articles.with_related().with_notes_flag()

    def get_object(self, queryset=None) -> Article:
        article = super().get_object(queryset)
        if article.is_public:
            return article
        if not workflow.can_view(self.request.user, article):
            raise Http404("No such article.")
        step = second_factor_step(self.request)
        if step:
            raise SecondFactorNeeded(step)
        return article

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article, user = self.object, self.request.user
        context["can_edit"] = user.is_staff and workflow.can_change(user, article)
        context["is_preview"] = not article.is_public
        context["notes"] = article_notes(article)
        context["page_title"] = article.shared_title
        context["page_description"] = text.describe(article.shared_summary)
        context.update(embed_context(self.request, article.body))
        if article.is_public:
            related = cachekeys.kept_related_and_neighbours(article)
            context["related"], context["previous"], context["next"] = related
        if article.live:
            context["live"] = live_views.live_context(
                article, self.live_page_number(), focus=self.focus
            )
            context["page_obj"] = context["live"].page  # ?page=N in the canonical link
            context["updates"] = list(context["live"].page.object_list)
            pinned = context["live"].pinned
            context["embed_sources"] = embeds.frame_sources(
                article.body,
                *(update.body for update in context["updates"]),
                *([pinned.body] if pinned else []),
            )
        return context

    focus = None  # the update a permalink opened (LiveUpdatePermalinkView)

    def live_page_number(self) -> object:
        return self.request.GET.get("page", 1)

    def render_to_response(self, context, **response_kwargs) -> HttpResponse:
        response = super().render_to_response(context, **response_kwargs)
        policy = embeds.frame_policy(context["embed_sources"])
        if policy is not None:  # only a page that embeds a provider admits its frames
            response._csp_config = policy
        if self.request.user.is_staff:
            # A staff page may carry the Edit link or a draft: never share it in a cache.
            patch_cache_control(response, private=True, no_store=True)
        return response


def embed_context(request: HttpRequest, body: str) -> dict:
    """What an article page needs of its body's embeds: frame sources for its CSP, the
    snapshots (read once, for the facades and the JSON-LD's videos) and those videos."""
    found = snapshots(bodies.embed_urls(body))
    return {
        "embed_sources": embeds.frame_sources(body),
        "embed_snapshots": found,
        "video_objects": video_objects(found.values(), absolute=request.build_absolute_uri),
    }


class LiveUpdatePermalinkView(ArticleDetailView):
    """``/articles/<slug>/updates/<pk>/``: the live page at one update, with its own title and card.

    The page of updates that holds it, the update marked and scrolled to (the follow
    script), its headline (or first words) as the title and description, its photo as
    the social card, and its own URL as the canonical one.
    """

    pk_url_kwarg = "article_pk"  # the URL's pk is the update's: the article is by slug

    def get_object(self, queryset=None) -> Article:
        article = super().get_object(queryset)
        if not article.live or not article.is_public:
            raise Http404("No such update.")
        self.focus, self.focus_page = live_views.focused_update(article, self.kwargs["pk"])
        return article

    def live_page_number(self) -> object:
        return self.focus_page

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        update = self.focus
        context["page_title"] = f"{update.title} — {self.object.headline}"
        context["page_description"] = text.describe(
            text.excerpt(update.body, words=40) or update.title
        )
        context["canonical_path"] = update.get_absolute_url()
        if update.photo_id:
            context["social_photo"] = update.photo
        return context


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
    article = get_object_or_404(
        Article.objects.with_related().with_notes_flag(), pk=link.article_id
    )
    context = {
        "article": article,
        "is_preview": True,
        "preview_link": link,
        "can_edit": False,
        "notes": article_notes(article),
        "page_title": article.headline,
        **embed_context(request, article.body),
    }
    response = render(request, "articles/article_detail.html", context)
    if (policy := embeds.frame_policy(context["embed_sources"])) is not None:
        response._csp_config = policy
    return _private(response)


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
        depends_on(cachekeys.LIST_ALL)  # any article published or taken down may match
        return search.search_articles(self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        highlight(context["articles"], self.query)
        context["query"] = self.query
        context["full_text"] = search.is_full_text()  # quotes and -word work only there
        context["result_pool"] = search.RESULT_POOL
        # Pagination links keep the query (urlencoded; the template escapes the "&").
        context["page_query"] = urlencode({"q": self.query}) if self.query else ""
        return context
