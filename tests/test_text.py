"""Reading time and plain text from sanitized bodies (articles/text.py)."""

import pytest

from articles.text import (
    CHARACTERS_PER_MINUTE,
    WORDS_PER_MINUTE,
    excerpt,
    html_to_text,
    reading_minutes,
)

ENGLISH_SENTENCE = "North Korea has sent artillery shells and troops to the front line."  # 12
UKRAINIAN_SENTENCE = "Північна Корея надіслала п'ять тисяч снарядів і військових на фронт."  # 10
CHINESE_SENTENCE = "朝鲜向前线运送了炮弹和军队"  # 13 characters, no spaces
JAPANESE_SENTENCE = "北朝鮮は前線に砲弾と部隊を送った"  # 16 characters, kana and kanji


def paragraphs(sentence: str, sentences: int, per_paragraph: int = 5) -> str:
    """Return ``sentences`` copies of ``sentence`` as HTML paragraphs."""
    chunks = [sentence] * sentences
    return "".join(
        "<p>" + " ".join(chunks[i : i + per_paragraph]) + "</p>"
        for i in range(0, sentences, per_paragraph)
    )


def words_of(html: str) -> int:
    return len(html_to_text(html).split())


def test_the_formula_constants():
    assert (WORDS_PER_MINUTE, CHARACTERS_PER_MINUTE) == (230, 500)


def test_reference_english_article_of_330_words_reads_in_2_minutes():
    body = paragraphs(ENGLISH_SENTENCE, 27) + "<p>" + " ".join(["word"] * 6) + "</p>"
    assert words_of(body) == 330
    assert reading_minutes(body) == 2


@pytest.mark.parametrize(
    ("words", "minutes"), [(1, 1), (100, 1), (230, 1), (231, 2), (460, 2), (461, 3)]
)
def test_english_minutes_round_up(words, minutes):
    assert reading_minutes("<p>" + " ".join(["news"] * words) + "</p>") == minutes


@pytest.mark.parametrize("body", ["", None, "<p></p>", "<p>Short.</p>", "<figure></figure>"])
def test_short_or_empty_body_reads_in_1_minute(body):
    assert reading_minutes(body) == 1


def test_ukrainian_article_of_690_words_reads_in_3_minutes():
    body = paragraphs(UKRAINIAN_SENTENCE, 69)
    assert words_of(body) == 690
    assert reading_minutes(body) == 3


def test_ukrainian_apostrophes_do_not_split_words():
    assert reading_minutes("<p>" + " ".join(["п'ять", "м’ясо", "братʼя"] * 77) + "</p>") == 2
    assert reading_minutes("<p>" + " ".join(["п'ять"] * 230) + "</p>") == 1


def test_chinese_without_spaces_is_timed_by_characters():
    body = "<p>" + "中" * 1200 + "</p>"
    assert reading_minutes(body) == 3  # 1,200 / 500 = 2.4
    assert reading_minutes("<p>" + "中" * 500 + "</p>") == 1
    assert reading_minutes("<p>" + "中" * 501 + "</p>") == 2


def test_chinese_and_japanese_prose_is_not_one_long_word():
    chinese = paragraphs(CHINESE_SENTENCE + "。", 100)  # 1,300 characters
    japanese = paragraphs(JAPANESE_SENTENCE + "。", 75)  # 1,200 characters
    assert reading_minutes(chinese) == 3
    assert reading_minutes(japanese) == 3


def test_mixed_scripts_add_up():
    body = "<p>" + " ".join(["word"] * 230) + "</p><p>" + "字" * 500 + "</p>"
    assert reading_minutes(body) == 2


def test_markup_is_not_counted():
    long_attribute = " ".join(["hidden"] * 1000)
    body = (
        f'<p><a href="https://example.org/{"x" * 5000}" title="{long_attribute}">link</a></p>'
        f'<figure><img src="/media/a.jpg" alt="{long_attribute}"></figure>'
        + "<p>"
        + "<strong>bold</strong> " * 200
        + "</p>"
    )
    assert words_of(body) == 201
    assert reading_minutes(body) == 1


def test_entities_are_decoded_before_counting():
    joined_by_nbsp = "<p>" + "&nbsp;".join(["word"] * 300) + "</p>"
    assert reading_minutes(joined_by_nbsp) == 2
    dashes = "<p>" + " &mdash; ".join(["word"] * 230) + "</p>"
    assert reading_minutes(dashes) == 1  # a dash is not a word


def test_html_to_text_decodes_entities_and_separates_blocks():
    html = (
        "<h2>Kyiv&nbsp;&amp; Lviv</h2><p>Don&rsquo;t <strong>Kyi</strong>v</p>"
        "<ul><li>one</li><li>two</li></ul><p>a<br>b</p>"
    )
    assert html_to_text(html) == "Kyiv & Lviv Don’t Kyiv one two a b"


def test_html_to_text_ignores_script_and_style_content():
    assert html_to_text("<p>a</p><script>var x = 1;</script><style>p{}</style><p>b</p>") == "a b"


def test_excerpt_cuts_on_words():
    body = "<p>" + " ".join(f"w{i}" for i in range(50)) + "</p>"
    assert excerpt(body, words=3) == "w0 w1 w2…"
    assert excerpt("<p>Just &amp; this</p>") == "Just & this"
