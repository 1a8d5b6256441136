"""Public pages. Every queryset starts from ``Article.objects.published()``."""

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from .models import Article, Author, Section


class ArticleListMixin:
    """Own the public article queryset and pagination for every list page."""

    paginate_by = settings.ARTICLES_PER_PAGE
    context_object_name = "articles"

    def get_queryset(self) -> QuerySet[Article]:
        return Article.objects.published().with_related()


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


class ArticleDetailView(DetailView):
    """One article. Staff who may edit articles also see drafts here (a preview)."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self) -> QuerySet[Article]:
        if self.request.user.has_perm("articles.change_article"):
            articles = Article.objects.all()
        else:
            articles = Article.objects.published()
        return articles.with_related()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = self.request.user.has_perm("articles.change_article")
        return context
