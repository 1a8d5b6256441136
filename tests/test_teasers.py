"""Teasers are rendered once per article and kept until something they show changes.

A purged list page renders again from the teasers kept for it (public.teasers); each
edit a reader would see in a teaser must show on the next render, and an edit to one
story must render that story's teaser only. An article's choice of related stories is
kept the same way (articles.cachekeys.kept_related_and_neighbours).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from articles.cachekeys import kept_related_and_neighbours
from articles.models import Article, ArticleAuthor
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory

pytestmark = pytest.mark.django_db

TEASER = "includes/teaser.html"


@pytest.fixture
def newsroom():
    world, city = SectionFactory(name="World", slug="world"), SectionFactory(name="City")
    anna, ben = AuthorFactory(name="Anna Koval"), AuthorFactory(name="Ben Marsh")
    harbour = PhotoFactory(alt_text="Cranes at the harbour")
    war = ArticleFactory(headline="Front line holds", section=world, authors=[anna])
    works = ArticleFactory(
        headline="Bridge reopens", section=city, authors=[ben], lead_photo=harbour
    )
    # The home page's lead is a larger block of its own: both stories are teasers below it.
    ArticleFactory(headline="Lead story", section=world, featured=True)
    return {"war": war, "works": works, "anna": anna, "ben": ben, "city": city, "harbour": harbour}


def teasers_rendered(response) -> int:
    return sum(1 for template in response.templates if template.name == TEASER)


def home(client):
    response = client.get(reverse("articles:home"))
    assert response.status_code == 200
    return response


def rename_author(desk):
    desk["ben"].name = "Benjamin Marsh"
    desk["ben"].save()
    return "Benjamin Marsh"


def rename_section(desk):
    desk["city"].name = "Metro"
    desk["city"].save()
    return "Metro"


def fix_alt_text(desk):
    desk["harbour"].alt_text = "Two cranes unload grain at the harbour"
    desk["harbour"].save()
    return "Two cranes unload grain at the harbour"


def add_to_byline(desk):
    ArticleAuthor.objects.create(article=desk["works"], author=desk["anna"], position=2)
    return "Anna Koval</a>"


def rewrite_headline(desk):
    desk["works"].headline = "Bridge reopens to traffic"
    desk["works"].save()
    return "Bridge reopens to traffic"


@pytest.mark.parametrize(
    "edit", [rewrite_headline, rename_author, rename_section, fix_alt_text, add_to_byline]
)
@pytest.mark.parametrize("page_cache", [True, False], ids=["page cache on", "page cache off"])
def test_an_edit_shows_in_the_teaser_on_the_next_render(client, newsroom, edit, page_cache):
    with override_settings(PAGE_CACHE_ENABLED=page_cache):
        home(client)
        shown = edit(newsroom)

        html = home(client).content.decode()

    assert shown in html.split('id="latest-title"')[1]


def test_an_edit_renders_only_the_teaser_of_the_story_it_changed(client, newsroom):
    first = home(client)
    newsroom["works"].headline = "Bridge reopens to traffic"
    newsroom["works"].save()

    again = home(client)

    assert teasers_rendered(first) == 2
    assert teasers_rendered(again) == 1
    assert "Bridge reopens to traffic" in again.content.decode()
    assert "Front line holds" in again.content.decode()


def test_a_story_taken_down_leaves_the_list_at_once(client, newsroom):
    home(client)
    newsroom["works"].status = Article.Status.DRAFT
    newsroom["works"].save()

    assert "Bridge reopens" not in home(client).content.decode()


def test_the_same_story_keeps_one_teaser_per_variant(client, newsroom):
    """The home page's latest list (with byline) and a section page (no section label)."""
    home(client)
    section = client.get(newsroom["city"].get_absolute_url()).content.decode()
    latest = home(client).content.decode().split('id="latest-title"')[1]

    assert 'class="teaser__section"' not in section.split("<main")[1]
    assert "Ben Marsh" in latest and 'class="teaser__section"' in latest


# The related choice ----------------------------------------------------------------


@pytest.fixture
def tagged():
    section = SectionFactory(name="World")
    now = timezone.now()
    story = ArticleFactory(headline="Talks resume", section=section, published_at=now)
    story.tags.add("talks")
    older = ArticleFactory(
        headline="Talks stall", section=section, published_at=now - timedelta(days=2)
    )
    older.tags.add("talks")
    return {"story": story, "older": older, "section": section}


def load(article: Article) -> Article:
    return Article.objects.published().with_related().get(pk=article.pk)


def test_the_related_choice_is_kept_and_its_teasers_fetched_fresh(tagged):
    related, previous, _ = kept_related_and_neighbours(load(tagged["story"]))
    assert [article.headline for article in related] == ["Talks stall"]
    assert previous.headline == "Talks stall"
    tagged["older"].headline = "Talks stall again"
    tagged["older"].save()
    story = load(tagged["story"])

    with CaptureQueriesContext(connection) as queries:
        related, previous, _ = kept_related_and_neighbours(story)

    assert [article.headline for article in related] == ["Talks stall again"]
    assert len(queries) == 1  # the chosen teasers, not the choice again


def test_a_story_published_with_a_shared_tag_is_weighed_again(tagged):
    kept_related_and_neighbours(load(tagged["story"]))
    newcomer = ArticleFactory(
        headline="Talks move to Geneva",
        section=SectionFactory(name="Europe"),
        published_at=timezone.now() - timedelta(hours=1),
    )
    newcomer.tags.add("talks")

    related, _, _ = kept_related_and_neighbours(load(tagged["story"]))

    assert "Talks move to Geneva" in [article.headline for article in related]


def test_a_related_story_taken_down_is_never_offered(tagged):
    kept_related_and_neighbours(load(tagged["story"]))
    Article.objects.filter(pk=tagged["older"].pk).update(status=Article.Status.DRAFT)

    related, previous, _ = kept_related_and_neighbours(load(tagged["story"]))

    assert related == [] and previous is None


def test_the_lead_story_is_kept_and_shows_an_edit(client, newsroom):
    lead = Article.objects.get(headline="Lead story")
    home(client)
    lead.dek = "Talks resume in Geneva after a month."
    lead.save()

    again = home(client)

    assert "Talks resume in Geneva after a month." in again.content.decode()
    assert [t.name for t in again.templates].count("includes/lead_story.html") == 1
    assert teasers_rendered(again) == 0


def test_an_edit_to_the_articles_words_keeps_its_related_choice(tagged):
    kept_related_and_neighbours(load(tagged["story"]))
    tagged["story"].body = "<p>A new paragraph on the talks.</p>"
    tagged["story"].save()
    story = load(tagged["story"])

    with CaptureQueriesContext(connection) as queries:
        related, _, _ = kept_related_and_neighbours(story)

    assert [article.headline for article in related] == ["Talks stall"]
    assert len(queries) == 1  # the chosen teasers: the choice was kept


def test_a_new_tag_on_the_article_chooses_again(tagged):
    kept_related_and_neighbours(load(tagged["story"]))
    other = ArticleFactory(
        headline="Grain corridor reopens",
        section=SectionFactory(name="Economy"),
        published_at=timezone.now() - timedelta(hours=3),
    )
    other.tags.add("grain")
    tagged["story"].tags.add("grain")

    related, _, _ = kept_related_and_neighbours(load(tagged["story"]))

    assert "Grain corridor reopens" in [article.headline for article in related]
