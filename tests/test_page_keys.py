"""Which stored pages an edit purges, and which it leaves: checked on real pages.

A newsroom saves all day; only the pages that show what changed may render again. Each
test warms the same set of pages, makes one kind of edit, and lists the pages that are
still answered from the cache (``X-Cache: hit``).
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from articles.cachekeys import article_keys
from articles.models import Article, ArticleAuthor
from articles.tags import merge_tags, rename_tag
from comments.models import Comment
from newsroom import pagecache
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory
from tests.test_page_cache import redis_page_cache, redis_reachable  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    """Two sections, each with one public story (own tag, author, photo), and a draft."""
    world, city = SectionFactory(name="World", slug="world"), SectionFactory(name="City")
    anna, ben = AuthorFactory(name="Anna Koval"), AuthorFactory(name="Ben Marsh")
    harbour, bridge = PhotoFactory(), PhotoFactory()
    war = ArticleFactory(
        headline="Front line holds", section=world, authors=[anna], lead_photo=harbour
    )
    war.tags.add("war")
    works = ArticleFactory(
        headline="Bridge reopens", section=city, authors=[ben], lead_photo=bridge
    )
    works.tags.add("roads")
    draft = ArticleFactory(
        headline="Draft on the talks", section=world, status=Article.Status.DRAFT, published_at=None
    )
    return {
        "war": war,
        "works": works,
        "draft": draft,
        "anna": anna,
        "ben": ben,
        "harbour": harbour,
        "world": world,
        "city": city,
    }


def pages(desk) -> dict[str, str]:
    war, works = desk["war"], desk["works"]
    return {
        "home": reverse("articles:home"),
        "war": war.get_absolute_url(),
        "works": works.get_absolute_url(),
        "world": desk["world"].get_absolute_url(),
        "city": desk["city"].get_absolute_url(),
        "tag war": reverse("articles:tag", kwargs={"slug": "war"}),
        "tag roads": reverse("articles:tag", kwargs={"slug": "roads"}),
        "anna": desk["anna"].get_absolute_url(),
        "ben": desk["ben"].get_absolute_url(),
        "feed": reverse("articles:feed_rss"),
        "city feed": reverse("articles:section_feed_rss", kwargs={"slug": desk["city"].slug}),
        "sitemap": reverse("articles:sitemap_index"),
    }


def warm(client, urls: dict[str, str]) -> None:
    for name, url in urls.items():
        client.get(url)
        assert client.get(url)["X-Cache"] == "hit", name


def still_cached(client, urls: dict[str, str]) -> set[str]:
    """Return the names of the pages answered from the cache (each asked once)."""
    return {name for name, url in urls.items() if client.get(url).get("X-Cache") == "hit"}


ALL = {
    "home",
    "war",
    "works",
    "world",
    "city",
    "tag war",
    "tag roads",
    "anna",
    "ben",
    "feed",
    "city feed",
    "sitemap",
}
# Pages that show the city story "Bridge reopens" (and so its photo, author and tag).
SHOW_WORKS = {"home", "works", "city", "tag roads", "ben", "feed", "city feed"}


def test_saving_a_draft_purges_nothing(client, desk):
    urls = pages(desk)
    warm(client, urls)

    desk["draft"].body = "<p>New paragraph on the talks.</p>"
    desk["draft"].save()
    ArticleFactory(
        headline="Another draft",
        section=desk["city"],
        status=Article.Status.DRAFT,
        published_at=None,
    )

    assert still_cached(client, urls) == ALL


def test_a_published_storys_text_change_purges_only_the_pages_showing_it(client, desk):
    urls = pages(desk)
    warm(client, urls)

    desk["works"].headline = "Bridge reopens to traffic"
    desk["works"].save()

    assert still_cached(client, urls) == ALL - SHOW_WORKS - {"sitemap"}
    assert "Bridge reopens to traffic" in client.get(urls["city"]).content.decode()


def test_an_edit_to_a_storys_body_purges_its_page_not_the_lists_showing_its_teaser(client, desk):
    urls = pages(desk)
    warm(client, urls)

    desk["works"].body = "<p>The bridge carries trams again from Monday.</p>"
    desk["works"].save()

    # Its page, and the feeds (they carry the whole row); the lists show its card only.
    assert still_cached(client, urls) == ALL - {"works", "feed", "city feed", "sitemap"}
    assert "carries trams again" in client.get(urls["works"]).content.decode()


def test_a_link_to_a_story_on_another_page_follows_its_headline_not_its_body(client, desk):
    neighbour = ArticleFactory(
        headline="Ferry timetable changes",
        section=desk["city"],
        published_at=desk["works"].published_at - timedelta(hours=2),
    )
    page = neighbour.get_absolute_url()
    client.get(page)
    assert "Bridge reopens" in client.get(page).content.decode()  # the "next" link

    desk["works"].body = "<p>New paragraph.</p>"
    desk["works"].save()
    kept_after_body = client.get(page)["X-Cache"]
    desk["works"].dek = "Trams return on Monday."  # shown in full teasers, not in links
    desk["works"].save()
    kept_after_dek = client.get(page)["X-Cache"]
    desk["works"].headline = "Bridge reopens to traffic"
    desk["works"].save()
    again = client.get(page)

    assert kept_after_body == kept_after_dek == "hit"
    assert again["X-Cache"] != "hit"
    assert "Bridge reopens to traffic" in again.content.decode()


def test_a_new_dek_purges_the_lists_showing_the_story_not_the_links_to_it(client, desk):
    urls = pages(desk)
    warm(client, urls)

    desk["works"].dek = "Trams return on Monday."
    desk["works"].save()

    assert still_cached(client, urls) == ALL - SHOW_WORKS - {"sitemap"}
    assert "Trams return on Monday." in client.get(urls["city"]).content.decode()


def test_publishing_purges_the_lists_it_enters_and_nothing_else(client, desk):
    urls = pages(desk)
    warm(client, urls)

    draft = desk["draft"]
    draft.status = Article.Status.PUBLISHED
    draft.save()

    # It enters the site's lists and its section's: the other section keeps its pages.
    assert still_cached(client, urls) == ALL - {"home", "world", "feed", "sitemap"}
    assert "Draft on the talks" in client.get(urls["world"]).content.decode()


def test_unpublishing_purges_every_page_showing_it(client, desk):
    urls = pages(desk)
    warm(client, urls)

    desk["works"].status = Article.Status.UNPUBLISHED
    desk["works"].save()

    assert still_cached(client, urls) == ALL - SHOW_WORKS - {"sitemap"}
    assert client.get(urls["works"]).status_code == 404
    assert "Bridge reopens" not in client.get(urls["city"]).content.decode()


def test_scheduling_a_story_purges_nothing_and_it_appears_at_its_time(client, desk):
    urls = pages(desk)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        warm(client, urls)
        ArticleFactory(
            headline="Embargoed report",
            section=desk["city"],
            published_at=start + timedelta(minutes=5),
        )
        survivors = still_cached(client, urls)
        traveller.shift(timedelta(minutes=6))
        city = client.get(urls["city"]).content.decode()

    assert survivors == ALL
    assert "Embargoed report" in city


def test_a_photo_credit_fix_purges_the_pages_showing_the_photo(client, desk):
    urls = pages(desk)
    warm(client, urls)

    photo = desk["works"].lead_photo
    photo.credit = "Photo by Olena Koval/Reuters"
    photo.save()

    assert still_cached(client, urls) == ALL - SHOW_WORKS
    assert "Olena Koval/Reuters" in client.get(urls["works"]).content.decode()


def test_an_unused_photo_saved_purges_nothing(client, desk):
    urls = pages(desk)
    warm(client, urls)

    PhotoFactory(credit="Photo by Nobody/AFP")

    assert still_cached(client, urls) == ALL


def test_a_tag_rename_purges_the_pages_showing_the_tag(client, desk):
    urls = pages(desk)
    warm(client, urls)

    rename_tag(desk["works"].tags.get(), "road works", "road-works", user=None)

    # The story's page, its tag's page and the feeds (which list each item's tags).
    assert still_cached(client, urls) == ALL - {"works", "tag roads", "feed", "city feed"}
    assert "road works" in client.get(urls["works"]).content.decode()


def test_merging_tags_purges_the_pages_of_both(client, desk):
    urls = pages(desk)
    warm(client, urls)

    keep, other = desk["war"].tags.get(), desk["works"].tags.get()
    merge_tags(keep, [other], user=None)

    cached = still_cached(client, urls)
    assert {"war", "works", "tag war"}.isdisjoint(cached)
    assert {"home", "world", "city", "anna", "ben"} <= cached


def test_an_author_rename_purges_their_bylines(client, desk):
    urls = pages(desk)
    warm(client, urls)

    desk["ben"].name = "Benjamin Marsh"
    desk["ben"].save()

    assert still_cached(client, urls) == ALL - {"home", "works", "city", "tag roads", "ben"} - {
        "feed",
        "city feed",
    }
    assert "Benjamin Marsh" in client.get(urls["works"]).content.decode()


def test_a_new_byline_purges_the_story_and_the_authors_list(client, desk):
    urls = pages(desk)
    warm(client, urls)

    ArticleAuthor.objects.create(article=desk["works"], author=desk["anna"], position=1)

    cached = still_cached(client, urls)
    assert {"works", "anna"}.isdisjoint(cached)
    assert {"war", "world", "tag war"} <= cached


def test_approving_a_comment_purges_only_that_storys_page(client, desk):
    urls = pages(desk)
    warm(client, urls)

    Comment.objects.create(
        article=desk["works"],
        status=Comment.Status.APPROVED,
        name="Taras",
        email="taras@example.org",
        text="The detour was long.",
    )

    assert still_cached(client, urls) == ALL - {"works"}
    assert "The detour was long." in client.get(urls["works"]).content.decode()


def test_a_section_rename_purges_every_page_with_the_navigation(client, desk):
    urls = pages(desk)
    warm(client, urls)

    desk["city"].name = "Kyiv"
    desk["city"].save()

    # Every HTML page shows the navigation; the sitemap index names no section.
    assert still_cached(client, urls) == {"sitemap"}
    assert ">Kyiv<" in client.get(urls["war"]).content.decode()


def test_a_page_rendered_while_its_story_was_purged_is_not_kept(client, desk, monkeypatch):
    urls = pages(desk)
    story = desk["works"]
    real_store = pagecache.PublicPageCacheMiddleware._store

    def edit_then_store(self, *args, **kwargs):
        # The editor's save lands after this render read the story, before it is stored.
        Article.objects.filter(pk=story.pk).update(headline="Bridge closes again")
        pagecache.purge({pagecache.instance_key(story)})
        return real_store(self, *args, **kwargs)

    monkeypatch.setattr(pagecache.PublicPageCacheMiddleware, "_store", edit_then_store)
    assert client.get(urls["works"])["X-Cache"] == "miss"
    monkeypatch.setattr(pagecache.PublicPageCacheMiddleware, "_store", real_store)

    again = client.get(urls["works"])
    assert again["X-Cache"] == "miss"
    assert "Bridge closes again" in again.content.decode()


def test_invalidate_pages_still_drops_every_page(client, desk):
    urls = pages(desk)
    warm(client, urls)

    pagecache.invalidate_pages()

    assert still_cached(client, urls) == set()
    assert caches["default"].get(pagecache.EPOCH_KEY) is not None


@pytest.mark.skipif(not redis_reachable(), reason="no Redis at 127.0.0.1:6379")
@pytest.mark.usefixtures("redis_page_cache")
def test_with_redis_the_key_index_purges_exactly_the_pages_showing_an_edit(client, desk):
    urls = pages(desk)
    warm(client, urls)

    desk["draft"].headline = "Draft, rewritten"
    desk["draft"].save()
    untouched = still_cached(client, urls)
    desk["works"].headline = "Bridge reopens to traffic"
    desk["works"].save()

    assert untouched == ALL
    assert still_cached(client, urls) == ALL - SHOW_WORKS - {"sitemap"}
    index = pagecache.key_index(caches["default"])
    assert isinstance(index, pagecache.RedisKeyIndex)
    # The pages read again since are indexed anew, as Redis sets (with the teasers kept
    # for them, public.teasers): its own page and feeds under its row, lists under its card.
    indexed = index.pages(article_keys(desk["works"]), remove=True)
    stored_pages = {name for name in indexed if name.startswith(pagecache.PAGE_KEY_PREFIX)}
    assert len(stored_pages) == len(SHOW_WORKS)
    assert indexed - stored_pages, "the teasers of the article are indexed under its key too"


# No stampede: one request renders a purged page, the others get it as it was -----------


def hold_render_lock(client, url: str) -> None:
    """Act as a request of another worker that is rendering ``url`` again right now."""
    request = RequestFactory().get(url)
    caches["default"].add(pagecache.RENDER_LOCK_PREFIX + pagecache._page_key(request), 1, 60)


def test_while_one_request_renders_an_edited_page_the_others_get_it_as_it_was(client, desk):
    urls = pages(desk)
    warm(client, urls)
    desk["works"].headline = "Bridge reopens to traffic"
    desk["works"].save()

    hold_render_lock(client, urls["works"])
    meanwhile = client.get(urls["works"])
    caches["default"].delete_many(
        [pagecache.RENDER_LOCK_PREFIX + pagecache._page_key(RequestFactory().get(urls["works"]))]
    )
    rendered = client.get(urls["works"])

    assert meanwhile["X-Cache"] == "stale"
    assert "Bridge reopens to traffic" not in meanwhile.content.decode()
    assert rendered["X-Cache"] == "miss"
    assert "Bridge reopens to traffic" in rendered.content.decode()
    assert client.get(urls["works"])["X-Cache"] == "hit"


def test_the_first_request_after_an_edit_renders_it_the_stale_copy_is_for_the_others(client, desk):
    urls = pages(desk)
    warm(client, urls)
    desk["works"].headline = "Bridge reopens to traffic"
    desk["works"].save()

    first = client.get(urls["works"])

    assert first["X-Cache"] == "miss"
    assert "Bridge reopens to traffic" in first.content.decode()


def test_a_stale_copy_is_served_no_longer_than_the_configured_time(client, desk, settings):
    settings.PAGE_CACHE_STALE_SECONDS = 2
    urls = pages(desk)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        warm(client, urls)
        desk["works"].headline = "Bridge reopens to traffic"
        desk["works"].save()
        hold_render_lock(client, urls["works"])
        traveller.shift(timedelta(seconds=3))
        later = client.get(urls["works"])

    assert later["X-Cache"] == "miss"
    assert "Bridge reopens to traffic" in later.content.decode()


def test_an_unpublished_story_is_never_served_stale(client, desk):
    urls = pages(desk)
    warm(client, urls)
    desk["works"].headline = "Bridge reopens to traffic"
    desk["works"].save()  # a stale copy of every page showing it now exists
    hold_render_lock(client, urls["city"])
    hold_render_lock(client, urls["works"])

    desk["works"].status = Article.Status.UNPUBLISHED
    desk["works"].save()

    assert client.get(urls["works"]).status_code == 404
    city = client.get(urls["city"])
    assert city["X-Cache"] == "miss"
    assert "Bridge reopens" not in city.content.decode()


def test_a_rejected_comment_is_never_served_stale(client, desk):
    comment = Comment.objects.create(
        article=desk["works"],
        status=Comment.Status.APPROVED,
        name="Troll",
        email="troll@example.org",
        text="Something abusive.",
    )
    urls = pages(desk)
    warm(client, urls)
    hold_render_lock(client, urls["works"])

    comment.status = Comment.Status.SPAM
    comment.save()

    page = client.get(urls["works"])
    assert page["X-Cache"] == "miss"
    assert "Something abusive." not in page.content.decode()


def test_the_navigation_follows_a_section_rename_however_long_it_was_kept(client, desk):
    urls = pages(desk)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        warm(client, {"war": urls["war"]})
        traveller.shift(timedelta(minutes=15))  # past every page's and index's lifetime
        desk["city"].name = "Kyiv"
        desk["city"].save()
        page = client.get(urls["war"]).content.decode()

    assert ">Kyiv<" in page


def test_a_scheduled_story_appearing_purges_only_the_lists_it_enters(client, desk):
    urls = pages(desk)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        ArticleFactory(
            headline="Embargoed report",
            section=desk["city"],
            published_at=start + timedelta(minutes=5),
        )
        warm(client, urls)
        traveller.shift(timedelta(minutes=6))
        survivors = still_cached(client, urls)
        city = client.get(urls["city"]).content.decode()

    assert survivors == ALL - {"home", "city", "feed", "city feed", "sitemap"}
    assert "Embargoed report" in city


def test_an_unpublish_time_passing_takes_the_story_off_every_page_showing_it(client, desk):
    urls = pages(desk)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        desk["works"].unpublish_at = start + timedelta(minutes=5)
        desk["works"].save()
        warm(client, urls)
        traveller.shift(timedelta(minutes=6))
        survivors = still_cached(client, urls)
        works = client.get(urls["works"])
        city = client.get(urls["city"]).content.decode()

    assert survivors == ALL - SHOW_WORKS - {"sitemap"}
    assert works.status_code == 404
    assert "Bridge reopens" not in city
