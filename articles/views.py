"""Public pages. Every queryset starts from ``Article.objects.published()``."""

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from . import workflow
from .models import Article, ArticleNote, Author, PreviewLink, Section


class ArticleListMixin:
    """Own the public article queryset and pagination for every list page."""

    paginate_by = settings.ARTICLES_PER_PAGE
    context_object_name = "articles"

    def get_queryset(self) -> QuerySet[Article]:
        # Teasers never show the body: don't fetch it for a whole page of articles.
        return Article.objects.published().with_related().defer("body")


class HomeView(ArticleListMixin, ListView):
    template_name = "articles/article_list.html"


class SectionView(ArticleListMixin, ListView):
    template_name = "articles/section_detail.html"

    def get_queryset(self) -> QuerySet[Article]:
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return super().get_queryset().filter(section=self.section)

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
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class AuthorView(ArticleListMixin, ListView):
    template_name = "articles/author_detail.html"

    def get_queryset(self) -> QuerySet[Article]:
        self.author = get_object_or_404(
            Author.objects.select_related("avatar"), slug=self.kwargs["slug"]
        )
        return super().get_queryset().filter(bylines__author=self.author)

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


class ArticleDetailView(DetailView):
    """One article. Staff who may see an article before it is public get a preview here."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"

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
        user = self.request.user
        context["can_edit"] = user.is_staff and workflow.can_change(user, self.object)
        context["is_preview"] = not self.object.is_public
        context["notes"] = article_notes(self.object)
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
    }
    return _private(render(request, "articles/article_detail.html", context))
