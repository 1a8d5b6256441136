"""Upload validation (photos/images/checks.py) against a corpus of good, fake and hostile files."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, PngImagePlugin

from photos.images import checks, format_names, prepare_upload, validate_image_file
from photos.models import Photo
from tests.factories import PhotoFactory, image_bytes

HTML_PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"
NOT_ONE_OF_THEM = f"Upload a {format_names()} image; this file is not one of them."
needs_avif = pytest.mark.skipif(not checks.AVIF_SUPPORTED, reason="Pillow without AVIF")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """Return a tiny PNG whose header claims ``width`` × ``height`` RGB pixels."""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def encoded(fmt: str, mode: str = "RGB", size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "#3366aa" if mode == "RGB" else 1).save(buffer, fmt)
    return buffer.getvalue()


def animated_gif() -> bytes:
    frames = [Image.new("P", (40, 30), i) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def refusal(data: bytes, name: str = "photo.jpg") -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_image_file(upload(data, name))
    return caught.value


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.jpg", image_bytes(fmt="JPEG")),
        ("photo.png", image_bytes(fmt="PNG")),
        ("photo.png", encoded("PNG", mode="RGBA")),
        ("photo.webp", image_bytes(fmt="WEBP")),
        ("photo.gif", image_bytes(fmt="GIF")),
        ("animation.gif", animated_gif()),
        ("misnamed.jpg", image_bytes(fmt="PNG")),  # the content decides, not the name
    ],
)
def test_valid_images_are_accepted(name, data):
    file = upload(data, name)
    validate_image_file(file)
    assert file.tell() == 0


def test_jpeg_with_html_appended_is_accepted_as_the_complete_jpeg_it_is():
    """Trailing bytes never run: the file starts as a JPEG and is served as image/jpeg."""
    validate_image_file(upload(image_bytes(fmt="JPEG") + HTML_PAYLOAD))


def test_the_file_position_is_restored():
    file = upload(image_bytes(fmt="PNG"), "photo.png")
    file.seek(10)
    validate_image_file(file)
    assert file.tell() == 10


def test_empty_file_is_refused():
    error = refusal(b"")
    assert error.code == "empty"
    assert error.messages == ["The file is empty."]


NOT_AN_ALLOWED_IMAGE = [
    pytest.param(b"<script>alert(1)</script>", id="script-renamed-jpg"),
    pytest.param(b"#!/bin/sh\nrm -rf /\n", id="shell-script"),
    pytest.param(b"Just some text, not an image at all.\n" * 20, id="text"),
    pytest.param(
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<rect width='10' height='10'/></svg>",
        id="svg",
    ),
    pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + HTML_PAYLOAD, id="html-jpeg-polyglot"),
    pytest.param(b"GIF89a" + HTML_PAYLOAD, id="html-gif-polyglot"),
    pytest.param(b"%PDF-1.4\n1 0 obj<<>>endobj\n", id="pdf"),
    pytest.param(encoded("BMP"), id="bmp"),
    pytest.param(encoded("TIFF"), id="tiff"),
    pytest.param(encoded("ICO"), id="ico"),
    pytest.param(encoded("EPS"), id="eps"),
    pytest.param(encoded("PPM"), id="ppm"),
    pytest.param(encoded("TGA"), id="tga"),
    pytest.param(image_bytes(fmt="JPEG")[:20], id="jpeg-header-only"),
    pytest.param(b"\x89PNG\r\n\x1a\n", id="png-signature-only"),
]


@pytest.mark.parametrize("data", NOT_AN_ALLOWED_IMAGE)
def test_files_that_are_not_jpeg_png_webp_gif_or_avif_are_refused(data):
    error = refusal(data)
    assert error.code == "invalid_format"
    assert error.messages == [NOT_ONE_OF_THEM]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_image_is_refused(fmt):
    data = encoded(fmt, size=(400, 300)) if fmt != "JPEG" else _noisy_jpeg()
    error = refusal(data[: len(data) // 2])
    assert error.code == "corrupt"
    assert error.messages == ["This image is damaged or incomplete and cannot be read."]


def _noisy_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 64).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_decompression_bomb_is_refused_from_its_header():
    data = png_declaring(30_000, 30_000)  # 900 megapixels in 80 bytes
    assert len(data) < 100
    error = refusal(data, "bomb.png")
    assert error.code == "too_many_pixels"
    assert error.messages == [
        "This image has far too many pixels to be processed safely; the limit is 60 megapixels."
    ]


def test_bomb_made_by_pillow_is_refused():
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")  # 400 MP, a few dozen kB
    assert buffer.tell() < 200_000
    assert refusal(buffer.getvalue(), "bomb.png").code == "too_many_pixels"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_over_pillow_warning_threshold_is_refused_before_decoding():
    error = refusal(png_declaring(10_000, 10_000), "big.png")  # 100 MP: Pillow only warns
    assert error.code == "too_many_pixels"
    assert "10000 × 10000 pixels (100 megapixels)" in error.messages[0]


def test_image_over_our_pixel_limit_is_refused_with_its_size(settings):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    error = refusal(png_declaring(2_000, 1_000), "wide.png")
    assert error.code == "too_many_pixels"
    assert error.messages == [
        "This image is 2000 × 1000 pixels (2 megapixels); the limit is 1 megapixels."
    ]


def test_file_over_the_byte_limit_is_refused(settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 1024
    data = _noisy_jpeg()
    assert len(data) > 1024
    error = refusal(data)
    assert error.code == "too_large"
    assert error.messages[0].startswith("This file is ")
    assert error.messages[0].endswith("the limit is 1.0\xa0KB.")


def test_file_at_the_byte_limit_is_accepted(settings):
    data = image_bytes(fmt="PNG")
    settings.PHOTO_MAX_UPLOAD_BYTES = len(data)
    validate_image_file(upload(data, "photo.png"))


def test_photo_form_validation_refuses_a_fake_image_with_a_message(db):
    photo = PhotoFactory.build(image=ContentFile(b"<script>alert(1)</script>", name="fake.jpg"))
    with pytest.raises(ValidationError) as caught:
        photo.full_clean()
    assert caught.value.message_dict["image"] == [NOT_ONE_OF_THEM]


def test_photo_with_a_wrong_extension_is_refused(db):
    photo = PhotoFactory.build(image=ContentFile(image_bytes(fmt="PNG"), name="photo.bmp"))
    with pytest.raises(ValidationError) as caught:
        photo.full_clean()
    assert "image" in caught.value.message_dict


def test_stored_photo_missing_from_storage_gives_a_message_not_a_crash(db):
    photo = PhotoFactory()
    photo.image.storage.delete(photo.image.name)
    with pytest.raises(ValidationError) as caught:
        photo.full_clean()
    assert caught.value.message_dict["image"] == [
        "The image file is missing from storage; upload it again."
    ]


# Safe originals: every upload is re-encoded upright, without any metadata -----------------

GPS_LATITUDE = (50.0, 27.0, 1.5)


def camera_exif(orientation: int = 1) -> Image.Exif:
    """Return EXIF as a phone writes it: orientation, artist and the GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Phone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (30.0, 31.0, 27.2)
    return exif


def left_red_right_blue(size=(60, 40)) -> Image.Image:
    image = Image.new("RGB", size, "red")
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return image


def phone_jpeg(orientation: int = 1, size=(60, 40), **options) -> bytes:
    """Return a JPEG as a phone saves it: EXIF with GPS and an orientation, a comment."""
    buffer = io.BytesIO()
    left_red_right_blue(size).save(
        buffer, "JPEG", quality=95, exif=camera_exif(orientation), comment=b"shot at home"
    )
    return buffer.getvalue()


def jpeg_segment(marker: bytes, payload: bytes) -> bytes:
    return marker + struct.pack(">H", len(payload) + 2) + payload


def with_segments(jpeg: bytes, *segments: bytes) -> bytes:
    """Return ``jpeg`` with application segments inserted right after its SOI marker."""
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def iptc_segment(datasets: dict[tuple[int, int], bytes | list[bytes]]) -> bytes:
    """Return an APP13 segment: a Photoshop 8BIM 0x0404 resource holding IPTC-IIM datasets."""
    records = b""
    for (record, number), values in datasets.items():
        for value in values if isinstance(values, list) else [values]:
            records += b"\x1c" + bytes((record, number)) + struct.pack(">H", len(value)) + value
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(records))
    resource += records + (b"\x00" if len(records) % 2 else b"")
    return jpeg_segment(b"\xff\xed", b"Photoshop 3.0\x00" + resource)


def xmp_segment(packet: bytes | str) -> bytes:
    """Return an APP1 segment holding an XMP packet, as Adobe software writes it."""
    data = packet.encode() if isinstance(packet, str) else packet
    return jpeg_segment(b"\xff\xe1", b"http://ns.adobe.com/xap/1.0/\x00" + data)


XMP_WITH_GPS = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    'exif:GPSLatitude="50,27.025N" exif:GPSLongitude="30,31.453E"/>'
    '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def assert_no_metadata(data: bytes) -> None:
    """Assert a stored file carries no EXIF (so no GPS), XMP, IPTC, comment or stray segment."""
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        for key in ("exif", "xmp", "photoshop", "comment", "XML:com.adobe.xmp", "extension"):
            assert key not in image.info, key
        if image.format == "JPEG":
            assert [marker for marker, _ in image.applist] == ["APP0"]
    for secret in (b"GPS", b"shot at home", b"xap/1.0", b"Photoshop 3.0", b"8BIM", b"50,27"):
        assert secret not in data


def test_exif_orientation_is_applied():
    content, _ = prepare_upload(upload(phone_jpeg(orientation=6)))  # camera held upright

    with Image.open(content) as image:
        assert image.size == (40, 60)
        # Orientation 6 means "turn 90° clockwise": the left (red) half is now on top.
        assert image.getpixel((20, 5))[0] > 200
        assert image.getpixel((20, 55))[2] > 200
        assert "exif" not in image.info


def test_every_metadata_block_is_left_behind():
    iptc = iptc_segment({(2, 120): b"Secret caption", (2, 92): b"Home street"})
    data = with_segments(phone_jpeg(), iptc, xmp_segment(XMP_WITH_GPS))
    with Image.open(io.BytesIO(data)) as image:  # the upload does carry all of it
        assert {"exif", "xmp", "photoshop", "comment"} <= set(image.info)

    content, _ = prepare_upload(upload(data))

    assert_no_metadata(content.read())
    assert b"Home street" not in content.read()


@pytest.mark.django_db
def test_width_and_height_follow_the_upright_picture():
    photo = PhotoFactory(image=upload(phone_jpeg(orientation=8, size=(300, 100))))

    assert (photo.width, photo.height) == (100, 300)
    with photo.image.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (100, 300)


@pytest.mark.parametrize(
    ("fmt", "mode", "extension"),
    [("PNG", "RGBA", "png"), ("WEBP", "RGB", "webp"), ("GIF", "P", "gif"), ("JPEG", "L", "jpg")],
)
def test_png_webp_gif_and_jpeg_keep_their_format_without_metadata(fmt, mode, extension):
    buffer = io.BytesIO()
    picture = Image.new(mode, (30, 20), 120 if mode in ("L", "P") else (10, 200, 30))
    options = {"exif": camera_exif()} if fmt != "GIF" else {"comment": b"shot at home"}
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "shot at home")
        text.add_itxt("XML:com.adobe.xmp", XMP_WITH_GPS)
        options["pnginfo"] = text
    if fmt == "WEBP":
        options["xmp"] = XMP_WITH_GPS.encode()
    picture.save(buffer, fmt, **options)

    content, _ = prepare_upload(upload(buffer.getvalue(), f"picture.{extension}"))

    assert content.name == f"picture.{extension}"
    data = content.read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == fmt
        assert image.mode == mode
        assert image.size == (30, 20)
    assert_no_metadata(data)


def test_transparent_png_keeps_its_transparency():
    buffer = io.BytesIO()
    Image.new("RGBA", (10, 10), (255, 0, 0, 0)).save(buffer, "PNG")

    content, _ = prepare_upload(upload(buffer.getvalue(), "clear.png"))

    with Image.open(content) as image:
        assert image.getpixel((5, 5))[3] == 0


def test_misnamed_file_is_stored_with_the_extension_of_its_format():
    content, _ = prepare_upload(upload(image_bytes(fmt="PNG"), "holiday.JPEG"))
    assert content.name == "holiday.png"


def test_bytes_after_the_image_are_not_stored():
    content, _ = prepare_upload(upload(image_bytes(fmt="JPEG") + HTML_PAYLOAD))
    assert b"<script>" not in content.read()


def coloured_animation(comment: bytes = b"") -> bytes:
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "lime", "blue")]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=0,
        comment=comment,
    )
    return buffer.getvalue()


def test_animated_gif_keeps_its_frames_and_timing():
    content, _ = prepare_upload(upload(coloured_animation(b"shot at home"), "loop.gif"))

    data = content.read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "GIF"
        assert image.n_frames == 3
        durations = []
        for frame in range(3):
            image.seek(frame)
            durations.append(image.info["duration"])
            assert "comment" not in image.info
        assert durations == [100, 200, 300]
        image.seek(2)
        assert image.convert("RGB").getpixel((20, 15)) == (0, 0, 255)
    assert b"shot at home" not in data


def test_animation_too_big_to_re_encode_safely_keeps_its_first_frame(settings):
    settings.PHOTO_MAX_PIXELS = 4 * 40 * 30  # one frame fits, the three do not

    content, _ = prepare_upload(upload(coloured_animation(), "loop.gif"))

    with Image.open(content) as image:
        assert getattr(image, "n_frames", 1) == 1
        assert image.convert("RGB").getpixel((20, 15)) == (255, 0, 0)


def test_cmyk_jpeg_is_stored_as_rgb():
    buffer = io.BytesIO()
    Image.new("CMYK", (20, 20), (0, 255, 255, 0)).save(buffer, "JPEG")

    content, _ = prepare_upload(upload(buffer.getvalue()))

    with Image.open(content) as image:
        assert image.mode == "RGB"
        red, green, blue = image.getpixel((10, 10))
        assert red > 200 and green < 60 and blue < 60


def test_prepare_upload_refuses_what_validation_refuses():
    with pytest.raises(ValidationError) as caught:
        prepare_upload(upload(b"<script>alert(1)</script>"))
    assert caught.value.code == "invalid_format"


@pytest.fixture
def memory_storage(settings):
    """Store media in memory: any code using a filesystem path instead of storage fails."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return default_storage


@pytest.mark.django_db
def test_a_photo_saved_with_a_fake_file_is_refused_before_anything_is_stored(memory_storage):
    photo = PhotoFactory.build(image=ContentFile(b"<script>alert(1)</script>", name="x.jpg"))

    with pytest.raises(ValidationError):
        photo.save()

    assert not Photo.objects.exists()
    assert memory_storage.listdir("") == ([], [])


@pytest.mark.django_db
def test_a_file_stored_by_other_code_is_cleaned_when_the_photo_is_saved(memory_storage):
    photo = PhotoFactory.build(image=None)
    photo.image.save("phone.jpg", ContentFile(phone_jpeg(orientation=6)), save=False)
    first_name = photo.image.name

    photo.save()

    stored = photo.image.storage
    with stored.open(photo.image.name, "rb") as file:
        assert_no_metadata(file.read())
    assert (photo.width, photo.height) == (40, 60)
    assert photo.image.name != first_name
    assert not stored.exists(first_name)
    assert Photo.objects.get().image.name == photo.image.name


@pytest.mark.django_db
def test_a_clean_file_stored_by_other_code_is_left_as_it_is(memory_storage):
    data = image_bytes(fmt="JPEG")
    photo = PhotoFactory.build(image=None)
    photo.image.save("drawn.jpg", ContentFile(data), save=False)
    name = photo.image.name

    photo.save()

    assert photo.image.name == name
    with photo.image.open("rb") as file:
        assert file.read() == data


# AVIF, where Pillow supports it: accepted by content, stored as JPEG (PNG if translucent) --


def phone_avif(orientation: int = 1, size=(60, 40), mode: str = "RGB") -> bytes:
    """Return an AVIF carrying EXIF with GPS, an orientation and an XMP packet with GPS."""
    buffer = io.BytesIO()
    picture = left_red_right_blue(size)
    if mode == "RGBA":
        picture.putalpha(Image.linear_gradient("L").resize(size))  # clear at the top
    picture.save(
        buffer, "AVIF", quality=90, exif=camera_exif(orientation), xmp=XMP_WITH_GPS.encode()
    )
    return buffer.getvalue()


def avif_header() -> bytes:
    """Return the start of an AVIF file (its ``ftyp`` box) followed by HTML: not an image."""
    return struct.pack(">I", 28) + b"ftypavif" + b"\x00" * 4 + b"avifmif1miaf" + HTML_PAYLOAD


def test_format_names_follow_what_pillow_supports(monkeypatch):
    assert format_names() == (
        "JPEG, PNG, WebP, GIF or AVIF" if checks.AVIF_SUPPORTED else "JPEG, PNG, WebP or GIF"
    )
    monkeypatch.setattr(checks, "ALLOWED_FORMATS", ("JPEG", "PNG", "WEBP", "GIF"))
    assert format_names() == "JPEG, PNG, WebP or GIF"


def test_the_model_accepts_the_avif_extension_on_every_machine():
    """The validator is part of the migration state: it may not depend on the machine."""
    validator = Photo._meta.get_field("image").validators[0]
    assert tuple(validator.allowed_extensions) == checks.KNOWN_EXTENSIONS
    assert "avif" in checks.KNOWN_EXTENSIONS
    assert ("avif" in checks.ALLOWED_EXTENSIONS) is checks.AVIF_SUPPORTED


@needs_avif
def test_avif_is_accepted_by_its_content():
    validate_image_file(upload(phone_avif(), "photo.avif"))
    validate_image_file(upload(phone_avif(), "misnamed.jpg"))


@needs_avif
@pytest.mark.django_db
def test_avif_upload_is_stored_upright_as_jpeg_without_exif_or_gps(memory_storage):
    data = phone_avif(orientation=6)
    with Image.open(io.BytesIO(data)) as image:  # the upload does carry all of it
        assert image.format == "AVIF"
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert {"exif", "xmp"} <= set(image.info)
    photo = PhotoFactory.build(image=upload(data, "Phone Shot.avif"))
    photo.full_clean()

    photo.save()

    assert photo.image.name.endswith("/Phone_Shot.jpg")
    assert (photo.width, photo.height) == (40, 60)
    with photo.image.open("rb") as stored:
        stored_data = stored.read()
    assert_no_metadata(stored_data)
    with Image.open(io.BytesIO(stored_data)) as image:
        assert image.format == "JPEG"
        assert image.size == (40, 60)
        assert image.getpixel((20, 5))[0] > 200  # orientation 6 applied: red on top
        assert image.getpixel((20, 55))[2] > 200


@needs_avif
def test_translucent_avif_is_stored_as_png_keeping_its_transparency():
    content, _ = prepare_upload(upload(phone_avif(mode="RGBA"), "cut-out.avif"))

    assert content.name == "cut-out.png"
    data = content.read()
    assert_no_metadata(data)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.mode == "RGBA"
        assert image.getpixel((10, 0))[3] < 10 and image.getpixel((10, 39))[3] > 240


@needs_avif
def test_opaque_avif_with_an_alpha_channel_is_stored_as_jpeg():
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 20), (10, 200, 30, 255)).save(buffer, "AVIF")

    content, _ = prepare_upload(upload(buffer.getvalue(), "flat.avif"))

    assert content.name == "flat.jpg"
    with Image.open(content) as image:
        assert image.mode == "RGB"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"<script>alert(1)</script>", id="script"),
        pytest.param(avif_header(), id="avif-header-then-html"),
        pytest.param(encoded("BMP"), id="bmp"),
    ],
)
def test_a_file_named_avif_that_is_not_one_is_refused(data):
    photo = PhotoFactory.build(image=ContentFile(data, name="photo.avif"))

    with pytest.raises(ValidationError) as caught:
        photo.full_clean()

    assert list(caught.value.message_dict) == ["image"]
    if checks.AVIF_SUPPORTED:
        assert caught.value.error_dict["image"][0].code in ("invalid_format", "corrupt")


@needs_avif
def test_truncated_avif_is_refused_as_damaged():
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 64).convert("RGB").save(buffer, "AVIF")
    data = buffer.getvalue()

    error = refusal(data[: len(data) // 2], "cut.avif")

    assert error.code == "corrupt"


@needs_avif
def test_avif_over_the_pixel_limit_is_refused_before_decoding(settings):
    settings.PHOTO_MAX_PIXELS = 1000

    error = refusal(phone_avif(), "big.avif")

    assert error.code == "too_many_pixels"
    assert "60 × 40 pixels" in error.messages[0]


def test_without_avif_support_an_avif_is_refused_saying_so(monkeypatch):
    monkeypatch.setattr(checks, "ALLOWED_FORMATS", ("JPEG", "PNG", "WEBP", "GIF"))

    error = refusal(avif_header(), "photo.avif")

    assert error.code == "unsupported_format"
    assert error.messages == [
        "AVIF images cannot be read on this server; upload a JPEG, PNG, WebP or GIF image."
    ]
