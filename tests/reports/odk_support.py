"""ODK test helpers: officers with real accounts, a client that authenticates as Collect does (RFC 2617
Digest, computed here on the client side), and submissions made by filling the served XForm's own
instance, so that every test proves the field names the server reads exist in the form.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tigapilar.accounts.roles import Role
from tigapilar.accounts.service import create_user
from tigapilar.organisation.officers import create_officer
from tigapilar.storage.db import Database

NOW = datetime(2024, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 WITA, the quiet period before Pilkada 2024
MANGGAR, LAMARU, BARU_ILIR = "64.71.01.1001", "64.71.01.1002", "64.71.02.1001"
RAWA_MAKMUR = "64.72.01.1001"  # another city: outside a Balikpapan officer's area
PASSWORD = "bhabin-manggar-2024"
XFORMS = "{http://www.w3.org/2002/xforms}"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8 + b"\xff\xd9"
_nrp = itertools.count(88020001)


@dataclass(frozen=True)
class OdkAccount:
    user_id: int
    username: str
    password: str
    officer_id: int | None


def make_officer(
    db: Database,
    username: str = "bhabin.manggar",
    villages: tuple[str, ...] = (MANGGAR, LAMARU),
    password: str = PASSWORD,
) -> OdkAccount:
    """A Bhabinkamtibmas with an account made by the account service (so its Digest HA1 is set)."""
    with db.session() as session:
        officer = create_officer(
            session, "Dodi Pratama", "Aipda", nrp=str(next(_nrp)), pillar="bhabinkamtibmas", villages=villages
        )
        record = create_user(
            session, username, "Dodi Pratama", password, Role.FIELD_OFFICER, [], officer_id=officer.id
        )
    return OdkAccount(record.id, record.username, password, officer.id)


def make_user(
    db: Database, username: str, role: Role, areas: list[str], password: str = PASSWORD
) -> OdkAccount:
    with db.session() as session:
        record = create_user(session, username, username.title(), password, role, areas)
    return OdkAccount(record.id, record.username, password, None)


# -- Digest, client side (RFC 2617 section 3.2.2) --------------------------------------------------------


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def parse_challenge(header: str) -> dict[str, str]:
    scheme, _, rest = header.partition(" ")
    assert scheme == "Digest", header
    return {k.lower(): v1 or v2 for k, v1, v2 in re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', rest)}


def digest_challenge(response: httpx.Response) -> dict[str, str]:
    headers = response.headers.get_list("www-authenticate")
    return parse_challenge(next(h for h in headers if h.startswith("Digest ")))


def digest_authorization(
    method: str, uri: str, username: str, password: str, challenge: dict[str, str], nc: int, cnonce: str
) -> str:
    ha1 = _md5(f"{username}:{challenge['realm']}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    count = f"{nc:08x}"
    answer = _md5(f"{ha1}:{challenge['nonce']}:{count}:{cnonce}:auth:{ha2}")
    return (
        f'Digest username="{username}", realm="{challenge["realm"]}", nonce="{challenge["nonce"]}", '
        f'uri="{uri}", qop=auth, nc={count}, cnonce="{cnonce}", response="{answer}", algorithm=MD5'
    )


@dataclass
class CollectClient:
    """Sends requests like ODK Collect's HTTP client: Digest, re-using the last challenge (nc counts
    up) and answering a new 401 (first contact, stale nonce) by computing the response again."""

    web: TestClient
    username: str
    password: str
    challenge: dict[str, str] | None = None
    nc: int = 0
    cnonce: str = "0a4f113b"
    sent: list[httpx.Response] = field(default_factory=list)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self._send(method, url, **kwargs)
        if response.status_code == 401:
            self.challenge = digest_challenge(response)
            self.nc = 0
            response = self._send(method, url, **kwargs)
        return response

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        headers.setdefault("X-OpenRosa-Version", "1.0")
        if self.challenge is not None:
            self.nc += 1
            uri = httpx.URL(url).raw_path.decode()  # path and query, as signed by the client
            headers["Authorization"] = digest_authorization(
                method, uri, self.username, self.password, self.challenge, self.nc, self.cnonce
            )
        response: httpx.Response = self.web.request(method, url, headers=headers, **kwargs)
        self.sent.append(response)
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


def collect(web: TestClient, account: OdkAccount) -> CollectClient:
    return CollectClient(web, account.username, account.password)


# -- submissions --------------------------------------------------------------------------------------


def default_values(**changes: str) -> dict[str, str]:
    """Answers as an officer would give them (element name -> text as Collect writes it)."""
    values = {
        "desa": MANGGAR,
        "kategori": "politik_uang",
        "tingkat": "3",
        "judul": "Pembagian amplop di RT 05",
        "uraian": "Tim sukses membagikan amplop berisi uang kepada warga RT 05 pada malam hari.",
        "jumlah_orang": "12",
        "waktu_kejadian": "2024-11-26T08:15:00.000+08:00",
        "sumber": "community",
        "nama_sumber": "Pak RT 05",
        "kontak_sumber": "081234567890",
        "lokasi": "-1.2379 116.8529 12.0 4.5",
        "foto": "1732600000000.jpg",
    }
    values.update(changes)
    return values


def _strip_namespaces(element: ET.Element) -> None:
    for node in element.iter():
        node.tag = node.tag.rsplit("}", 1)[-1]


def fill_instance(
    form_xml: bytes,
    values: dict[str, str],
    *,
    instance_id: str,
    deprecated_id: str | None = None,
) -> bytes:
    """The submission Collect would make from the served form: its primary instance, filled in.

    Raises KeyError for a name that is not a field of the form. Like Collect, an edit moves the old
    instanceID into a new meta/deprecatedID element.
    """
    model = ET.fromstring(form_xml).find(f".//{XFORMS}model")
    assert model is not None
    primary = model.find(f"{XFORMS}instance")
    assert primary is not None
    data = copy.deepcopy(primary[0])
    _strip_namespaces(data)
    leaves = {node.tag: node for node in data.iter() if len(node) == 0}
    for name, value in values.items():
        leaves[name].text = value
    leaves["instanceID"].text = instance_id
    if deprecated_id is not None:
        meta = data.find("meta")
        assert meta is not None
        ET.SubElement(meta, "deprecatedID").text = deprecated_id
    data.set("xmlns:orx", "http://openrosa.org/xforms")
    body: bytes = ET.tostring(data, encoding="utf-8", xml_declaration=False)
    return b"<?xml version='1.0' ?>" + body


def collect_files(
    xml: bytes, attachments: Sequence[tuple[str, bytes, str]] = (), *, incomplete: bool = False
) -> list[tuple[str, tuple[str | None, bytes, str]]]:
    """The multipart parts Collect posts: the XML, each file under its own name, the incomplete flag."""
    parts: list[tuple[str, tuple[str | None, bytes, str]]] = [
        ("xml_submission_file", ("Laporan_2024-11-26_10-15-00.xml", xml, "text/xml"))
    ]
    parts += [(name, (name, data, kind)) for name, data, kind in attachments]
    if incomplete:
        parts.append(("*isIncomplete*", (None, b"yes", "text/plain")))
    return parts
