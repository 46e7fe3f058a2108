"""The XML documents of the OpenRosa APIs: form list, manifest and the response envelope.

Specifications: https://docs.getodk.org/openrosa-form-list/ and
https://docs.getodk.org/openrosa-http/ (the ``OpenRosaResponse`` envelope).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring

from tigapilar.reports.channels.odk.form import OdkForm

XFORMS_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
RESPONSE_NS = "http://openrosa.org/http/response"
DESCRIPTION = "Laporan deteksi dini potensi gangguan pemilu dari desa/kelurahan."


def md5_hash(data: bytes) -> str:
    return "md5:" + hashlib.md5(data, usedforsecurity=False).hexdigest()


def _document(root: Element) -> bytes:
    document: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def _child(parent: Element, tag: str, text: str) -> None:
    SubElement(parent, tag).text = text


def form_list(forms: list[tuple[OdkForm, str, str]]) -> bytes:
    """``<xforms>`` for (form, download URL, manifest URL) triples."""
    root = Element("xforms", {"xmlns": XFORMS_LIST_NS})
    for form, download_url, manifest_url in forms:
        entry = SubElement(root, "xform")
        _child(entry, "formID", form.form_id)
        _child(entry, "name", form.title)
        _child(entry, "version", form.version)
        _child(entry, "hash", form.md5_hash)
        _child(entry, "descriptionText", DESCRIPTION)
        _child(entry, "downloadUrl", download_url)
        _child(entry, "manifestUrl", manifest_url)
    return _document(root)


@dataclass(frozen=True)
class MediaFile:
    filename: str
    data: bytes
    download_url: str


def manifest(files: list[MediaFile]) -> bytes:
    root = Element("manifest", {"xmlns": MANIFEST_NS})
    for media in files:
        entry = SubElement(root, "mediaFile")
        _child(entry, "filename", media.filename)
        _child(entry, "hash", md5_hash(media.data))
        _child(entry, "downloadUrl", media.download_url)
    return _document(root)


def response(message: str, nature: str) -> bytes:
    """The ``OpenRosaResponse`` envelope; Collect shows the message text to the officer."""
    root = Element("OpenRosaResponse", {"xmlns": RESPONSE_NS})
    SubElement(root, "message", {"nature": nature}).text = message
    return _document(root)
