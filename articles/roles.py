"""The newsroom's roles as Django groups, kept in step by a migration and ``manage.py sync_roles``.

- Contributor: writes articles and edits their own drafts, submits them for review.
- Editor: edits every article, publishes, schedules, unpublishes; tags, authors, sections,
  corrections and preview links; uses and fixes library photos (no deleting them);
  moderates readers' comments; sees embedded posts and refreshes their snapshots.
- Photo editor: keeps the photo library (credits, captions, alt text, tags); reads articles.
- Administrator: every permission, users and login lockouts included.

The rules that depend on the article (whose it is, its state) live in ``articles.workflow``.
"""

from __future__ import annotations

from django.apps import apps as global_apps

CONTRIBUTOR = "Contributor"
EDITOR = "Editor"
PHOTO_EDITOR = "Photo editor"
ADMINISTRATOR = "Administrator"

ALL = "__all__"

# Posting to live coverage: contributors' updates wait for an editor (live.workflow).
LIVE_UPDATES = (
    "add_liveupdate",
    "change_liveupdate",
    "delete_liveupdate",
    "view_liveupdate",
    "add_liveupdateauthor",
    "change_liveupdateauthor",
    "delete_liveupdateauthor",
    "view_liveupdateauthor",
)

# Role -> {app_label: codenames}. "view_x"-style codenames; ALL means every permission.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]] | str] = {
    CONTRIBUTOR: {
        "articles": (
            "add_article",
            "change_article",
            "delete_article",
            "view_article",
            "add_articleauthor",
            "change_articleauthor",
            "delete_articleauthor",
            "view_articleauthor",
            "view_articlenote",
            "view_author",
            "view_section",
        ),
        "photos": ("add_photo", "view_photo"),
        "taggit": ("view_tag",),
        "narration": ("view_narration",),
        "live": LIVE_UPDATES,
    },
    EDITOR: {
        "articles": (
            "add_article",
            "change_article",
            "delete_article",
            "view_article",
            "publish_article",
            "edit_others_article",
            "add_articleauthor",
            "change_articleauthor",
            "delete_articleauthor",
            "view_articleauthor",
            "add_articlenote",
            "change_articlenote",
            "delete_articlenote",
            "view_articlenote",
            "add_previewlink",
            "change_previewlink",
            "view_previewlink",
            "add_author",
            "change_author",
            "delete_author",
            "view_author",
            "add_section",
            "change_section",
            "view_section",
            "add_tagredirect",
            "change_tagredirect",
            "delete_tagredirect",
            "view_tagredirect",
            "add_tagchange",
            "view_tagchange",
            "merge_tags",
        ),
        "photos": ("add_photo", "change_photo", "view_photo"),
        "taggit": ("add_tag", "change_tag", "delete_tag", "view_tag"),
        "narration": ("add_narration", "change_narration", "view_narration"),
        "live": LIVE_UPDATES,
        # The desk's list of embedded posts: see them, refresh their snapshots.
        "embeds": ("view_embed", "change_embed"),
        # Moderate readers' comments (approve, reject, spam) and close them per article.
        "comments": (
            "view_comment",
            "change_comment",
            "delete_comment",
            "moderate_comment",
            "add_articlecommentstate",
            "change_articlecommentstate",
            "delete_articlecommentstate",
            "view_articlecommentstate",
        ),
    },
    PHOTO_EDITOR: {
        "photos": ("add_photo", "change_photo", "delete_photo", "view_photo"),
        "articles": (
            "view_article",
            "view_author",
            "view_section",
        ),
        "taggit": ("add_tag", "change_tag", "view_tag"),
        "live": ("view_liveupdate",),
    },
    ADMINISTRATOR: ALL,
}

# Roles that must use two-factor authentication when settings.NEWSROOM_REQUIRE_2FA is on.
TWO_FACTOR_ROLES = (EDITOR, ADMINISTRATOR)


def sync_roles(apps=global_apps, using: str = "default", reset: bool = False) -> dict[str, int]:
    """Create the role groups and give them their permissions; return permissions per role.

    Idempotent. Permissions are only added, so a newsroom's own additions stay, unless
    ``reset`` is true: then each group gets exactly its role's permissions.
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    permissions = permission_model.objects.using(using)
    counts = {}
    for name, spec in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.using(using).get_or_create(name=name)
        if spec == ALL:
            wanted = list(permissions.all())
        else:
            wanted = []
            for app_label, codenames in spec.items():
                wanted += permissions.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
        if reset:
            group.permissions.set(wanted)
        else:
            group.permissions.add(*wanted)
        counts[name] = len(wanted)
    return counts
