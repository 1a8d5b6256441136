"""The benchmark: the data generator's newsroom, the floor views, and the runner's arithmetic.

The load itself (gunicorn + wrk) runs in ``make bench`` only; here the generator fills the
test database with 200 articles, the runner's parsing of wrk's output is checked on
a canned sample, and the busy desk's autosaving editors work against the live server.
"""

import statistics
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import Client
from django.utils import timezone
from taggit.models import Tag

from articles import sanitize, text
from articles.models import Article, Author, Section, UnsavedEdit
from bench import desk, run
from bench.fill import fill
from photos import images
from photos.models import Photo
from tests.factories import ArticleFactory

N = 200


@pytest.fixture
def newsroom(db):
    return fill(N, photo_size=(320, 180), progress=False)


@pytest.mark.django_db
def test_fill_makes_the_newsroom_the_issue_describes(newsroom):
    assert Article.objects.count() == N
    assert Section.objects.count() == 25
    assert Author.objects.count() == 500
    assert Author.objects.filter(kind=Author.Kind.ORGANIZATION).count() >= 3  # desks
    assert Tag.objects.count() == 5000
    per_article = Article.objects.annotate(
        n_tags=Count("taggedarticle", distinct=True), n_authors=Count("bylines", distinct=True)
    )
    assert {a.n_tags for a in per_article} <= set(range(5, 9))
    assert {a.n_authors for a in per_article} <= {1, 2, 3}
    assert {a.n_authors for a in per_article} >= {1, 2}  # not everyone has one byline


@pytest.mark.django_db
def test_tag_use_is_skewed_like_a_real_archive(newsroom):
    uses = sorted(
        Tag.objects.annotate(n=Count("articles_taggedarticle_items"))
        .filter(n__gt=0)
        .values_list("n", flat=True),
        reverse=True,
    )
    # A few tags are on a large share of articles, most on one or two.
    assert uses[0] >= N * 0.25
    assert statistics.median(uses) <= 2
    assert uses[0] >= 10 * statistics.median(uses)


@pytest.mark.django_db
def test_readers_see_the_published_articles_spread_over_years(newsroom):
    published = Article.objects.published()
    assert N * 0.9 <= published.count() < N  # a few drafts
    assert not published.filter(status=Article.Status.DRAFT).exists()
    times = list(published.values_list("published_at", flat=True))
    now = timezone.now()
    assert max(times) <= now
    assert min(times) >= now - timedelta(days=5 * 365 + 1)
    assert max(times) - min(times) > timedelta(days=3 * 365)


@pytest.mark.django_db
def test_bodies_are_what_save_would_store(newsroom):
    """bulk inserts skip Article.save(): bodies must already be clean, reading time right."""
    for article in Article.objects.order_by("?")[:20]:
        assert sanitize.clean_html(article.body) == article.body
        words = len(text.html_to_text(article.body).split())
        assert 600 <= words <= 1100
        assert article.reading_time == text.reading_minutes(article.body)


@pytest.mark.django_db
def test_photos_share_a_few_real_files_with_their_renditions(newsroom):
    assert Photo.objects.count() > 8
    assert Photo.objects.values("image").distinct().count() == 8
    storage = Photo._meta.get_field("image").storage
    for photo in Photo.objects.order_by("?")[:10]:
        assert storage.exists(photo.image.name)
        files = images.rendition_files(photo)
        assert files
        assert all(storage.exists(item["name"]) for item in files.values())
    assert Article.objects.filter(lead_photo__isnull=False).count() >= N * 0.8


@pytest.mark.django_db
def test_a_generated_article_is_a_readable_page(newsroom, client):
    article = Article.objects.published().filter(lead_photo__isnull=False).first()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert article.headline in response.text


@pytest.mark.django_db
def test_generated_articles_are_found_by_search_and_the_trigger_is_back_on(newsroom, client):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the search vectors and their trigger are PostgreSQL's")
    assert not Article.objects.filter(search_vector__isnull=True).exists()
    article = Article.objects.published().first()
    word = article.headline.split()[0]
    assert article in Article.objects.filter(search_vector=word)
    # The trigger is enabled again: a new headline is searchable at once.
    Article.objects.filter(pk=article.pk).update(headline="Zyzzogeton sighted in Kyiv")
    assert Article.objects.filter(search_vector="zyzzogeton").get() == article


@pytest.mark.django_db
def test_the_command_refuses_a_database_holding_articles_unless_reused(newsroom, capsys):
    with pytest.raises(CommandError, match=f"holds {N} articles"):
        call_command("bench_data", articles=10, verbosity=0)
    call_command("bench_data", articles=N, reuse=True)
    assert f"it holds {N} articles" in capsys.readouterr().out
    assert Article.objects.count() == N


@pytest.mark.django_db
def test_the_floor_views_answer_without_the_database(client, settings, django_assert_num_queries):
    from django.test import modify_settings

    settings.ROOT_URLCONF = "bench.urls"
    settings.BENCH_FLOOR_VIEWS = True
    # As in newsroom/settings/bench.py: the floor is never a page cache hit.
    settings.PAGE_CACHE_EXCLUDED_PREFIXES = (*settings.PAGE_CACHE_EXCLUDED_PREFIXES, "/bench/")
    with modify_settings(INSTALLED_APPS={"append": "bench"}), django_assert_num_queries(0):
        hello = client.get("/bench/hello/")
        page = client.get("/bench/template/")
    assert hello.status_code == 200 and hello.content == b"Hello from the newsroom.\n"
    assert page.status_code == 200 and "<li>ITEM 10</li>" in page.text


WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:40321
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    21.43ms    9.10ms  98.20ms   71.02%
    Req/Sec   374.51     40.12   470.00     70.50%
  Latency Distribution
     50%   19.80ms
     75%   26.10ms
     90%   33.00ms
     99%   52.71ms
  7490 requests in 10.01s, 312.55MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 3
Requests/sec:    748.25
Transfer/sec:     31.22MB
BENCH_JSON {"requests":7490,"duration_us":10010000,"bytes":327730000,"errors":{"connect":0,\
"read":2,"write":0,"status":3,"timeout":1},"latency_us":{"min":2100,"mean":21430.5,\
"max":98200,"stdev":9100.2,"p50":19800,"p75":26100,"p90":33000,"p99":52710,"p999":90100}}
"""


def test_wrk_output_is_read_from_the_lua_json_line():
    row = run.parse_wrk(WRK_OUTPUT)
    assert row["requests"] == 7490
    assert row["rps"] == pytest.approx(748.3, abs=0.1)
    assert (row["p50_ms"], row["p99_ms"], row["max_ms"]) == (19.8, 52.71, 98.2)
    assert row["bytes_per_response"] == 43756
    # 3 error statuses, 2 read errors, 1 timeout: the run is not clean.
    assert row["errors"]["non_2xx_3xx"] == 3
    assert row["error_count"] == 6


def test_wrk_output_without_the_json_line_is_an_error():
    with pytest.raises(ValueError, match="no BENCH_JSON"):
        run.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_every_figure_is_a_ratio_to_the_floors_of_the_same_run():
    rows = run.with_ratios(
        {
            "floor_hello": {"rps": 2000.0, "p50_ms": 5.0, "p99_ms": 10.0},
            "floor_template": {"rps": 1000.0, "p50_ms": 10.0, "p99_ms": 20.0},
            "article": {"rps": 600.0, "p50_ms": 20.0, "p99_ms": 50.0},
            "search": {"skipped": "404"},
        }
    )
    article = rows["article"]
    assert (article["rps_x_template"], article["rps_x_hello"]) == (0.6, 0.3)
    assert (article["p50_x_template"], article["p99_x_template"]) == (2.0, 2.5)
    assert rows["floor_template"]["rps_x_hello"] == 0.5
    assert rows["search"] == {"skipped": "404"}
    table = run.format_table(rows, {"article": {"queries_min": 7, "queries_max": 7}}, "T")
    assert "search" in table and "skipped: 404" in table


def test_the_scaling_run_reports_how_latency_grows():
    growth = run.scale_growth(
        {
            1000: {"article": {"p50_ms": 10.0, "p99_ms": 20.0}, "tag": {"p50_ms": 8, "p99_ms": 16}},
            100_000: {
                "article": {"p50_ms": 11.0, "p99_ms": 24.0},
                "tag": {"p50_ms": 40, "p99_ms": 80},
            },
        }
    )
    assert growth["article"]["p99_growth"] == 1.2
    assert growth["tag"]["p99_growth"] == 5.0
    targets = run.check_targets({}, {"latency": growth})
    assert "met  article p99 growth ×1.2 (latency)" in targets
    assert "MISS tag p99 growth ×5.0 (latency)" in targets
    assert "Scaling (latency)" in run.format_scale(growth, "latency")


def test_the_busy_desk_reports_the_hit_rate_and_each_row_against_quiet():
    assert run.parse_wrk(WRK_OUTPUT + 'BENCH_HITS {"hits":7115,"answers":7490}\n')["hit_rate"] == (
        0.95
    )
    assert "hit_rate" not in run.parse_wrk(WRK_OUTPUT)
    rows = {
        "quiet": {"rps": 4000.0, "p99_ms": 5.0, "hit_rate": 1.0},
        "5 draft saves/s": {"rps": 3900.0, "p99_ms": 6.0, "hit_rate": 1.0},
        "1 published save/s": {"rps": 3000.0, "p99_ms": 25.0, "hit_rate": 0.99},
        "5 published saves/s": {"rps": 1600.0, "p99_ms": 50.0, "hit_rate": 0.9},
    }
    for row in rows.values():
        row["rps_x_quiet"] = round(row["rps"] / 4000.0, 3)
        row["p99_x_quiet"] = round(row["p99_ms"] / 5.0, 2)
    targets = run.check_targets({"busy_desk": rows}, None)
    assert any(line.startswith("met  busy desk, 5 draft saves/s") for line in targets)
    assert any(line.startswith("MISS busy desk, 5 published saves/s") for line in targets)
    assert "5 published saves/s" in run.format_desk(rows, "T")


@pytest.mark.django_db(transaction=True)
def test_autosaving_editors_change_nothing_readers_see(live_server):
    articles = ArticleFactory.create_batch(4)
    before = {a.pk: (a.version, a.updated_at) for a in Article.objects.all()}
    reader = Client()
    page = articles[0].get_absolute_url()
    assert reader.get(page)["X-Cache"] == "miss"

    result = desk.run_autosave(live_server.url, 3, 2, every=0.25, server_in_process=True)

    assert result["failed"] == 0, result["first_failure"]
    assert result["editors"] == 3 and result["autosaves"] >= 3 * 6
    assert 0 < result["p50_ms"] <= result["p99_ms"]
    assert (result["purges"], result["purged_keys"], result["articles_changed"]) == (0, 0, 0)
    assert {a.pk: (a.version, a.updated_at) for a in Article.objects.all()} == before
    assert reader.get(page)["X-Cache"] == "hit"
    # One unsaved edit per editor, holding the form with what was typed last.
    edits = UnsavedEdit.objects.filter(user__username__startswith="bench-editor-")
    assert edits.values("user").distinct().count() == 3
    assert result["unsaved_edits"] == edits.count()
    for edit in edits:
        assert edit.data["headline"] == edit.article.headline
        assert edit.data["body"].startswith(edit.article.body + "<p>officials said the convoy")
        assert edit.base_version == edit.article.version


@pytest.mark.django_db(transaction=True)
def test_the_desk_counts_what_a_save_would_purge(live_server):
    """The counts are not blind: a published save meanwhile shows as purges and a change."""
    article = ArticleFactory()
    reader = Client()
    reader.get(article.get_absolute_url())

    def save_meanwhile():
        article.dek = "Changed while the desk autosaved."
        article.save()

    result = desk.run_autosave(
        live_server.url, 1, 0.5, every=0.25, ready=save_meanwhile, server_in_process=True
    )

    assert result["failed"] == 0, result["first_failure"]
    assert result["purges"] >= 1 and result["purged_keys"] >= 1
    assert result["articles_changed"] == 1


def test_the_busy_desk_checks_the_autosaving_editors():
    quiet = {"rps": 4000.0, "p99_ms": 5.0, "hit_rate": 1.0, "rps_x_quiet": 1.0, "p99_x_quiet": 1}
    editor = {"autosaves": 40, "failed": 0, "p50_ms": 12.0, "p99_ms": 30.0, "purges": 0}
    editor |= {"purged_keys": 0, "articles_changed": 0}
    calm = {"rps": 3950.0, "p99_ms": 5.5, "hit_rate": 1.0, "editor": editor}
    calm |= {"rps_x_quiet": 0.988, "p99_x_quiet": 1.1}
    targets = run.check_targets({"busy_desk": {"quiet": quiet, run.AUTOSAVE_ROW: calm}}, None)
    assert [line[:4] for line in targets if run.AUTOSAVE_ROW in line] == ["met "] * 5
    table = run.format_desk({"quiet": quiet, run.AUTOSAVE_ROW: calm}, "T")
    assert run.AUTOSAVE_ROW in table and "40" in table

    noisy = calm | {"rps_x_quiet": 0.9, "hit_rate": 0.97}
    noisy["editor"] = editor | {"failed": 2, "purges": 3, "purged_keys": 5, "articles_changed": 1}
    targets = run.check_targets({"busy_desk": {"quiet": quiet, run.AUTOSAVE_ROW: noisy}}, None)
    assert [line[:4] for line in targets if run.AUTOSAVE_ROW in line] == ["MISS"] * 5


def test_the_busy_desk_reports_the_median_round_and_the_editors_totals():
    def row(rps, quiet_rps, **editor):
        figures = {"rps": rps, "rps_x_quiet": round(rps / quiet_rps, 3), "p99_ms": 10.0}
        figures |= {"p99_x_quiet": 1.0, "hit_rate": 1.0}
        return figures | {"editor": editor} if editor else figures

    calm = {"failed": 0, "p50_ms": 20.0, "p99_ms": 40.0, "purged_keys": 0, "articles_changed": 0}
    rounds = [
        {"quiet": row(1000, 1000), "autosaving": row(820, 1000, autosaves=60, purges=0, **calm)},
        {"quiet": row(1500, 1500), "autosaving": row(1710, 1500, autosaves=61, purges=0, **calm)},
        {"quiet": row(1200, 1200), "autosaving": row(1170, 1200, autosaves=62, purges=1, **calm)},
    ]
    combined = run.median_rounds(rounds)
    autosaving = combined["autosaving"]
    # The middle of 0.82, 1.14 and 0.975 — not the mean of req/s across rounds.
    assert autosaving["rps_x_quiet"] == 0.975
    assert [r["rps_x_quiet"] for r in autosaving["rounds"]] == [0.82, 1.14, 0.975]
    # A purge in any round counts: the editors' figures add up over the rounds.
    assert autosaving["editor"]["autosaves"] == 183
    assert autosaving["editor"]["purges"] == 1
    assert "0.82, 1.14, 0.97" in run.format_desk(combined, "T")
