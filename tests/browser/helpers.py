"""What the browser tests do in the admin, the way an editor does it: log in, fill, pick, save."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from playwright.sync_api import Page, expect

from tests.factories import UserFactory

PASSWORD = "correct horse battery"
BODY_FRAME = "#cke_id_body iframe.cke_wysiwyg_frame"


# ---------------------------------------------------------------- users


def make_editor(username: str = "editor"):
    """Return a staff user with every article, photo, author, section and tag permission.

    The user also joins the "Editor" group when the workflow's data migration made it.
    """
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label="articles") | Q(content_type__app_label="taggit")
        )
    )
    if group := Group.objects.filter(name="Editor").first():
        user.groups.add(group)
    return user


def make_contributor(username: str = "contributor"):
    """Return a staff user in the "Contributor" group, or with its expected permissions.

    Without the group (the workflow's data migration not there yet): add, change and view
    articles, view what the article form picks from; never ``articles.publish_article``.
    """
    user = UserFactory(username=username, is_staff=True)
    if group := Group.objects.filter(name="Contributor").first():
        user.groups.add(group)
        return user
    codenames = (
        "add_article",
        "change_article",
        "view_article",
        "view_section",
        "view_author",
        "view_photo",
        "add_photo",
        "view_tag",
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


# ---------------------------------------------------------------- watching the page


@dataclass
class PageWatch:
    """What a page reported: console errors and warnings, uncaught errors, dialogs, requests."""

    console: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [text for kind, text in self.console if kind == "error"] + self.page_errors

    def foreign_requests(self, origin: str) -> list[str]:
        """Return the requests that went anywhere but ``origin`` (data: and blob: aside)."""
        return [
            url
            for url in self.requests
            if not url.startswith((origin, "data:", "blob:", "about:", "chrome"))
        ]


def watch(page: Page) -> PageWatch:
    """Start recording what ``page`` reports; dialogs are recorded and dismissed."""
    seen = PageWatch()
    page.on("console", lambda msg: seen.console.append((msg.type, msg.text)))
    page.on("pageerror", lambda exc: seen.page_errors.append(str(exc)))
    page.on("request", lambda request: seen.requests.append(request.url))

    def on_dialog(dialog) -> None:
        seen.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return seen


# ---------------------------------------------------------------- admin forms


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the admin's own login form."""
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text("Log out")


def open_admin(page: Page, path: str) -> None:
    """Open an admin page and wait for the body editor, failing at once on an error page."""
    response = page.goto(path)
    assert response is not None and response.ok, f"{path} answered {response and response.status}"
    wait_for_editor(page)


def form_errors(page: Page) -> str:
    """Return the admin form's error messages as one string ("" without any)."""
    errors = page.locator(".errornote, .errorlist, .messagelist .error")
    return " | ".join(errors.all_inner_texts()).strip()


def save(page: Page, button: str = "_save") -> None:
    """Submit the admin form with ``button`` and fail with its error messages if refused."""
    with page.expect_navigation():
        page.locator(f'input[name="{button}"]').click()
    errors = form_errors(page)
    assert not errors, f"The admin refused the form: {errors}"


def choose_autocomplete(page: Page, select_id: str, search: str, option: str | None = None) -> None:
    """Pick ``option`` (default: ``search``) in the admin's autocomplete for ``select_id``."""
    page.locator(f"select#{select_id} + .select2 .select2-selection").click()
    search_box = page.locator(".select2-container--open .select2-search__field")
    search_box.press_sequentially(search)
    choice = page.locator(
        ".select2-container--open .select2-results__option", has_text=option or search
    ).first
    expect(choice).not_to_have_class(re.compile(r"loading-results"))
    choice.click()
    expect(page.locator(f"select#{select_id} option:checked")).to_have_text(
        re.compile(re.escape(option or search))
    )


# ---------------------------------------------------------------- CKEditor 4


def wait_for_editor(page: Page, name: str = "id_body") -> None:
    """Wait until the CKEditor instance ``name`` has fired instanceReady."""
    page.wait_for_function(
        "name => window.CKEDITOR && CKEDITOR.instances[name] "
        "&& CKEDITOR.instances[name].status === 'ready'",
        arg=name,
    )


def editor_data(page: Page, name: str = "id_body") -> str:
    """Return CKEDITOR.instances[name].getData()."""
    return page.evaluate("name => CKEDITOR.instances[name].getData()", name)


def focus_editor(page: Page) -> None:
    """Put the caret in the body editor's editing area."""
    page.frame_locator(BODY_FRAME).locator("body").click()


def set_format(page: Page, label: str) -> None:
    """Apply a block format ("Heading 2", "Normal"…) from the toolbar's Format menu."""
    page.locator("#cke_id_body .cke_combo__format .cke_combo_button").click()
    panel = page.frame_locator(".cke_combopanel:visible iframe")
    panel.locator(f'a[title="{label}"]').click()


def insert_link(page: Page, url: str) -> None:
    """Link the selected text to ``url`` through CKEditor's Link dialog."""
    page.locator("#cke_id_body .cke_button__link").click()
    dialog = page.locator(".cke_dialog:visible")
    url_field = dialog.get_by_label(re.compile(r"^URL"))
    url_field.fill(url)
    dialog.locator(".cke_dialog_ui_button_ok").click()
    expect(dialog).to_be_hidden()


def select_back(page: Page, characters: int) -> None:
    """Select the ``characters`` characters before the caret."""
    for _ in range(characters):
        page.keyboard.press("Shift+ArrowLeft")


def type_story(page: Page, *, subhead: str, bold: str, link_text: str, link_url: str) -> None:
    """Type a body with the keyboard: a paragraph, a sub-head, bold text and a link."""
    focus_editor(page)
    keyboard = page.keyboard
    keyboard.type("Shells from the north keep reaching the guns in the east, inspectors say.")
    keyboard.press("Enter")
    keyboard.type(subhead)
    set_format(page, "Heading 2")
    focus_editor(page)
    keyboard.press("Control+End")
    keyboard.press("Enter")
    keyboard.type("Inspectors found ")
    keyboard.press("Control+b")
    keyboard.type(bold)
    keyboard.press("Control+b")
    keyboard.type(" on the casings. Read ")
    keyboard.type(link_text)
    select_back(page, len(link_text))
    insert_link(page, link_url)
    focus_editor(page)
    keyboard.press("Control+End")
    keyboard.type(".")
