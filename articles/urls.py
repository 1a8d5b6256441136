from django.urls import path, re_path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("section/<slug:slug>/", views.SectionView.as_view(), name="section"),
    # taggit keeps Unicode in slugs ("київ"), so tag URLs accept any word characters.
    re_path(r"^tag/(?P<slug>[-\w]+)/$", views.TagView.as_view(), name="tag"),
    path("author/<slug:slug>/", views.AuthorView.as_view(), name="author"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("preview/<str:token>/", views.preview, name="preview"),
]
