"""Upload validation (articles/images.py) against a corpus of good, fake and hostile files."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.images import validate_image_file
from tests.factories import PhotoFactory, image_bytes

HTML_PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"


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
def test_files_that_are_not_jpeg_png_webp_or_gif_are_refused(data):
    error = refusal(data)
    assert error.code == "invalid_format"
    assert error.messages == [
        "Upload a JPEG, PNG, WebP or GIF image; this file is not one of them."
    ]


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
    assert caught.value.message_dict["image"] == [
        "Upload a JPEG, PNG, WebP or GIF image; this file is not one of them."
    ]


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
