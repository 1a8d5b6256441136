"""Editors' and readers' journeys in a real browser (Chromium, through Playwright)."""

from __future__ import annotations

import re

import pytest
from django.utils import dateformat, timezone
from playwright.sync_api import expect

from articles.models import Article
from tests.browser.helpers import (
    choose_autocomplete,
    editor_data,
    focus_editor,
    insert_link,
    log_in,
    make_contributor,
    make_editor,
    open_admin,
    save,
    select_back,
    set_format,
    type_story,
    wait_for_editor,
    watch,
)
from tests.factories import AuthorFactory, SectionFactory, image_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NOT_SECURE = re.compile(r"not secure|version|license", re.I)
HEADLINE = "North Korean shells keep reaching Russian guns"
DEK = "Markings on casings found near the front point to new deliveries."


def test_editor_publishes_an_article_and_a_reader_finds_it(new_page, live_server, tmp_path):
    editor = make_editor()
    SectionFactory(name="Ukraine", slug="ukraine")
    # Alphabetical order is the reverse of the byline's: the byline must follow the editor.
    first = AuthorFactory(name="Yulia Zhuk", slug="yulia-zhuk")
    second = AuthorFactory(
        name="The Newsroom news desk", slug="news-desk", kind="organization", job_title=""
    )
    tags = ("North Korea", "ammunition", "War")
    photo_file = tmp_path / "shells.jpg"
    photo_file.write_bytes(image_bytes(1200, 675, color="#52606d"))

    page = new_page()
    seen = watch(page)
    log_in(page, editor.username)
    open_admin(page, "/admin/articles/article/add/")

    page.locator("#id_headline").press_sequentially(HEADLINE)
    expect(page.locator("#id_slug")).to_have_value("north-korean-shells-keep-reaching-russian-guns")
    page.locator("#id_dek").press_sequentially(DEK)
    choose_autocomplete(page, "id_section", "Ukr", option="Ukraine")
    type_story(
        page,
        subhead="What the markings show",
        bold="fresh factory markings",
        link_text="the full report",
        link_url="https://example.org/report",
    )

    # The lead photo, uploaded through the "+" next to the field (a popup, as in the admin).
    with page.expect_popup() as popup_info:
        page.locator("#add_id_lead_photo").click()
    popup = popup_info.value
    popup.locator("#id_image").set_input_files(photo_file)
    popup.locator("#id_alt_text").fill("Artillery shells stacked in a field")
    popup.locator("#id_caption").fill("Shells stacked near the front line.")
    popup.locator("#id_credit").fill("Photo by Jane Doe/AFP via Getty Images")
    with popup.expect_event("close"):
        popup.locator('input[name="_save"]').click()
    expect(page.locator("#id_lead_photo option:checked")).to_have_text(
        re.compile("Shells stacked near the front line")
    )

    # Two authors, in this order, then three tags.
    choose_autocomplete(page, "id_bylines-0-author", "Yulia", option=first.name)
    page.locator("#bylines-group .add-row a").click()
    choose_autocomplete(page, "id_bylines-1-author", "news desk", option=second.name)
    page.locator("#id_tags").fill(", ".join(tags))

    page.locator("#id_status").select_option("published")
    save(page)
    expect(page.locator(".messagelist .success")).to_contain_text(HEADLINE)
    assert not seen.errors, seen.errors

    article = Article.objects.with_related().get(headline=HEADLINE)
    assert article.is_public
    assert [a.name for a in article.credited_authors] == [first.name, second.name]
    assert "<h2>What the markings show</h2>" in article.body
    assert "<strong>fresh factory markings</strong>" in article.body
    assert re.search(r'<a href="https://example.org/report"[^>]*>the full report</a>', article.body)

    # A reader, not logged in, finds it on the home page and opens it.
    reader = new_page()
    reader_seen = watch(reader)
    reader.goto("/")
    reader.get_by_role("link", name=HEADLINE).click()
    expect(reader).to_have_url(live_server.url + article.get_absolute_url())
    expect(reader.get_by_role("heading", level=1)).to_have_text(HEADLINE)
    expect(reader.locator(".story__dek")).to_have_text(DEK)
    expect(reader.locator(".story__byline")).to_have_text(f"by {first.name} and {second.name}")
    published = dateformat.format(timezone.localtime(article.published_at), "F j, Y g:i A")
    expect(reader.locator(".story__meta time")).to_have_text(published)
    expect(reader.locator(".story__meta")).to_contain_text(f"{article.minutes_to_read} min read")
    lead = reader.locator(".story__lead")
    lead_img = lead.locator("img").first
    expect(lead_img).to_have_attribute("alt", "Artillery shells stacked in a field")
    assert lead_img.evaluate("img => img.complete && img.naturalWidth > 0"), "lead photo not shown"
    expect(lead.locator("figcaption")).to_contain_text("Shells stacked near the front line.")
    expect(lead.locator("figcaption")).to_contain_text("Photo by Jane Doe/AFP via Getty Images")
    topics = reader.get_by_role("navigation", name="Topics")
    for tag in tags:
        expect(topics.get_by_role("link", name=tag, exact=True)).to_be_visible()
    body = reader.locator(".story__body")
    expect(body.get_by_role("heading", level=2, name="What the markings show")).to_be_visible()
    expect(body.locator("strong")).to_have_text("fresh factory markings")
    expect(body.get_by_role("link", name="the full report")).to_have_attribute(
        "href", "https://example.org/report"
    )
    expect(reader.get_by_role("link", name="Edit post")).to_have_count(0)
    assert not reader_seen.errors, reader_seen.errors

    # The editor, logged in, sees "Edit post" and it opens the admin form.
    page.goto(article.get_absolute_url())
    page.get_by_role("link", name="Edit post").click()
    expect(page).to_have_url(re.compile(rf"/admin/articles/article/{article.pk}/change/(\?.*)?$"))
    expect(page.locator("#id_headline")).to_have_value(HEADLINE)


def test_ckeditor_loads_cleanly_and_what_was_typed_survives_save_and_reload(new_page, live_server):
    editor = make_editor()
    SectionFactory(name="News", slug="news")
    page = new_page()
    seen = watch(page)
    log_in(page, editor.username)
    open_admin(page, "/admin/articles/article/add/")
    page.wait_for_load_state("networkidle")

    assert not seen.errors, seen.errors
    assert page.locator(".cke_notification_warning").count() == 0
    assert not page.locator(".cke_notification").filter(has_text=NOT_SECURE).count()
    ckeditor_warnings = [text for _, text in seen.console if "[CKEDITOR]" in text]
    assert not ckeditor_warnings, ckeditor_warnings
    assert not seen.foreign_requests(live_server.url), seen.foreign_requests(live_server.url)

    page.locator("#id_headline").fill("Kyiv’s night: what we know")
    choose_autocomplete(page, "id_section", "News")
    keyboard = page.keyboard
    focus_editor(page)
    keyboard.type("Київ — «нічна атака» & <ще> \"quotes\" 'apostrophe' 3 < 4 > 2.")
    keyboard.press("Enter")
    keyboard.type("Overnight")
    set_format(page, "Heading 2")
    focus_editor(page)
    keyboard.press("Control+End")
    keyboard.press("Enter")
    keyboard.type("Air defence was ")
    keyboard.press("Control+i")
    keyboard.type("very")
    keyboard.press("Control+i")
    keyboard.type(" busy; ")
    keyboard.press("Control+b")
    keyboard.type("twelve drones")
    keyboard.press("Control+b")
    keyboard.type(" were downed. See ")
    keyboard.type("the map")
    select_back(page, len("the map"))
    insert_link(page, "https://example.org/map?a=1&b=2")
    focus_editor(page)
    keyboard.press("Control+End")
    keyboard.type(".")
    keyboard.press("Enter")
    page.locator("#cke_id_body .cke_button__bulletedlist").click()
    keyboard.type("First point")
    keyboard.press("Enter")
    keyboard.type("Second point")
    keyboard.press("Enter")
    keyboard.press("Enter")  # out of the list
    page.locator("#cke_id_body .cke_button__blockquote").click()
    keyboard.type("We will rebuild.")

    typed = editor_data(page)
    assert "<h2>Overnight</h2>" in typed
    assert "<em>very</em>" in typed and "<strong>twelve drones</strong>" in typed
    assert "<ul>" in typed and "<blockquote>" in typed

    save(page, "_continue")
    page.reload()
    wait_for_editor(page)
    reloaded = editor_data(page)
    assert reloaded == typed

    # Stored as the sanitizer writes it: other escaping, rel="noopener noreferrer" on links.
    stored = Article.objects.get(headline="Kyiv’s night: what we know").body
    assert page.evaluate(SAME_DOM, [stored, typed]), (stored, typed)
    assert not seen.errors, seen.errors


SAME_DOM = """
([stored, typed]) => {
  const parse = html => {
    const template = document.createElement('template');
    template.innerHTML = html.replace(/>\\s+</g, '><').trim();
    for (const link of template.content.querySelectorAll('a[rel]')) link.removeAttribute('rel');
    template.content.normalize();
    return template.content;
  };
  return parse(stored).isEqualNode(parse(typed));
}
"""


def test_contributor_cannot_publish_and_an_editor_can(new_page, live_server):
    contributor = make_contributor()
    make_editor()
    SectionFactory(name="News", slug="news")

    page = new_page()
    log_in(page, contributor.username)
    open_admin(page, "/admin/articles/article/add/")
    status = page.locator("#id_status")
    if status.count():
        offered = status.locator("option").evaluate_all("options => options.map(o => o.value)")
        assert "published" not in offered, f"a contributor is offered {offered}"
    page.locator("#id_headline").fill("A contributor's draft")
    choose_autocomplete(page, "id_section", "News")
    focus_editor(page)
    page.keyboard.type("Filed from the field.")
    save(page, "_continue")
    article = Article.objects.get(headline="A contributor's draft")
    assert article.status != Article.Status.PUBLISHED
    change_url = f"/admin/articles/article/{article.pk}/change/"

    # Forced: the contributor adds the missing option to the page and submits it.
    wait_for_editor(page)
    if page.locator("#id_status").count():
        page.locator("#id_status").evaluate(
            "select => { select.add(new Option('Published', 'published')); "
            "select.value = 'published'; }"
        )
    else:
        page.locator("#article_form").evaluate(
            "form => { const input = document.createElement('input'); input.type = 'hidden'; "
            "input.name = 'status'; input.value = 'published'; form.append(input); }"
        )
    with page.expect_navigation():
        page.locator('input[name="_continue"]').click()
    article.refresh_from_db()
    assert article.status != Article.Status.PUBLISHED, "a tampered form published the article"
    assert not Article.objects.published().exists()

    # No publish action in the list, and a forced one is refused too.
    page.goto("/admin/articles/article/")
    actions = page.locator('select[name="action"] option').evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert "publish" not in actions, f"a contributor is offered the actions {actions}"
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forced = page.request.post(
        "/admin/articles/article/",
        form={
            "csrfmiddlewaretoken": csrf,
            "action": "publish",
            "_selected_action": str(article.pk),
            "index": "0",
        },
        headers={"Referer": live_server.url + "/admin/articles/article/"},
    )
    assert "CSRF verification failed" not in forced.text(), "the forced action never got in"
    article.refresh_from_db()
    assert article.status != Article.Status.PUBLISHED, "a forced action published the article"

    # An editor is offered the publish action and "Published", and publishes it.
    editor_page = new_page()
    log_in(editor_page, "editor")
    editor_page.goto("/admin/articles/article/")
    actions = editor_page.locator('select[name="action"] option').evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert "publish" in actions, actions
    open_admin(editor_page, change_url)
    offered = editor_page.locator("#id_status option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert "published" in offered
    editor_page.locator("#id_status").select_option("published")
    save(editor_page)
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert Article.objects.published().filter(pk=article.pk).exists()


# Each payload calls alert/console with its own number, so a failure says which one ran.
XSS_PAYLOAD = "\n".join(
    (
        "<p>Safe paragraph before.</p>",
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(2)">',
        "<img src=x onerror=console.error(3)//>",
        '<svg onload="alert(4)"><circle r="1"/></svg>',
        '<p><a href="javascript:alert(5)">javascript link</a>',
        '<a href=" JaVaScRiPt:alert(6)">mixed-case link</a>',
        '<a href="data:text/html,<script>alert(7)</script>">data link</a></p>',
        '<iframe srcdoc="<script>parent.alert(8)</script>"></iframe>',
        '<iframe src="javascript:alert(9)"></iframe>',
        '<p style="background:url(javascript:alert(10))" onclick="alert(11)">styled</p>',
        '<details open ontoggle="alert(12)"><summary>details</summary></details>',
        "<math><mtext><table><mglyph><style>"
        "<img src=x onerror=alert(13)></style></mglyph></table></mtext></math>",
        '<form action="javascript:alert(14)"><button>go</button></form>',
        '<object data="javascript:alert(15)"></object>',
        '<embed src="javascript:alert(16)">',
        '<input autofocus onfocus="alert(17)">',
        '<video><source onerror="alert(18)"></video>',
        '<noscript><p title="</noscript><img src=x onerror=alert(19)>"></p></noscript>',
        '<body onload="alert(20)">',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(21)">',
        '<a href="https://example.org/" onmouseover="alert(22)">hover me</a>',
        "<p>Safe paragraph after.</p>",
    )
)

HOOKS = """
window.__xss = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__xss.push(name + ': ' + args.join(' ')); };
}
for (const name of ['log', 'info', 'warn', 'error', 'debug']) {
  const original = console[name].bind(console);
  console[name] = (...args) => { window.__xss.push('console.' + name + ': ' + args.join(' '));
                                 original(...args); };
}
"""

DANGERS = """
() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const value = attr.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
      if (attr.name.toLowerCase().startsWith('on')) found.push(el.tagName + '[' + attr.name + ']');
      if (value.startsWith('javascript:') || value.startsWith('vbscript:')
          || (value.startsWith('data:') && !(el.tagName === 'IMG' && attr.name === 'src')))
        found.push(el.tagName + '[' + attr.name + '=' + attr.value + ']');
    }
  }
  for (const el of document.querySelectorAll(
      '.story__body script, .story__body iframe, .story__body object, .story__body embed, '
      + '.story__body svg, .story__body math, .story__body style, .story__body form, '
      + '.story__body input, .story__body meta, .story__body base, .story__body [style]'))
    found.push('body contains ' + el.outerHTML.slice(0, 80));
  return found;
}
"""


def test_script_pasted_in_the_body_source_never_runs_on_the_public_page(new_page, live_server):
    editor = make_editor()
    SectionFactory(name="News", slug="news")
    page = new_page()
    seen_in_admin = watch(page)
    log_in(page, editor.username)
    open_admin(page, "/admin/articles/article/add/")
    page.locator("#id_headline").fill("Pasted from elsewhere")
    choose_autocomplete(page, "id_section", "News")
    page.locator("#cke_id_body .cke_button__source").click()
    source = page.locator("#cke_id_body textarea.cke_source")
    source.fill(XSS_PAYLOAD)
    page.locator("#id_status").select_option("published")
    save(page, "_continue")
    article = Article.objects.get(headline="Pasted from elsewhere")
    assert article.is_public
    for marker in ("<script", "onerror", "onload", "javascript:", "<iframe", "srcdoc", "style="):
        assert marker not in article.body.lower(), (marker, article.body)

    # Without the CSP, so that only the sanitizer stands between the payload and the reader.
    for bypass_csp in (True, False):
        reader = new_page(bypass_csp=bypass_csp)
        reader.add_init_script(HOOKS)
        seen = watch(reader)
        reader.goto(article.get_absolute_url())
        expect(reader.locator(".story__body")).to_contain_text("Safe paragraph after.")
        for link in reader.locator(".story__body a").all():
            link.hover()
        reader.keyboard.press("Tab")
        reader.wait_for_timeout(300)  # let error/load handlers of broken images fire
        calls = reader.evaluate("window.__xss")
        assert not calls, calls
        assert not seen.dialogs, seen.dialogs
        # A broken image the sanitizer kept (src="x") may fail to load; nothing else may fail.
        errors = [text for text in seen.errors if not text.startswith("Failed to load resource")]
        assert not errors, errors
        assert reader.evaluate(DANGERS) == []
        assert reader.url == live_server.url + article.get_absolute_url()

    # The next editor to open it in the admin (whose CSP allows inline script) is safe too.
    page.add_init_script(HOOKS)
    page.reload()
    wait_for_editor(page)
    page.wait_for_timeout(300)
    calls = [call for call in page.evaluate("window.__xss") if not call.startswith("console.")]
    assert not calls, calls
    assert not seen_in_admin.dialogs, seen_in_admin.dialogs
