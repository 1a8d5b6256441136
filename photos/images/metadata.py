"""Agency metadata: caption, credit, by-line… from a file's XMP, IPTC-IIM and EXIF.

What AFP, Getty, Reuters or AP embed is read before the upload is re-encoded (which
drops it) and fills a photo's empty fields only: never what an editor typed.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

from PIL import ExifTags, Image, IptcImagePlugin

from .checks import DECODE_ERRORS, PhotoRecord

try:  # Pillow's own getxmp() needs defusedxml; without it we parse the packet ourselves.
    from defusedxml import ElementTree as XmlParser
except ImportError:  # pragma: no cover - depends on the environment
    XmlParser = ElementTree

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XMP_NAMESPACES = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
}
# What agencies (AFP, Getty, Reuters, AP) embed, as IPTC-IIM datasets and XMP properties.
IPTC_DATASETS = {
    "caption": (2, 120),
    "byline": (2, 80),
    "credit": (2, 110),
    "source": (2, 115),
    "copyright": (2, 116),
    "headline": (2, 105),
    "instructions": (2, 40),
    "keywords": (2, 25),
}
XMP_PROPERTIES = {
    "caption": ("dc", "description"),
    "byline": ("dc", "creator"),
    "credit": ("photoshop", "Credit"),
    "source": ("photoshop", "Source"),
    "copyright": ("dc", "rights"),
    "headline": ("photoshop", "Headline"),
    "instructions": ("photoshop", "Instructions"),
    "usage_terms": ("xmpRights", "UsageTerms"),
    "alt_text": ("Iptc4xmpCore", "AltTextAccessibility"),
    "keywords": ("dc", "subject"),
}
MAX_XMP_BYTES = 1024 * 1024
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Fields filled from the metadata, only where the editor left them empty.
PREFILLED_FIELDS = (
    "caption",
    "credit",
    "photographer",
    "agency",
    "source",
    "copyright",
    "usage_terms",
    "alt_text",
)


def _clean_text(value: str, *, multiline: bool = False) -> str:
    text = _CONTROL_CHARACTERS.sub("", value).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


def _decode(value: bytes | str) -> str:
    """Return IPTC/EXIF text decoded as UTF-8, else Windows-1252, else Latin-1 (any byte)."""
    if isinstance(value, str):
        return value
    for encoding in ("utf-8", "cp1252"):
        try:
            return value.decode(encoding)
        except UnicodeDecodeError:
            continue
    return value.decode("latin-1")


def read_iptc(image: Image.Image) -> dict[str, str | list[str]]:
    """Return the IPTC-IIM fields of a JPEG (caption, byline, credit…), decoded."""
    try:
        info = IptcImagePlugin.getiptcinfo(image) or {}
    except (*DECODE_ERRORS, IndexError, KeyError, TypeError):
        return {}
    values: dict[str, str | list[str]] = {}
    for key, dataset in IPTC_DATASETS.items():
        raw = info.get(dataset)
        if not raw:
            continue
        items = [
            _clean_text(_decode(item), multiline=key == "caption")
            for item in (raw if isinstance(raw, list) else [raw])
            if isinstance(item, bytes | str) and item
        ]
        items = [item for item in items if item]
        if not items:
            continue
        values[key] = items if key in ("keywords", "byline") else items[0]
    return values


def _xmp_text(element: ElementTree.Element) -> str:
    return "".join(element.itertext())


def _xmp_value(element: ElementTree.Element) -> str | list[str] | None:
    """Return the value of an XMP property element: a language alternative, a list or text."""
    alternatives = element.findall(f"{{{RDF}}}Alt/{{{RDF}}}li")
    if alternatives:
        for item in alternatives:
            if item.get(XML_LANG, "").lower() == "x-default":
                return _xmp_text(item)
        return _xmp_text(alternatives[0])
    items = element.findall(f"{{{RDF}}}Seq/{{{RDF}}}li") + element.findall(
        f"{{{RDF}}}Bag/{{{RDF}}}li"
    )
    if items:
        return [_xmp_text(item) for item in items]
    return _xmp_text(element)


def parse_xmp(packet: bytes | str | None) -> dict[str, str | list[str]]:
    """Return the agency fields of an XMP packet; {} when absent, too big or malformed.

    The packet must be UTF-8 (as XMP in JPEG, PNG and WebP is) and declare no DTD, so
    no entity can be declared, let alone expanded; it is then parsed with defusedxml
    when installed, else with the standard library.
    """
    if not packet:
        return {}
    if isinstance(packet, bytes | bytearray):
        if len(packet) > MAX_XMP_BYTES:
            return {}
        try:
            packet = bytes(packet).decode("utf-8")
        except UnicodeDecodeError:
            return {}
    text = packet.strip("\x00 \t\r\n")
    if not text or len(text) > MAX_XMP_BYTES or _DTD.search(text):
        return {}
    try:
        root = XmlParser.fromstring(text)
    except (ElementTree.ParseError, ValueError):  # defusedxml's refusals are ValueErrors
        return {}
    values: dict[str, str | list[str]] = {}
    for description in root.iter(f"{{{RDF}}}Description"):
        for key, (prefix, name) in XMP_PROPERTIES.items():
            if key in values:
                continue
            tag = f"{{{XMP_NAMESPACES[prefix]}}}{name}"
            value: str | list[str] | None = description.get(tag)
            if value is None and (element := description.find(tag)) is not None:
                value = _xmp_value(element)
            if isinstance(value, list):
                value = [text for item in value if (text := _clean_text(item))]
            elif value is not None:
                value = _clean_text(value, multiline=key == "caption")
            if value:
                values[key] = value
    return values


def read_exif_credits(image: Image.Image) -> dict[str, str]:
    """Return the camera's Artist and Copyright EXIF tags, the last resort for credits."""
    try:
        exif = image.getexif()
    except (*DECODE_ERRORS, KeyError, TypeError):
        return {}
    values = {}
    for key, tag in (("byline", ExifTags.Base.Artist), ("copyright", ExifTags.Base.Copyright)):
        raw = exif.get(tag)
        if isinstance(raw, bytes | str) and (text := _clean_text(_decode(raw))):
            values[key] = text
    return values


def credit_line(byline: str, credit: str) -> str:
    """Return the printed credit from the agency's by-line and credit line.

    "Jane Doe" + "AFP via Getty Images" → "Photo by Jane Doe/AFP via Getty Images", as
    agencies require it; a credit line that already names the photographer is kept as is.
    """
    if not credit:
        return ""
    if not byline or byline.casefold() in credit.casefold():
        return credit
    return f"Photo by {byline}/{credit}"


def read_metadata(image: Image.Image) -> dict[str, Any]:
    """Return the photo fields an agency embedded: XMP first, then IPTC-IIM, then EXIF.

    Keys are Photo field names (caption, credit, photographer, agency, source, copyright,
    usage_terms, alt_text) plus ``headline`` and ``keywords`` for information.
    """
    found: dict[str, Any] = {}
    for source in (parse_xmp(image.info.get("xmp")), read_iptc(image), read_exif_credits(image)):
        for key, value in source.items():
            found.setdefault(key, value)
    byline = found.get("byline", "")
    if isinstance(byline, list):
        byline = ", ".join(byline)
    keywords = found.get("keywords", [])
    if isinstance(keywords, str):
        keywords = [keywords]
    fields = {
        "caption": found.get("caption") or found.get("headline", ""),
        "credit": credit_line(byline, found.get("credit", "")),
        "photographer": byline,
        "agency": found.get("source", ""),
        "source": found.get("source", ""),
        "copyright": found.get("copyright", ""),
        "usage_terms": found.get("usage_terms") or found.get("instructions", ""),
        "alt_text": found.get("alt_text", ""),
        "headline": found.get("headline", ""),
        "keywords": keywords,
    }
    return {key: value for key, value in fields.items() if value}


def apply_metadata(photo: PhotoRecord, metadata: dict[str, Any]) -> list[str]:
    """Fill the photo's empty fields from ``metadata``; return the names of the fields set.

    Never overwrites what an editor typed; values are cut to the field's max_length.
    """
    changed = []
    for name in PREFILLED_FIELDS:
        value = metadata.get(name)
        if not isinstance(value, str) or not value or (getattr(photo, name) or "").strip():
            continue
        max_length = photo._meta.get_field(name).max_length
        if max_length and len(value) > max_length:
            value = value[: max_length - 1].rstrip() + "…"
        setattr(photo, name, value)
        changed.append(name)
    return changed
