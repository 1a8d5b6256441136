"""Public pages. Every queryset starts from ``Article.objects.published()``."""

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from .models import Article, Author, Section


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
    template_name = "articles/tag_detail.html"

    def get_queryset(self) -> QuerySet[Article]:
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
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


class ArticleDetailView(DetailView):
    """One article. Staff who may edit articles also see drafts here (a preview)."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self) -> QuerySet[Article]:
        if may_edit_articles(self.request.user):
            articles = Article.objects.all()
        else:
            articles = Article.objects.published()
        return articles.with_related()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = may_edit_articles(self.request.user)
        context["is_preview"] = not self.object.is_public
        return context

    def render_to_response(self, context, **response_kwargs) -> HttpResponse:
        response = super().render_to_response(context, **response_kwargs)
        if context["can_edit"]:
            # An editor's page carries the Edit link or a draft: never share it in a cache.
            patch_cache_control(response, private=True, no_store=True)
        return response
