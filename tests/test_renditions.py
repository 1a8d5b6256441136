"""Renditions: made once through the storage API, focal-point crops, the public <img>, commands."""

import io
import logging
import re
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import ProtectedError
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from PIL import Image, ImageDraw

from photos import images
from photos.images import focal_crop_box, render_renditions
from photos.images import renditions as rendition_module
from photos.models import Photo
from tests.factories import ArticleFactory, PhotoFactory, image_bytes, image_upload
from tests.test_images import assert_no_metadata, camera_exif, coloured_animation, needs_avif

pytestmark = pytest.mark.django_db

ALL_KEYS = {
    *(f"w{w}.{ext}" for w in (320, 640, 960, 1280, 1920) for ext in ("webp", "jpg")),
    *(f"thumb-{w}.{ext}" for w in (480, 960, 1440) for ext in ("webp", "jpg")),
    "card.jpg",
}


@pytest.fixture(autouse=True)
def storage(settings):
    """Store media in memory: any code using a filesystem path instead of storage fails."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    assert Photo._meta.get_field("image").storage is default_storage
    assert isinstance(storages["default"], InMemoryStorage)
    return default_storage


@pytest.fixture
def built(django_capture_on_commit_callbacks):
    """Return a maker of photos whose renditions were built (the transaction "commits")."""

    def make(**fields) -> Photo:
        with django_capture_on_commit_callbacks(execute=True):
            photo = PhotoFactory(**fields)
        return photo

    return make


def jpeg(width: int, height: int, draw=None, name: str = "photo.jpg", **options):
    image = Image.new("RGB", (width, height), (20, 20, 20))
    if draw:
        draw(ImageDraw.Draw(image))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, **options)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def stored_image(storage, name: str) -> Image.Image:
    with storage.open(name, "rb") as file:
        data = file.read()
    assert_no_metadata(data)
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def render(source: str, **context) -> str:
    return Template("{% load newsroom %}" + source).render(Context(context))


# Building -------------------------------------------------------------------------------


def test_renditions_are_built_once_through_the_storage_api(
    storage, django_capture_on_commit_callbacks
):
    saved = mock.Mock(wraps=rendition_module.save_file)
    with (
        mock.patch.object(rendition_module, "save_file", saved),
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        photo = PhotoFactory(image=jpeg(2000, 1000))

    record = Photo.objects.get(pk=photo.pk).renditions
    assert record == photo.renditions
    assert record["source"] == photo.image.name
    assert set(record["files"]) == ALL_KEYS
    assert saved.call_count == len(ALL_KEYS)
    assert all(call.args[0] is storage for call in saved.call_args_list)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and "renditions" in updates[0]
    for key, item in record["files"].items():
        assert item["name"].startswith(f"renditions/{photo.pk}/")
        image = stored_image(storage, item["name"])
        assert image.format == ("WEBP" if key.endswith(".webp") else "JPEG")
        assert image.size == (item["width"], item["height"])
    assert record["files"]["w960.webp"] | {"name": ""} == {"name": "", "width": 960, "height": 480}
    assert (record["files"]["card.jpg"]["width"], record["files"]["card.jpg"]["height"]) == (
        1200,
        630,
    )
    assert record["files"]["thumb-480.jpg"]["height"] == 320

    saved.reset_mock()
    photo.caption = "A new caption"
    with (
        mock.patch.object(rendition_module, "save_file", saved),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        photo.save()
        Photo.objects.get(pk=photo.pk).save()
    assert saved.call_count == 0
    assert callbacks == []


def test_renditions_wait_for_the_transaction_to_commit(storage):
    photo = PhotoFactory(image=jpeg(400, 300))  # the test's transaction never commits

    assert photo.renditions == {}
    assert not storage.exists(f"renditions/{photo.pk}")


def test_widths_larger_than_the_original_are_skipped(built):
    photo = built(image=jpeg(700, 350))

    widths = {key for key in photo.renditions["files"] if key.startswith("w")}
    assert widths == {"w320.webp", "w320.jpg", "w700.webp", "w700.jpg"}  # 640 is a near copy
    card = photo.renditions["files"]["card.jpg"]
    assert (card["width"], card["height"]) == (667, 350)  # never upscaled


def test_a_tiny_photo_gets_one_width_and_small_crops(built):
    photo = built(image=jpeg(64, 48))
    assert {key for key in photo.renditions["files"] if key.startswith("w")} == {
        "w64.webp",
        "w64.jpg",
    }
    assert photo.renditions["files"]["thumb-64.jpg"]["height"] == 43


def test_renditions_follow_the_exif_orientation_of_an_old_original():
    data = jpeg(300, 200, exif=camera_exif(orientation=6)).read()

    rendered = render_renditions(data)

    sizes = {item.key: (item.width, item.height) for item in rendered.items}
    assert sizes["w200.jpg"] == (200, 300)
    for item in rendered.items:
        assert_no_metadata(item.data)


@needs_avif
def test_renditions_are_made_from_an_avif_upright_in_webp_and_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (1500, 1000), (200, 30, 30)).save(
        buffer, "AVIF", quality=80, speed=10, exif=camera_exif(orientation=6)
    )

    rendered = render_renditions(buffer.getvalue())

    sizes = {item.key: (item.width, item.height) for item in rendered.items}
    assert (rendered.width, rendered.height) == (1000, 1500)
    assert sizes["w1000.jpg"] == sizes["w1000.webp"] == (1000, 1500)
    assert sizes["card.jpg"] == (1000, 525)  # narrower than 1200: never upscaled
    for item in rendered.items:
        assert_no_metadata(item.data)
        with Image.open(io.BytesIO(item.data)) as image:
            assert image.format == ("WEBP" if item.key.endswith(".webp") else "JPEG")
            assert image.getpixel((5, 5))[0] > 180


@needs_avif
def test_an_avif_upload_gets_renditions_from_its_stored_jpeg(built, storage):
    photo = built(image=image_upload("wire.avif", width=800, height=600))

    assert photo.image.name.endswith(".jpg")
    assert photo.renditions["source"] == photo.image.name
    assert {"w800.webp", "w800.jpg", "card.jpg"} <= set(photo.renditions["files"])
    assert stored_image(storage, photo.renditions["files"]["w800.webp"]["name"]).size == (800, 600)


@needs_avif
def test_a_clean_avif_stored_by_other_code_stays_avif_and_gets_renditions(
    storage, django_capture_on_commit_callbacks
):
    photo = PhotoFactory.build(image=None)
    photo.image.save("loaded.avif", ContentFile(image_bytes(640, 480, fmt="AVIF")), save=False)

    with django_capture_on_commit_callbacks(execute=True):
        photo.save()

    assert photo.image.name.endswith(".avif")  # no metadata, no orientation: left as it is
    assert photo.renditions["source"] == photo.image.name
    assert {"w640.webp", "w640.jpg", "thumb-480.jpg", "card.jpg"} <= set(photo.renditions["files"])


def test_transparent_png_renditions_keep_alpha_in_webp_and_turn_white_in_jpeg():
    buffer = io.BytesIO()
    Image.new("RGBA", (400, 300), (255, 0, 0, 0)).save(buffer, "PNG")

    rendered = {item.key: item for item in render_renditions(buffer.getvalue()).items}

    with Image.open(io.BytesIO(rendered["w400.webp"].data)) as webp:
        assert webp.mode == "RGBA" and webp.getpixel((10, 10))[3] == 0
    with Image.open(io.BytesIO(rendered["w400.jpg"].data)) as flat:
        assert min(flat.getpixel((10, 10))) > 240


def test_an_animated_gif_gets_still_crops_and_plays_its_original(built):
    photo = built(image=SimpleUploadedFile("loop.gif", coloured_animation(), "image/gif"))

    assert photo.renditions["animated"] is True
    assert set(photo.renditions["files"]) == {
        "thumb-40.webp",
        "thumb-40.jpg",
        "card.jpg",
    }
    html = render("{% photo_img photo %}", photo=photo)
    assert html.startswith("<img ") and f'src="{photo.image.url}"' in html


def test_a_photo_whose_file_is_gone_is_saved_and_the_failure_logged(built, storage, caplog):
    photo = built(image=jpeg(400, 300))
    storage.delete(photo.image.name)
    photo.renditions = {}

    with caplog.at_level(logging.WARNING, logger="photos.images"):
        assert images.ensure_renditions(photo) == "failed"
    assert f"Renditions of photo #{photo.pk} could not be made" in caplog.text


# Focal point ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "ratio", "focal", "box"),
    [
        ((1200, 400), (3, 2), (0.5, 0.5), (300, 0, 900, 400)),
        ((1200, 400), (3, 2), (1.0, 0.5), (600, 0, 1200, 400)),  # pushed back inside
        ((1200, 400), (3, 2), (0.0, 0.0), (0, 0, 600, 400)),
        ((400, 1200), (3, 2), (0.5, 0.9), (0, 933, 400, 1200)),
        ((400, 1200), (3, 2), (0.5, 0.0), (0, 0, 400, 267)),
        ((600, 400), (3, 2), (0.9, 0.9), (0, 0, 600, 400)),  # already 3:2: the whole picture
        ((2000, 1000), (1200, 630), (0.5, 0.5), (48, 0, 1953, 1000)),
    ],
)
def test_focal_crop_box_is_centred_on_the_point_and_clamped_inside(size, ratio, focal, box):
    assert focal_crop_box(size, ratio, focal) == box


def subject_at_the_right(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((1050, 150, 1150, 250), fill=(255, 255, 255))


def brightest(storage, record: dict, key: str) -> int:
    return stored_image(storage, record["files"][key]["name"]).convert("L").getextrema()[1]


def test_focal_point_crop_keeps_the_subject(built, storage):
    centred = built(image=jpeg(1200, 400, subject_at_the_right))
    at_the_subject = built(image=jpeg(1200, 400, subject_at_the_right), focal_x=0.92)

    assert brightest(storage, centred.renditions, "thumb-480.jpg") < 60  # subject cut off
    assert brightest(storage, at_the_subject.renditions, "thumb-480.jpg") > 200
    assert brightest(storage, at_the_subject.renditions, "card.jpg") > 200
    thumb = stored_image(storage, at_the_subject.renditions["files"]["thumb-480.jpg"]["name"])
    assert thumb.convert("L").getpixel((420, 160)) > 200  # on the right, where it was


def test_moving_the_focal_point_rebuilds_only_the_crops(
    built, storage, django_capture_on_commit_callbacks
):
    photo = built(image=jpeg(1200, 400, subject_at_the_right))
    before = {key: item["name"] for key, item in photo.renditions["files"].items()}

    photo.focal_x = 0.92
    with django_capture_on_commit_callbacks(execute=True):
        photo.save()

    after = {key: item["name"] for key, item in photo.renditions["files"].items()}
    assert Photo.objects.get(pk=photo.pk).renditions["focal"] == [0.92, 0.5]
    for key in before:
        if key.startswith("w"):
            assert after[key] == before[key]
        else:
            assert after[key] != before[key]  # a new name: caches see the new crop
            assert not storage.exists(before[key])
            assert storage.exists(after[key])
    assert brightest(storage, photo.renditions, "thumb-480.jpg") > 200


def test_a_new_image_file_replaces_the_old_renditions(
    built, storage, django_capture_on_commit_callbacks
):
    photo = built(image=jpeg(800, 600))
    old = images.rendition_names(photo.renditions)

    photo.image = jpeg(500, 500, name="other.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        photo.save()

    assert photo.renditions["source"] == photo.image.name
    assert not any(storage.exists(name) for name in old)
    assert all(storage.exists(name) for name in images.rendition_names(photo.renditions))
    assert "w500.jpg" in photo.renditions["files"]


def test_rendition_names_are_replaced_by_a_rebuild_not_duplicated(built, storage):
    photo = built(image=jpeg(400, 300))
    names = images.rendition_names(photo.renditions)

    images.build_renditions(photo)

    assert images.rendition_names(photo.renditions) == names
    assert sorted(storage.listdir(f"renditions/{photo.pk}")[1]) == sorted(
        name.rsplit("/", 1)[1] for name in names
    )


# Deleting ---------------------------------------------------------------------------------


def test_deleting_a_photo_deletes_its_files(built, storage, django_capture_on_commit_callbacks):
    photo = built(image=jpeg(800, 600))
    names = {photo.image.name, *images.rendition_names(photo.renditions)}
    assert all(storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()

    assert not any(storage.exists(name) for name in names)


def test_deleting_photos_in_bulk_deletes_their_files(
    built, storage, django_capture_on_commit_callbacks
):
    photos = [built(image=jpeg(400, 300)) for _ in range(2)]
    names = {name for p in photos for name in (p.image.name, *images.rendition_names(p.renditions))}

    with django_capture_on_commit_callbacks(execute=True):
        Photo.objects.all().delete()

    assert not any(storage.exists(name) for name in names)


def test_a_photo_that_may_not_be_deleted_keeps_its_files(
    built, storage, django_capture_on_commit_callbacks
):
    photo = built(image=jpeg(400, 300))
    ArticleFactory(lead_photo=photo)

    with pytest.raises(ProtectedError), django_capture_on_commit_callbacks(execute=True):
        photo.delete()

    assert storage.exists(photo.image.name)
    assert all(storage.exists(name) for name in images.rendition_names(photo.renditions))


def test_files_are_kept_until_the_deletion_commits(built, storage):
    photo = built(image=jpeg(400, 300))

    photo.delete()  # the test's transaction never commits

    assert storage.exists(photo.image.name)


# The public <img> -------------------------------------------------------------------------


def srcset_widths(srcset: str) -> list[int]:
    return [int(width) for width in re.findall(r" (\d+)w", srcset)]


def attribute(html: str, element: str, name: str) -> str:
    match = re.search(rf'<{element}\b[^>]*\s{name}="([^"]*)"', html)
    assert match, (element, name, html)
    return match[1]


def test_photo_img_has_srcset_sizes_width_height_alt(built):
    photo = built(image=jpeg(2000, 200), alt_text='Rescuers in "the" rubble')

    html = render('{% photo_img photo sizes="(min-width: 40rem) 40rem, 100vw" %}', photo=photo)

    assert html.startswith('<picture><source type="image/webp" ')
    assert html.endswith("</picture>")
    assert srcset_widths(attribute(html, "source", "srcset")) == [320, 640, 960, 1280, 1920]
    assert ".webp 320w" in attribute(html, "source", "srcset")
    assert srcset_widths(attribute(html, "img", "srcset")) == [320, 640, 960, 1280, 1920]
    assert ".jpg 320w" in attribute(html, "img", "srcset")
    assert attribute(html, "img", "src") == (
        default_storage.url(photo.renditions["files"]["w960.jpg"]["name"])
    )
    for element in ("source", "img"):
        assert attribute(html, element, "sizes") == "(min-width: 40rem) 40rem, 100vw"
    assert attribute(html, "img", "width") == "1920"
    assert attribute(html, "img", "height") == "192"
    assert attribute(html, "img", "alt") == "Rescuers in &quot;the&quot; rubble"
    assert attribute(html, "img", "loading") == "lazy"


def test_photo_img_has_a_sensible_default_sizes(built):
    html = render("{% photo_img photo lazy=False %}", photo=built(image=jpeg(800, 600)))

    assert attribute(html, "img", "sizes") == "(min-width: 60rem) 60rem, 100vw"
    assert "loading=" not in html


def test_photo_img_thumb_uses_the_3_2_focal_point_crops(built):
    photo = built(image=jpeg(1000, 800), focal_y=0.9)

    html = render('{% photo_img photo crop="thumb" sizes="20rem" %}', photo=photo)

    assert srcset_widths(attribute(html, "source", "srcset")) == [480, 960, 1000]
    assert "-thumb-960-" in attribute(html, "img", "src")  # the widest up to 960
    assert (attribute(html, "img", "width"), attribute(html, "img", "height")) == ("1000", "667")


def test_photo_img_reads_no_database_and_no_storage(built, django_assert_num_queries):
    photo = Photo.objects.get(pk=built(image=jpeg(800, 600)).pk)
    storage = type(storages["default"])
    forbidden = {
        name: mock.patch.object(storage, name, side_effect=AssertionError(f"storage.{name}"))
        for name in ("open", "exists", "save", "delete", "listdir", "size")
    }
    for patcher in forbidden.values():
        patcher.start()
    try:
        with django_assert_num_queries(0):
            html = render('{% photo_img photo %}{% photo_img photo crop="thumb" %}', photo=photo)
            card_url = images.card_image(photo)[0]
    finally:
        for patcher in forbidden.values():
            patcher.stop()
    assert html.count("<picture>") == 2
    assert "-card-" in card_url


def test_photo_img_falls_back_to_the_original_and_builds_nothing_in_the_request():
    photo = PhotoFactory(image=jpeg(800, 600))  # renditions not built yet
    assert photo.renditions == {}

    with mock.patch.object(rendition_module, "build_renditions") as build:
        html = render("{% photo_img photo %}", photo=photo)

    build.assert_not_called()
    assert html.startswith("<img ")
    assert attribute(html, "img", "src") == photo.image.url
    assert attribute(html, "img", "srcset") == f"{photo.image.url} 800w"
    assert attribute(html, "img", "sizes") == "(min-width: 60rem) 60rem, 100vw"
    assert (attribute(html, "img", "width"), attribute(html, "img", "height")) == ("800", "600")


def test_photo_img_ignores_renditions_of_a_replaced_file(built):
    photo = built(image=jpeg(800, 600))
    photo.image.name = "photos/another.jpg"

    html = render("{% photo_img photo %}", photo=photo)

    assert html.startswith("<img ") and 'src="/media/photos/another.jpg"' in html


def test_the_card_image_is_the_social_card_or_the_original(built):
    photo = built(image=jpeg(700, 400))
    url, width, height, is_card = images.card_image(photo)
    assert url.endswith(".jpg") and "-card-" in url and is_card
    assert (width, height) == (700, 368)  # the 1200:630 crop, never upscaled
    assert "-w320-" in images.rendition_url(photo, "w320.webp")
    fresh = PhotoFactory(image=jpeg(100, 100))
    assert images.card_image(fresh) == (fresh.image.url, 100, 100, False)


def test_thumbnail_url_is_a_small_crop(built):
    photo = built(image=jpeg(1000, 667))
    assert "thumb-480-" in images.thumbnail_url(photo, 100)
    assert "thumb-960-" in images.thumbnail_url(photo, 700)


# The rebuild command ------------------------------------------------------------------------


def rebuild(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("rebuild_renditions", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_rebuild_renditions_command_is_resumable(built):
    done = built(image=jpeg(400, 300))
    waiting = [PhotoFactory(image=jpeg(400, 300)) for _ in range(3)]
    real_build = rendition_module.build_renditions
    calls = []

    def interrupted_on_the_second(photo, **kwargs):
        calls.append(photo.pk)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_build(photo, **kwargs)

    with (
        mock.patch.object(rendition_module, "build_renditions", interrupted_on_the_second),
        pytest.raises(CommandError, match="Interrupted") as stopped,
    ):
        rebuild("--no-progress")
    assert stopped.value.returncode == 130
    states = [images.rendition_state(Photo.objects.get(pk=p.pk)) for p in waiting]
    assert states == ["current", "missing", "missing"]

    output = rebuild()

    assert "2 built" in output and "2 already current" in output
    assert all(Photo.objects.get(pk=p.pk).renditions["files"] for p in [done, *waiting])
    assert "Renditions: 0 built, 0 with new crops, 4 already current" in rebuild("--no-progress")


def test_rebuild_renditions_shows_a_progress_bar_and_a_summary(built):
    PhotoFactory(image=jpeg(300, 200))

    output = rebuild()

    assert "Renditions: 100%" in output
    assert "1/1" in output
    assert "Renditions: 1 built, 0 with new crops, 0 already current, 0 failed" in output


def test_rebuild_renditions_force_and_ids(built):
    first, second = built(image=jpeg(300, 200)), built(image=jpeg(300, 200))

    with mock.patch.object(
        rendition_module, "build_renditions", wraps=rendition_module.build_renditions
    ) as build:
        output = rebuild("--force", "--ids", str(second.pk), "9999", "--no-progress")

    assert [call.args[0].pk for call in build.call_args_list] == [second.pk]
    assert "No photo with id 9999." in output
    assert "1 built" in output and "1 of 1 photos" in output
    assert first.renditions == Photo.objects.get(pk=first.pk).renditions


def test_rebuild_renditions_remakes_crops_after_a_focal_point_change(built):
    photo = built(image=jpeg(300, 200))
    Photo.objects.filter(pk=photo.pk).update(focal_x=0.1)

    assert "1 with new crops" in rebuild("--no-progress")


def test_rebuild_renditions_reports_photos_it_cannot_read(built, storage):
    photo = PhotoFactory(image=jpeg(300, 200))
    storage.delete(photo.image.name)

    with pytest.raises(CommandError, match=rf"1 photo\(s\) could not be read.*{photo.pk}"):
        rebuild("--no-progress")


# The benchmark command ----------------------------------------------------------------------


def test_bench_photo_upload_prints_its_table_without_touching_data(storage):
    out = io.StringIO()
    call_command("bench_photo_upload", width=600, height=400, no_fork=True, stdout=out)

    table = out.getvalue()
    assert "0.2-megapixel JPEG (600 × 400)" in table
    for step in ("validate", "safe original", "renditions", "upload total"):
        assert re.search(rf"^{step} +\d+\.\d\d s ", table, re.MULTILINE), step
    assert not Photo.objects.exists()
    assert storage.listdir("") == ([], [])
