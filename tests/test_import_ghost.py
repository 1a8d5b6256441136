"""imports.ghost: Ghost exports (1.x to 5.x shapes, and a zip) read into Export records.

Every export here is written by the test itself; nothing outside the repository is read.
"""

import json
import zipfile
from datetime import UTC, datetime

import pytest

from imports.ghost import parse_time, read_ghost
from imports.records import ExportError

JANE = {
    "id": "u1",
    "name": "Jane Reporter",
    "slug": "jane",
    "email": "jane@example.com",
    "bio": "Covers city hall.",
    "website": "https://jane.example.com",
    "profile_image": "__GHOST_URL__/content/images/2020/01/jane.jpg",
}
OMAR = {"id": "u2", "name": "Omar Editor", "slug": "omar", "email": "omar@example.com"}
IDLE = {"id": "u3", "name": "Idle Admin", "slug": "idle", "email": "idle@example.com"}
PUBLIC_TAG = {"id": "t1", "name": "Politics", "slug": "politics", "visibility": "public"}
SECOND_TAG = {"id": "t2", "name": "City", "slug": "city", "visibility": "public"}
HASH_TAG = {"id": "t3", "name": "#feature", "slug": "hash-feature", "visibility": "internal"}
CREDIT = "Photo by Jane Doe/AFP via Getty Images"


def write(tmp_path, document, name="ghost.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def mobiledoc(*sections, cards=(), markups=()):
    return json.dumps(
        {
            "version": "0.3.1",
            "atoms": [["soft-return", "", {}]],
            "markups": list(markups),
            "cards": list(cards),
            "sections": list(sections),
        }
    )


def ghost_1x():
    """Ghost 1.x: ``author_id`` only, ``page`` as a boolean, epoch and space-separated times."""
    return {
        "db": [
            {
                "meta": {"exported_on": 1504269105806, "version": "1.20.0"},
                "data": {
                    "posts": [
                        {
                            "id": "p1",
                            "title": "Old story",
                            "slug": "old-story",
                            "mobiledoc": mobiledoc(
                                [10, 0],
                                [1, "h2", [[0, [], 0, "A heading & more"]]],
                                [
                                    1,
                                    "p",
                                    [
                                        [0, [], 0, "Read "],
                                        [0, [0], 1, "the report"],
                                        [0, [], 0, " <now>"],
                                        [1, [], 0, 0],
                                        [0, [], 0, "next line"],
                                    ],
                                ],
                                [3, "ul", [[[0, [], 0, "one"]], [[0, [], 0, "two"]]]],
                                cards=[["card-markdown", {"markdown": "# Title\n\nFirst *para*"}]],
                                markups=[["a", ["href", "https://example.com/r?a=1&b=2"]]],
                            ),
                            "html": None,
                            "page": False,
                            "status": "published",
                            "visibility": "public",
                            "author_id": "u1",
                            "published_at": 1504269105806,
                            "updated_at": "2017-09-01 12:29:50",
                            "feature_image": "/content/images/2017/09/old.jpg",
                        },
                        {
                            "id": "p2",
                            "title": "About us",
                            "slug": "about",
                            "html": "<p>We are a newsroom.</p>",
                            "page": True,
                            "status": "published",
                            "author_id": "u1",
                        },
                        {
                            "id": "p3",
                            "title": "Unfinished",
                            "slug": "unfinished",
                            "html": "<p>Draft text</p>",
                            "page": 0,
                            "status": "draft",
                            "author_id": "u1",
                            "published_at": None,
                        },
                    ],
                    "users": [JANE],
                    "tags": [PUBLIC_TAG],
                    "posts_tags": [{"id": "pt1", "post_id": "p1", "tag_id": "t1", "sort_order": 0}],
                },
            }
        ]
    }


def ghost_2x():
    """Ghost 2.x: ``posts_authors`` in sort order, ``html`` bodies, ``page`` as "0"/"1"."""
    return {
        "db": [
            {
                "meta": {"version": "2.9.0"},
                "data": {
                    "posts": [
                        {
                            "id": "p10",
                            "title": "Two bylines",
                            "slug": "two-bylines",
                            "html": '<p>Body with <a href="__GHOST_URL__/other/">a link</a></p>',
                            "page": "0",
                            "status": "published",
                            "visibility": "public",
                            "author_id": "u1",
                            "custom_excerpt": "The dek.",
                            "meta_description": "Not the dek.",
                            "published_at": "2019-01-02T03:04:05.000Z",
                            "updated_at": "2019-01-02T05:04:05+02:00",
                            "feature_image": "https://cdn.example.com/lead.jpg",
                        },
                    ],
                    "users": [JANE, OMAR, IDLE],
                    "tags": [PUBLIC_TAG, SECOND_TAG],
                    "posts_authors": [
                        {"id": "a2", "post_id": "p10", "author_id": "u1", "sort_order": 1},
                        {"id": "a1", "post_id": "p10", "author_id": "u2", "sort_order": 0},
                    ],
                    "posts_tags": [
                        {"id": "pt2", "post_id": "p10", "tag_id": "t1", "sort_order": 1},
                        {"id": "pt1", "post_id": "p10", "tag_id": "t2", "sort_order": 0},
                    ],
                },
            }
        ]
    }


def lexical(*children):
    return json.dumps({"root": {"type": "root", "children": list(children)}})


def ghost_5x():
    """Ghost 4.x/5.x: ``type``, ``posts_meta``, lexical, visibility, scheduled, internal tags."""
    base = {"visibility": "public", "type": "post", "status": "published", "author_id": "u1"}
    return {
        "db": [
            {
                "meta": {"version": "5.82.0"},
                "data": {
                    "posts": [
                        {
                            **base,
                            "id": "p20",
                            "title": "Fire downtown",
                            "slug": "fire",
                            "html": "<p>Firefighters…</p>",
                            "published_at": "2024-03-01T10:00:00.000Z",
                            "feature_image": "__GHOST_URL__/content/images/2024/03/fire.jpg",
                        },
                        {
                            **base,
                            "id": "p21",
                            "title": "Lexical only",
                            "slug": "lexical-only",
                            "html": "",
                            "lexical": lexical(
                                {
                                    "type": "heading",
                                    "tag": "h1",
                                    "children": [{"type": "extended-text", "text": "Big <news>"}],
                                },
                                {
                                    "type": "paragraph",
                                    "children": [
                                        {"type": "text", "text": "Plain & ", "format": 0},
                                        {"type": "text", "text": "bold", "format": 1},
                                        {"type": "linebreak"},
                                        {
                                            "type": "link",
                                            "url": "https://example.com/",
                                            "children": [{"type": "text", "text": "a link"}],
                                        },
                                    ],
                                },
                                {
                                    "type": "list",
                                    "listType": "number",
                                    "children": [
                                        {
                                            "type": "listitem",
                                            "children": [{"type": "text", "text": "first"}],
                                        }
                                    ],
                                },
                                {"type": "markdown", "markdown": "Some *markdown*"},
                                {"type": "mystery-card", "version": 1},
                            ),
                            "published_at": "2024-03-02T10:00:00+00:00",
                        },
                        {
                            **base,
                            "id": "p22",
                            "title": "Members only",
                            "slug": "members-only",
                            "html": "<p>For members</p>",
                            "visibility": "members",
                            "published_at": "2024-03-03T10:00:00Z",
                        },
                        {
                            **base,
                            "id": "p23",
                            "title": "Tomorrow",
                            "slug": "tomorrow",
                            "html": "<p>Soon</p>",
                            "status": "scheduled",
                            "published_at": "2030-01-01T08:00:00.000Z",
                        },
                        {
                            **base,
                            "id": "p24",
                            "title": "No slug",
                            "slug": None,
                            "html": "<p>x</p>",
                            "status": "draft",
                            "visibility": "paid",
                        },
                        {**base, "id": "p25", "title": "Contact", "slug": "contact"}
                        | {"type": "page"},
                        {
                            **base,
                            "id": "p26",
                            "title": "Newsletter only",
                            "slug": "newsletter-only",
                            "html": "<p>Sent</p>",
                            "status": "sent",
                        },
                        {
                            **base,
                            "id": "p27",
                            "title": "Bad time",
                            "slug": "bad-time",
                            "html": "<p>x</p>",
                            "published_at": "yesterday",
                        },
                    ],
                    "users": [JANE, OMAR],
                    "tags": [HASH_TAG, PUBLIC_TAG],
                    "posts_meta": [
                        {
                            "id": "m1",
                            "post_id": "p20",
                            "feature_image_alt": "Smoke over Main Street",
                            "feature_image_caption": (
                                '<span>Photo by <a href="https://x.example/">Jane Doe</a>'
                                "/AFP via Getty Images</span>"
                            ),
                        }
                    ],
                    "posts_authors": [
                        {"id": "a1", "post_id": "p20", "author_id": "u2", "sort_order": 0},
                        {"id": "a2", "post_id": "p20", "author_id": "u1", "sort_order": 1},
                        {"id": "a3", "post_id": "p21", "author_id": "u1", "sort_order": 0},
                        {"id": "a4", "post_id": "p21", "author_id": "ghost", "sort_order": 1},
                    ],
                    "posts_tags": [
                        {"id": "pt1", "post_id": "p20", "tag_id": "t3", "sort_order": 0},
                        {"id": "pt2", "post_id": "p20", "tag_id": "t1", "sort_order": 1},
                        {"id": "pt3", "post_id": "p21", "tag_id": "t3", "sort_order": 0},
                    ],
                    "settings": [{"key": "title", "value": "The Daily"}],
                },
            }
        ]
    }


# --- Ghost 1.x ------------------------------------------------------------------------------


def test_1x_author_id_page_boolean_and_mobiledoc(tmp_path):
    export = read_ghost(write(tmp_path, ghost_1x()))

    assert export.source == "ghost"
    assert export.version == "ghost 1.20.0"
    assert export.site_url == ""
    assert [post.source_id for post in export.posts] == ["p1", "p3"]
    assert export.skipped == [
        ('page "About us" (about)', "a page, not a post (pages were not asked for)")
    ]
    story, draft = export.posts
    assert story.status == "published"
    assert story.published_at == datetime(2017, 9, 1, 12, 31, 45, 806000, tzinfo=UTC)
    assert story.updated_at == datetime(2017, 9, 1, 12, 29, 50, tzinfo=UTC)
    assert story.author_ids == ["u1"]
    assert story.tag_ids == ["t1"] and story.primary_tag_id == "t1"
    assert story.old_paths == ["/old-story/"]
    assert story.excerpt == ""
    assert story.feature_image.url == "/content/images/2017/09/old.jpg"
    assert draft.status == "draft" and draft.published_at is None
    assert draft.html == "<p>Draft text</p>" and draft.warnings == []


def test_1x_mobiledoc_only_keeps_text_with_a_warning(tmp_path):
    story = read_ghost(write(tmp_path, ghost_1x())).posts[0]

    assert story.warnings == ["Only mobiledoc: its text was kept, not its formatting"]
    assert story.html == (
        "<h2>Title</h2><p>First *para*</p>"
        "<h2>A heading &amp; more</h2>"
        '<p>Read <a href="https://example.com/r?a=1&amp;b=2">the report</a> &lt;now&gt;'
        "<br>next line</p>"
        "<ul><li>one</li><li>two</li></ul>"
    )


def test_1x_pages_on_request(tmp_path):
    export = read_ghost(write(tmp_path, ghost_1x()), include_pages=True)

    page = next(post for post in export.posts if post.source_id == "p2")
    assert page.is_page is True
    assert page.old_paths == ["/about/"]
    assert export.skipped == []


def test_1x_people_and_terms(tmp_path):
    export = read_ghost(write(tmp_path, ghost_1x()))

    jane = export.people["u1"]
    assert (jane.name, jane.slug, jane.email) == ("Jane Reporter", "jane", "jane@example.com")
    assert jane.bio == "Covers city hall." and jane.website == "https://jane.example.com"
    assert jane.avatar.url == "/content/images/2020/01/jane.jpg"
    assert export.person_paths == {"/author/jane/": "u1"}
    term = export.terms["t1"]
    assert (term.name, term.slug, term.kind) == ("Politics", "politics", "tag")
    assert export.term_paths == {"/tag/politics/": "t1"}


# --- Ghost 2.x ------------------------------------------------------------------------------


def test_2x_authors_and_tags_in_sort_order(tmp_path):
    export = read_ghost(write(tmp_path, ghost_2x()))

    (post,) = export.posts
    assert post.author_ids == ["u2", "u1"]  # posts_authors wins over author_id
    assert post.tag_ids == ["t2", "t1"]
    assert post.primary_tag_id == "t2"
    assert post.excerpt == "The dek."
    assert post.published_at == datetime(2019, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert post.updated_at == datetime(2019, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert post.html == '<p>Body with <a href="/other/">a link</a></p>'
    assert post.feature_image.url == "https://cdn.example.com/lead.jpg"
    assert post.warnings == []
    assert set(export.people) == {"u1", "u2"}
    assert ('user "Idle Admin"', "wrote no imported post") in export.skipped
    assert export.person_paths == {"/author/jane/": "u1", "/author/omar/": "u2"}


def test_2x_site_url_replaces_the_placeholder(tmp_path):
    document = ghost_2x()
    document["db"][0]["data"]["settings"] = [{"key": "url", "value": "https://old.example/"}]

    export = read_ghost(write(tmp_path, document))

    assert export.site_url == "https://old.example"
    assert 'href="https://old.example/other/"' in export.posts[0].html


def test_db_entry_at_the_top_level(tmp_path):
    export = read_ghost(write(tmp_path, ghost_2x()["db"][0]))

    assert export.version == "ghost 2.9.0"
    assert len(export.posts) == 1


# --- Ghost 4.x / 5.x ------------------------------------------------------------------------


def test_5x_statuses(tmp_path):
    export = read_ghost(write(tmp_path, ghost_5x()))

    posts = {post.slug: post for post in export.posts}
    assert posts["fire"].status == "published"
    assert posts["members-only"].status == "private"
    assert posts["members-only"].warnings == [
        'Visibility "members" (not public): imported as private'
    ]
    assert posts["tomorrow"].status == "scheduled"
    assert posts["tomorrow"].published_at == datetime(2030, 1, 1, 8, tzinfo=UTC)
    assert posts["newsletter-only"].status == "private"
    untitled = next(post for post in export.posts if post.source_id == "p24")
    assert untitled.status == "draft"  # never public: stays a draft
    assert untitled.slug == "" and untitled.old_paths == []
    assert posts["bad-time"].published_at is None
    assert "published_at 'yesterday' is not a time: left empty" in posts["bad-time"].warnings
    assert ('page "Contact" (contact)', "a page, not a post (pages were not asked for)") in (
        export.skipped
    )


def test_password_makes_a_post_private(tmp_path):
    document = ghost_5x()
    document["db"][0]["data"]["posts"][0]["password"] = "secret"

    post = read_ghost(write(tmp_path, document)).posts[0]

    assert post.status == "private"
    assert post.warnings == ["Password-protected: imported as private"]


def test_5x_feature_image_from_posts_meta_with_an_agency_credit(tmp_path):
    post = read_ghost(write(tmp_path, ghost_5x())).posts[0]

    image = post.feature_image
    assert image.url == "/content/images/2024/03/fire.jpg"
    assert image.caption == CREDIT
    assert image.alt == "Smoke over Main Street"
    assert post.author_ids == ["u2", "u1"]


def test_feature_image_caption_on_the_post_wins(tmp_path):
    document = ghost_5x()
    document["db"][0]["data"]["posts"][0]["feature_image_caption"] = "Photo by A &amp; B/Reuters"

    post = read_ghost(write(tmp_path, document)).posts[0]

    assert post.feature_image.caption == "Photo by A & B/Reuters"
    assert post.feature_image.alt == "Smoke over Main Street"


def test_5x_internal_tags_are_not_public(tmp_path):
    export = read_ghost(write(tmp_path, ghost_5x()))

    fire, lexical_only = export.posts[:2]
    assert fire.tag_ids == ["t1"]
    assert fire.primary_tag_id == "t1"  # the first public tag, not the #internal one
    assert lexical_only.tag_ids == [] and lexical_only.primary_tag_id == ""
    assert set(export.terms) == {"t1"}
    assert export.term_paths == {"/tag/politics/": "t1"}
    assert ('tag "#feature"', "internal tag, not public") in export.skipped


def test_5x_lexical_only_keeps_text_with_a_warning(tmp_path):
    post = read_ghost(write(tmp_path, ghost_5x())).posts[1]

    assert post.html == (
        "<h2>Big &lt;news&gt;</h2>"
        '<p>Plain &amp; <strong>bold</strong><br><a href="https://example.com/">a link</a></p>'
        "<ol><li>first</li></ol>"
        "<p>Some *markdown*</p>"
    )
    assert post.warnings == [
        'A lexical card "mystery-card" was left out',
        "Only lexical: its text was kept, not its formatting",
        'Author "ghost" is not among the users: left out',
    ]
    assert post.author_ids == ["u1"]


def test_4x_status_and_time_forms():
    assert parse_time("2021-03-24T04:34:09.000Z") == datetime(2021, 3, 24, 4, 34, 9, tzinfo=UTC)
    assert parse_time("2021-03-24T06:34:09+02:00") == datetime(2021, 3, 24, 4, 34, 9, tzinfo=UTC)
    assert parse_time("2017-01-01 12:00:00") == datetime(2017, 1, 1, 12, tzinfo=UTC)
    assert parse_time(1483272000000) == datetime(2017, 1, 1, 12, tzinfo=UTC)
    assert parse_time("1483272000000") == datetime(2017, 1, 1, 12, tzinfo=UTC)
    assert parse_time(None) is None and parse_time("") is None


# --- a zip ----------------------------------------------------------------------------------


def test_zip_with_content_images(tmp_path):
    path = tmp_path / "ghost-export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__MACOSX/._the-daily.ghost.json", b"\x00\x05junk")
        archive.writestr("content/images/2024/03/fire.jpg", b"\xff\xd8\xff not really a jpeg")
        archive.writestr("data/the-daily.ghost.2024-03-04.json", json.dumps(ghost_5x()))

    export = read_ghost(path)

    assert export.version == "ghost 5.82.0"
    assert export.posts[0].feature_image.url == "/content/images/2024/03/fire.jpg"
    assert export.posts[0].feature_image.caption == CREDIT


# --- bad input ------------------------------------------------------------------------------


def one_line_error(path, match):
    with pytest.raises(ExportError, match=match) as caught:
        read_ghost(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(path.name)
    error = caught.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    return message


def test_not_json(tmp_path):
    message = one_line_error(write_text(tmp_path, "ghost.json", "hello"), "it is not JSON")
    assert message == "ghost.json is not a Ghost export: it is not JSON"


def test_truncated_json(tmp_path):
    text = json.dumps(ghost_2x())
    message = one_line_error(write_text(tmp_path, "ghost.json", text[:-40]), "JSON is broken")
    assert "cut short" in message


def test_json_without_db(tmp_path):
    path = write(tmp_path, {"posts": []})
    one_line_error(path, r'ghost\.json is not a Ghost export: it has no "db"')


def test_json_without_posts(tmp_path):
    document = {"db": [{"meta": {"version": "5.0.0"}, "data": {"users": []}}]}
    one_line_error(write(tmp_path, document), r'"data" has no "posts" list')


def test_json_list_or_empty_db(tmp_path):
    one_line_error(write(tmp_path, [1, 2]), "JSON list")
    one_line_error(write(tmp_path, {"db": []}), r'"db" list is empty')
    one_line_error(write(tmp_path, {"db": ["x"]}), r'"db" entry has no "data"')


def test_wordpress_xml_by_mistake(tmp_path):
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel/></rss>'
    one_line_error(write_text(tmp_path, "export.xml", xml), "import_wordpress")


def test_empty_file(tmp_path):
    one_line_error(write_text(tmp_path, "ghost.json", ""), "empty")


def test_zip_without_json(tmp_path):
    path = tmp_path / "images.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content/images/a.jpg", b"jpeg")
    one_line_error(path, r"the zip holds no \.json file")


def test_broken_zip(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 20)
    one_line_error(path, "not a readable zip")


def test_a_zip_compression_python_cannot_read_is_refused_with_a_message(tmp_path):
    path = tmp_path / "deflate64.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("export.json", json.dumps(ghost_2x()))
    # Mark the member Deflate64 (method 9), as some Windows tools write it: in the local
    # header (bytes 8-9) and in the central directory (bytes 10-11).
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.index(signature) + offset
        data[at : at + 2] = (9).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    one_line_error(path, r"deflate64\.zip:export\.json uses a zip compression Python cannot read")


def test_missing_file(tmp_path):
    one_line_error(tmp_path / "nowhere.json", "no such file")


def test_a_bad_row_is_skipped_not_raised(tmp_path):
    document = ghost_2x()
    posts = document["db"][0]["data"]["posts"]
    posts.insert(0, "not a post")
    posts.append({"id": "p11", "title": "Broken body", "slug": "broken", "mobiledoc": "{nope"})

    export = read_ghost(write(tmp_path, document))

    assert ("posts[0]", "not an object") in export.skipped
    broken = export.posts[-1]
    assert broken.html == ""
    assert "No html, and its mobiledoc could not be read: body left empty" in broken.warnings


def write_text(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
