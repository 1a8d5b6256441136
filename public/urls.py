from django.urls import path, re_path

from public import feeds, live_feeds, sitemaps, views
from public import live as live_views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("section/<slug:slug>/", views.SectionView.as_view(), name="section"),
    # taggit keeps Unicode in slugs ("київ"), so tag URLs accept any word characters.
    re_path(r"^tag/(?P<slug>[-\w]+)/$", views.TagView.as_view(), name="tag"),
    path("author/<slug:slug>/", views.AuthorView.as_view(), name="author"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    # Live coverage: an update's permalink, and what a reader's open page has not shown.
    path(
        "articles/<slug:slug>/updates/<int:pk>/",
        views.LiveUpdatePermalinkView.as_view(),
        name="live_update",
    ),
    path("articles/<slug:slug>/updates/", live_views.updates_since, name="live_updates"),
    path("articles/<slug:slug>/updates/feed/", live_feeds.LiveUpdatesFeed(), name="live_feed_rss"),
    path(
        "articles/<slug:slug>/updates/feed/atom/",
        live_feeds.LiveUpdatesAtomFeed(),
        name="live_feed_atom",
    ),
    path("search/", views.SearchView.as_view(), name="search"),
    path("preview/<str:token>/", views.preview, name="preview"),
    # Feeds: RSS 2.0 and Atom for the site, a section, a tag, an author.
    path("feed/", feeds.LatestArticlesFeed(), name="feed_rss"),
    path("feed/atom/", feeds.LatestArticlesAtomFeed(), name="feed_atom"),
    path("section/<slug:slug>/feed/", feeds.SectionFeed(), name="section_feed_rss"),
    path("section/<slug:slug>/feed/atom/", feeds.SectionAtomFeed(), name="section_feed_atom"),
    re_path(r"^tag/(?P<slug>[-\w]+)/feed/$", feeds.TagFeed(), name="tag_feed_rss"),
    re_path(r"^tag/(?P<slug>[-\w]+)/feed/atom/$", feeds.TagAtomFeed(), name="tag_feed_atom"),
    path("author/<slug:slug>/feed/", feeds.AuthorFeed(), name="author_feed_rss"),
    path("author/<slug:slug>/feed/atom/", feeds.AuthorAtomFeed(), name="author_feed_atom"),
    # Sitemaps for search engines, and robots.txt naming them.
    path("sitemap.xml", sitemaps.index, name="sitemap_index"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap, name="sitemap"),
    path("news-sitemap.xml", sitemaps.news_sitemap, name="news_sitemap"),
    path("robots.txt", sitemaps.robots_txt, name="robots_txt"),
]
