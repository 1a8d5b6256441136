"""Agency metadata (IPTC-IIM, XMP, EXIF) prefills a photo's empty fields; the file keeps none."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image, PngImagePlugin

from photos.images import credit_line, parse_xmp, read_metadata
from photos.models import Photo
from tests.factories import PhotoFactory, image_bytes
from tests.test_images import (
    assert_no_metadata,
    camera_exif,
    iptc_segment,
    jpeg_segment,
    phone_jpeg,
    with_segments,
    xmp_segment,
)

pytestmark = pytest.mark.django_db

AFP_IPTC = {
    (1, 90): b"\x1b%G",  # UTF-8
    (2, 5): b"UKRAINE-RUSSIA-WAR",
    (2, 105): b"Rescuers at work in Kyiv",
    (2, 120): "Rescuers search the rubble of a building in Kyiv — December 23, 2024.".encode(),
    (2, 80): b"GENYA SAVILOV",
    (2, 110): b"AFP via Getty Images",
    (2, 115): b"AFP",
    (2, 116): "© AFP or licensors".encode(),
    (2, 40): b"EDITORIAL USE ONLY",
    (2, 25): [b"war", b"Kyiv"],
}


def xmp_packet(description_attributes: str = "", properties: str = "") -> str:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
        'xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/" '
        'xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/" '
        'xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        f'exif:GPSLatitude="50,27.025N" {description_attributes}>'
        f"{properties}"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )


REUTERS_XMP = xmp_packet(
    'photoshop:Credit="REUTERS" photoshop:Source="Reuters"',
    "<dc:description><rdf:Alt>"
    '<rdf:li xml:lang="uk">Рятувальники у Києві</rdf:li>'
    '<rdf:li xml:lang="x-default">Rescuers in Kyiv, Ukraine.</rdf:li>'
    "</rdf:Alt></dc:description>"
    "<dc:creator><rdf:Seq><rdf:li>Valentyn Ogirenko</rdf:li></rdf:Seq></dc:creator>"
    '<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">© Reuters 2024</rdf:li></rdf:Alt>'
    "</dc:rights>"
    '<xmpRights:UsageTerms><rdf:Alt><rdf:li xml:lang="x-default">Editorial use only'
    "</rdf:li></rdf:Alt></xmpRights:UsageTerms>"
    '<Iptc4xmpCore:AltTextAccessibility><rdf:Alt><rdf:li xml:lang="x-default">Two rescuers'
    " carry a stretcher over rubble</rdf:li></rdf:Alt></Iptc4xmpCore:AltTextAccessibility>"
    "<dc:subject><rdf:Bag><rdf:li>war</rdf:li><rdf:li>Kyiv</rdf:li></rdf:Bag></dc:subject>",
)


def agency_jpeg(iptc=None, xmp=None, **options) -> bytes:
    segments = []
    if iptc is not None:
        segments.append(iptc_segment(iptc))
    if xmp is not None:
        segments.append(xmp_segment(xmp))
    return with_segments(phone_jpeg(**options), *segments)


def upload(data: bytes, name: str = "agency.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def metadata_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return read_metadata(image)


def blank_photo(**fields) -> Photo:
    """Return a saved photo made from an upload, with the text fields as an editor left them."""
    values = dict.fromkeys(
        ("caption", "credit", "photographer", "agency", "source", "copyright", "usage_terms"), ""
    )
    values.update(fields)
    return PhotoFactory(**values)


@pytest.fixture(autouse=True)
def memory_storage(settings):
    """Store media in memory: any code using a filesystem path instead of storage fails."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return default_storage


def test_iptc_caption_and_credit_prefill_empty_fields():
    photo = blank_photo(image=upload(agency_jpeg(iptc=AFP_IPTC)))

    photo.refresh_from_db()
    assert photo.caption == (
        "Rescuers search the rubble of a building in Kyiv — December 23, 2024."
    )
    assert photo.credit == "Photo by GENYA SAVILOV/AFP via Getty Images"
    assert photo.photographer == "GENYA SAVILOV"
    assert photo.source == "AFP"
    assert photo.agency == "AFP"
    assert photo.copyright == "© AFP or licensors"
    assert photo.usage_terms == "EDITORIAL USE ONLY"


def test_prefill_never_overwrites_typed_credit():
    photo = blank_photo(
        image=upload(agency_jpeg(iptc=AFP_IPTC)),
        credit="Photo: Genya Savilov/AFP",
        caption="The caption the editor wrote.",
        agency="Getty Images",
    )

    photo.refresh_from_db()
    assert photo.credit == "Photo: Genya Savilov/AFP"
    assert photo.caption == "The caption the editor wrote."
    assert photo.agency == "Getty Images"
    assert photo.photographer == "GENYA SAVILOV"  # empty, so filled


def test_whitespace_only_fields_count_as_empty():
    photo = blank_photo(image=upload(agency_jpeg(iptc=AFP_IPTC)), credit="   ")
    assert photo.credit == "Photo by GENYA SAVILOV/AFP via Getty Images"


def test_xmp_fields_prefill_empty_fields():
    photo = blank_photo(image=upload(agency_jpeg(xmp=REUTERS_XMP)), alt_text="")

    photo.refresh_from_db()
    assert photo.caption == "Rescuers in Kyiv, Ukraine."  # the x-default language
    assert photo.photographer == "Valentyn Ogirenko"
    assert photo.credit == "Photo by Valentyn Ogirenko/REUTERS"
    assert photo.source == photo.agency == "Reuters"
    assert photo.copyright == "© Reuters 2024"
    assert photo.usage_terms == "Editorial use only"
    assert photo.alt_text == "Two rescuers carry a stretcher over rubble"


def test_xmp_is_preferred_to_iptc_and_iptc_fills_the_gaps():
    xmp = xmp_packet('photoshop:Credit="REUTERS"')
    metadata = metadata_of(agency_jpeg(iptc=AFP_IPTC, xmp=xmp))

    assert metadata["credit"] == "Photo by GENYA SAVILOV/REUTERS"
    assert metadata["caption"].startswith("Rescuers search the rubble")
    assert metadata["keywords"] == ["war", "Kyiv"]
    assert metadata["headline"] == "Rescuers at work in Kyiv"


def test_gps_is_stripped_from_the_stored_original():
    data = agency_jpeg(iptc=AFP_IPTC, xmp=REUTERS_XMP, orientation=6)
    with Image.open(io.BytesIO(data)) as image:  # the agency file does carry a position
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    photo = blank_photo(image=upload(data))

    stored = Photo.objects.get(pk=photo.pk).image
    with stored.open("rb") as file:
        kept = file.read()
    assert_no_metadata(kept)
    with Image.open(io.BytesIO(kept)) as image:
        assert image.size == (40, 60)  # upright
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "xmp" not in image.info
    assert photo.caption  # what it said was read before it was dropped


def test_headline_is_the_caption_when_there_is_no_caption():
    iptc = {(2, 105): b"Rescuers at work in Kyiv", (2, 80): b"JANE DOE"}
    assert metadata_of(agency_jpeg(iptc=iptc))["caption"] == "Rescuers at work in Kyiv"


def test_a_by_line_without_a_credit_line_leaves_the_credit_to_the_desk():
    metadata = metadata_of(agency_jpeg(iptc={(2, 80): b"JANE DOE"}))
    assert metadata["photographer"] == "JANE DOE"
    assert "credit" not in metadata


@pytest.mark.parametrize(
    ("byline", "credit", "expected"),
    [
        ("Jane Doe", "AFP via Getty Images", "Photo by Jane Doe/AFP via Getty Images"),
        ("JANE DOE", "Jane Doe/Reuters", "Jane Doe/Reuters"),  # already names her
        ("", "AP", "AP"),
        ("Jane Doe", "", ""),
    ],
)
def test_credit_line_joins_the_by_line_and_the_agency_credit(byline, credit, expected):
    assert credit_line(byline, credit) == expected


def test_legacy_latin_1_iptc_text_is_decoded():
    iptc = {(2, 120): "Café on Khreshchatyk".encode("latin-1"), (2, 110): b"AP"}
    assert metadata_of(agency_jpeg(iptc=iptc))["caption"] == "Café on Khreshchatyk"


def test_windows_1252_quotes_are_decoded():
    iptc = {(2, 120): "“Quoted” words".encode("cp1252"), (2, 110): b"AP"}
    assert metadata_of(agency_jpeg(iptc=iptc))["caption"] == "“Quoted” words"


def test_repeated_by_lines_are_joined():
    iptc = {(2, 80): [b"Jane Doe", b"John Roe"], (2, 110): b"AP"}
    metadata = metadata_of(agency_jpeg(iptc=iptc))
    assert metadata["photographer"] == "Jane Doe, John Roe"


def test_control_characters_and_extra_spaces_are_removed():
    iptc = {(2, 110): b"  AFP\x00 via\t Getty   Images \x07", (2, 120): b"Line one\r\nLine two"}
    metadata = metadata_of(agency_jpeg(iptc=iptc))
    assert metadata["credit"] == "AFP via Getty Images"
    assert metadata["caption"] == "Line one\nLine two"


def test_long_values_are_cut_to_the_field_length():
    long_credit = ("AFP via Getty Images " * 20).encode()
    photo = blank_photo(image=upload(agency_jpeg(iptc={(2, 110): long_credit})))

    photo.full_clean()
    assert len(photo.credit) == Photo._meta.get_field("credit").max_length
    assert photo.credit.endswith("…")


def test_exif_artist_and_copyright_are_the_last_resort():
    exif = camera_exif()
    exif[ExifTags.Base.Artist] = "Staff Photographer"
    exif[ExifTags.Base.Copyright] = "The Newsroom"
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "JPEG", exif=exif)

    metadata = metadata_of(buffer.getvalue())

    assert metadata["photographer"] == "Staff Photographer"
    assert metadata["copyright"] == "The Newsroom"


MALFORMED_XMP = [
    pytest.param(b"not xml at all", id="not-xml"),
    pytest.param(REUTERS_XMP[: len(REUTERS_XMP) // 2].encode(), id="truncated"),
    pytest.param(b"<x:xmpmeta><rdf:RDF></x:xmpmeta>", id="unbalanced"),
    pytest.param(b"<a xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:rights/></a>", id="no-rdf"),
    pytest.param(
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>&lol2;</x:xmpmeta>",
        id="entity-expansion",
    ),
    pytest.param(
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        id="external-entity",
    ),
    pytest.param(b"\x00" * 64, id="padding-only"),
    pytest.param(
        "<?xml version='1.0' encoding='UTF-16'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>".encode(
            "utf-16"
        ),
        id="utf-16-with-dtd",
    ),
]


@pytest.mark.parametrize("packet", MALFORMED_XMP)
def test_malformed_xmp_is_ignored_without_crashing(packet):
    assert parse_xmp(packet) == {}
    data = agency_jpeg(iptc={(2, 110): b"AP"}, xmp=packet)

    photo = blank_photo(image=upload(data))

    assert photo.credit == "AP"  # the IPTC is still read
    with photo.image.open("rb") as file:
        assert_no_metadata(file.read())


@pytest.mark.parametrize(
    "resource",
    [
        pytest.param(b"8BIM\x04\x04\x00\x00\x00\x00\x00\x10\x1c\x02", id="cut-short"),
        pytest.param(b"8BIM\x04\x04\x00\x00\x00\x00\x00\x05\xff\x02x\x00\x01", id="bad-tag"),
        pytest.param(b"8BIM\x04\x04\x00\x00\x00\x00\x00\x05\x1c\x02x\x90\x00", id="bad-length"),
    ],
)
def test_malformed_iptc_is_ignored_without_crashing(resource):
    data = with_segments(phone_jpeg(), jpeg_segment(b"\xff\xed", b"Photoshop 3.0\x00" + resource))

    photo = blank_photo(image=upload(data))

    assert photo.credit == ""
    with photo.image.open("rb") as file:
        assert_no_metadata(file.read())


def test_png_and_webp_xmp_is_read_too():
    text = PngImagePlugin.PngInfo()
    text.add_itxt("XML:com.adobe.xmp", REUTERS_XMP)
    options = {"PNG": {"pnginfo": text}, "WEBP": {"xmp": REUTERS_XMP.encode()}}
    for fmt, name in (("PNG", "agency.png"), ("WEBP", "agency.webp")):
        buffer = io.BytesIO()
        Image.new("RGB", (20, 20)).save(buffer, fmt, **options[fmt])
        photo = blank_photo(image=upload(buffer.getvalue(), name))
        assert photo.credit == "Photo by Valentyn Ogirenko/REUTERS", fmt
        with photo.image.open("rb") as file:
            assert_no_metadata(file.read())


def test_a_file_without_metadata_prefills_nothing():
    photo = blank_photo(image=upload(image_bytes()))
    assert (photo.caption, photo.credit, photo.photographer) == ("", "", "")


def test_replacing_the_file_prefills_only_what_is_still_empty():
    photo = blank_photo(image=upload(image_bytes()), credit="Photo by Staff")
    photo.image = upload(agency_jpeg(iptc=AFP_IPTC))

    photo.save()

    photo.refresh_from_db()
    assert photo.credit == "Photo by Staff"
    assert photo.caption.startswith("Rescuers search the rubble")


def test_admin_upload_prefills_the_empty_fields_and_keeps_what_was_typed(admin_client):
    data = {
        "image": upload(agency_jpeg(iptc=AFP_IPTC, xmp=REUTERS_XMP)),
        "alt_text": "Rescuers carry a stretcher",
        "caption": "",
        "credit": "Photo by Genya Savilov/AFP via Getty Images",
        "focal_x": "0.5",
        "focal_y": "0.5",
        "_save": "Save",
    }

    response = admin_client.post(reverse("admin:photos_photo_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    photo = Photo.objects.get()
    assert photo.credit == "Photo by Genya Savilov/AFP via Getty Images"
    assert photo.caption == "Rescuers in Kyiv, Ukraine."
    assert photo.alt_text == "Rescuers carry a stretcher"
    with photo.image.open("rb") as file:
        assert_no_metadata(file.read())
