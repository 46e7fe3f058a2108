"""What the officers send in ``bench.bench_intake``: report contents, and how each channel posts them.

* :class:`ApiPlan`: ``POST /api/v1/reports``, JSON, bearer token (a script or the web app).
* :class:`OdkPlan`: what ODK Collect does for each report it sends: ``HEAD /odk/submission`` (Collect
  asks first, for the credentials and the size limit) then ``POST /odk/submission`` with the
  instance XML as the multipart part ``xml_submission_file``, both with HTTP Digest. Each connection
  (one phone) answers the server's 401 challenge once and then signs every request with that nonce
  and a growing nonce count, as Collect's HTTP client does. The instance XML is filled in from the
  form the server serves (``GET /odk/formList`` then the form's ``downloadUrl``).

Mixed into both: resends of reports already accepted (same client id or instanceID, same content)
and reports that must be refused and kept for review.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, fromstring
from xml.sax.saxutils import escape

from bench.intake_load import Answer, Connection, Outgoing

WITA = datetime.timezone(datetime.timedelta(hours=8))
PLACES = ("depan balai desa", "dekat TPS", "di pasar desa", "di jalan poros", "di dermaga",
          "di halaman masjid", "di simpang tiga", "di rumah warga", "di posko pemenangan")  # fmt: skip
WHAT = {
    "politik_uang": "warga menerima amplop berisi uang dari tim sukses salah satu pasangan calon",
    "sara": "beredar selebaran bernada SARA yang menyudutkan kelompok warga tertentu",
    "intimidasi": "sekelompok orang mendatangi rumah warga dan meminta memilih calon tertentu",
}
DEFAULT_WHAT = "terjadi keramaian yang perlu dipantau oleh petugas"
FLAWS = ("category", "scope", "severity", "missing", "truncated")


@dataclass
class Village:
    code: str
    tps: list[int]
    lat: float | None
    lng: float | None


@dataclass
class Account:
    user_id: int
    username: str
    token: str
    digest_ha1: str
    villages: list[Village]


@dataclass
class Fixture:
    accounts: list[Account]
    categories: list[str]
    all_villages: list[str]
    seconds: dict[str, float] = field(default_factory=dict)


class Reports:
    """Report contents as an officer's phone fills them in, valid or not (API field names)."""

    def __init__(self, fixture: Fixture, rng: random.Random) -> None:
        self.fixture, self.rng = fixture, rng

    def valid(self, account: Account) -> dict[str, Any]:
        rng = self.rng
        village = rng.choice(account.villages)
        category = rng.choice(self.fixture.categories)
        occurred = datetime.datetime.now(WITA) - datetime.timedelta(minutes=rng.randint(5, 720))
        what = WHAT.get(category, DEFAULT_WHAT)
        fields: dict[str, Any] = {
            "client_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "desa_code": village.code,
            "category": category,
            "severity": rng.choices((1, 2, 3, 4), weights=(40, 35, 18, 7))[0],
            "description": f"Sekitar pukul {occurred:%H.%M} WITA {rng.choice(PLACES)}, {what}. "
            f"Kurang lebih {rng.randint(2, 60)} orang berada di lokasi. Situasi saat ini "
            f"{rng.choice(('aman terkendali', 'masih dipantau', 'mulai kondusif'))}; "
            f"petugas sudah berkoordinasi dengan Babinsa dan Kepala Desa.",
            "occurred_at": occurred.isoformat(timespec="seconds"),
        }
        if village.tps and rng.random() < 0.5:
            fields["tps_number"] = rng.choice(village.tps)
        if village.lat is not None and village.lng is not None and rng.random() < 0.6:
            fields["lat"] = round(village.lat + rng.uniform(-0.005, 0.005), 6)
            fields["lng"] = round(village.lng + rng.uniform(-0.005, 0.005), 6)
            fields["accuracy_m"] = round(rng.uniform(4, 40), 1)
        if rng.random() < 0.3:
            fields["people_involved"] = rng.randint(1, 60)
        return fields

    def invalid(self, account: Account) -> tuple[str, dict[str, Any]]:
        """A report the intake must refuse (kept for review), and how it is wrong (one of FLAWS)."""
        fields = self.valid(account)
        flaw = self.rng.choice(FLAWS)
        if flaw == "category":
            fields["category"] = "kerusuhan_besar"
        elif flaw == "scope":
            own = {v.code for v in account.villages}
            fields["desa_code"] = next(
                c for c in self.rng.sample(self.fixture.all_villages, 20) if c not in own
            )
        elif flaw == "severity":
            fields["severity"] = 9
        elif flaw == "missing":
            del fields["desa_code"]
        return flaw, fields  # "truncated": the channel cuts the encoded payload in half


class _Plan:
    """The shared mix: a resend, an invalid report or a new one, for a random account."""

    channel = ""

    def __init__(self, fixture: Fixture, seed: int, retry_share: float, invalid_share: float) -> None:
        self.rng = random.Random(seed)
        self.reports = Reports(fixture, self.rng)
        self.accounts = fixture.accounts
        self.retry_share, self.invalid_share = retry_share, invalid_share
        self.accepted: list[Outgoing] = []  # new reports answered as created, to resend

    def pick(self) -> tuple[str, int, Outgoing | None]:
        """(kind, account index, the earlier request for a retry)."""
        roll = self.rng.random()
        if roll < self.retry_share and self.accepted:
            earlier = self.rng.choice(self.accepted)
            return "retry", earlier.account, earlier
        index = self.rng.randrange(len(self.accounts))
        return ("invalid" if roll < self.retry_share + self.invalid_share else "new"), index, None


class ApiPlan(_Plan):
    """``POST /api/v1/reports`` with a bearer token: JSON, one report per request."""

    channel = "api"
    path = "/api/v1/reports"

    def next(self, connection: Connection) -> Outgoing:
        kind, index, earlier = self.pick()
        if earlier is not None:
            return Outgoing("retry", 200, earlier.path, earlier.body, earlier.headers, earlier.key, index)
        account = self.accounts[index]
        headers = [("Authorization", f"Bearer {account.token}"), ("Content-Type", "application/json")]
        if kind == "invalid":
            flaw, fields = self.reports.invalid(account)
            body = json.dumps(fields).encode()
            body = body[: len(body) // 2] if flaw == "truncated" else body
            return Outgoing(
                kind, 422, self.path, body, headers, f"{account.user_id}:{fields['client_id']}", index
            )
        fields = self.reports.valid(account)
        key = f"{account.user_id}:{fields['client_id']}"
        return Outgoing("new", 201, self.path, json.dumps(fields).encode(), headers, key, index)

    def heard(self, outgoing: Outgoing, answer: Answer, connection: Connection) -> Outgoing | None:
        if outgoing.kind == "new" and answer.status == 201:
            self.accepted.append(outgoing)
        return None


# --- ODK ---------------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass
class OdkForm:
    """The primary instance of the served XForm, as a template Collect would fill in."""

    form_id: str
    version: str
    template: str  # the instance XML with @@name@@ in every leaf
    leaves: list[str]

    @classmethod
    def from_xform(cls, xform: bytes) -> OdkForm:
        root = fromstring(xform)
        instance = next(e for e in root.iter() if _local(e.tag) == "instance" and not e.get("id"))
        data = next(iter(instance))
        leaves: list[str] = []

        def write(element: Element) -> str:
            name = _local(element.tag)
            if len(element) == 0:
                leaves.append(name)
                return f"<{name}>@@{name}@@</{name}>"
            return f"<{name}>" + "".join(write(child) for child in element) + f"</{name}>"

        inner = "".join(write(child) for child in data)
        name, form_id, version = _local(data.tag), data.get("id", ""), data.get("version", "")
        template = (
            f'<{name} xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" '
            f'id="{escape(form_id)}" version="{escape(version)}">{inner}</{name}>'
        )
        return cls(form_id, version, template, leaves)

    def fill(self, values: dict[str, str]) -> bytes:
        text = self.template
        for leaf in self.leaves:
            text = text.replace(f"@@{leaf}@@", escape(values.get(leaf, "")))
        return text.encode("utf-8")


def odk_values(fields: dict[str, Any]) -> dict[str, str]:
    """API-style report fields as the form's answers (element names of laporan.md)."""
    occurred = fields["occurred_at"]
    values = {
        "desa": fields.get("desa_code", ""),
        "kategori": fields["category"],
        "tingkat": str(fields["severity"]),
        "uraian": fields["description"],
        "waktu_kejadian": occurred[:19] + ".000" + occurred[19:],  # Collect sends milliseconds
        "sumber": "officer",
        "instanceID": f"uuid:{fields['client_id']}",
    }
    if "tps_number" in fields:
        values["tps"] = str(fields["tps_number"])
    if "people_involved" in fields:
        values["jumlah_orang"] = str(fields["people_involved"])
    if "lat" in fields:
        values["lokasi"] = f"{fields['lat']} {fields['lng']} 0.0 {fields['accuracy_m']}"
    return values


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def digest_ha1(username: str, password: str, realm: str) -> str:
    return _md5(f"{username}:{realm}:{password}")


_CHALLENGE = re.compile(r'Digest\s+realm="([^"]*)".*?nonce="([^"]*)"', re.IGNORECASE)


class OdkPlan(_Plan):
    """ODK Collect: HEAD then POST /odk/submission per report, HTTP Digest, the XML as multipart."""

    channel = "odk"
    path = "/odk/submission"
    boundary = "----tigapilarbench7d9a1c"

    def __init__(
        self, fixture: Fixture, seed: int, retry_share: float, invalid_share: float, form: OdkForm
    ) -> None:
        super().__init__(fixture, seed, retry_share, invalid_share)
        self.form = form

    def _authorization(self, connection: Connection, account: Account, method: str) -> list[tuple[str, str]]:
        state = connection.state
        if "nonce" not in state:
            return []  # a phone's first request: the server answers 401 with a challenge
        state["nc"] = state.get("nc", 0) + 1
        nc, cnonce = f"{state['nc']:08x}", secrets.token_hex(8)
        ha2 = _md5(f"{method}:{self.path}")
        response = _md5(f"{account.digest_ha1}:{state['nonce']}:{nc}:{cnonce}:auth:{ha2}")
        value = (
            f'Digest username="{account.username}", realm="{state["realm"]}", nonce="{state["nonce"]}", '
            f'uri="{self.path}", algorithm=MD5, qop=auth, nc={nc}, cnonce="{cnonce}", response="{response}"'
        )
        return [("Authorization", value)]

    def _multipart(self, xml: bytes) -> bytes:
        head = (
            f"--{self.boundary}\r\n"
            'Content-Disposition: form-data; name="xml_submission_file"; filename="submission.xml"\r\n'
            "Content-Type: text/xml\r\n\r\n"
        )
        return head.encode() + xml + f"\r\n--{self.boundary}--\r\n".encode()

    def _head(self, connection: Connection, post: Outgoing) -> Outgoing:
        account = self.accounts[post.account]
        headers = self._authorization(connection, account, "HEAD")
        return Outgoing(post.kind, post.expected, self.path, b"", headers, post.key, post.account, "HEAD")

    def _post(self, connection: Connection, post: Outgoing) -> Outgoing:
        headers = [*self._authorization(connection, self.accounts[post.account], "POST"), *post.headers]
        return Outgoing(post.kind, post.expected, self.path, post.body, headers, post.key, post.account)

    def next(self, connection: Connection) -> Outgoing:
        kind, index, earlier = self.pick()
        content_type = [("Content-Type", f"multipart/form-data; boundary={self.boundary}")]
        if earlier is not None:
            post = Outgoing("retry", 201, self.path, earlier.body, content_type, earlier.key, index)
        else:
            account = self.accounts[index]
            if kind == "invalid":
                flaw, fields = self.reports.invalid(account)
                xml = self.form.fill(odk_values(fields))
                # A report the checks refuse is kept for review: 202. Unreadable XML: 400.
                expected = 202
                if flaw == "truncated":
                    xml, expected = xml[: len(xml) // 2], 400
            else:
                fields = self.reports.valid(account)
                xml, expected = self.form.fill(odk_values(fields)), 201
            post = Outgoing(
                kind, expected, self.path, self._multipart(xml), content_type, fields["client_id"], index
            )
        connection.state["post"] = post  # sent once the HEAD is answered
        return self._head(connection, post)

    def heard(self, outgoing: Outgoing, answer: Answer, connection: Connection) -> Outgoing | None:
        if answer.status == 401:
            signed = any(name == "Authorization" for name, _ in outgoing.headers)
            found = _CHALLENGE.search(answer.headers.get("www-authenticate", ""))
            if found is None or (signed and "stale=true" not in answer.headers.get("www-authenticate", "")):
                return None  # wrong credentials: give up, the status says so
            connection.state.update(realm=found.group(1), nonce=found.group(2), nc=0)
            if outgoing.method == "HEAD":
                return self._head(connection, self._unsigned(outgoing))
            return self._post(connection, self._unsigned(outgoing))
        if outgoing.method == "HEAD":
            if answer.status != 204:
                return None
            return self._post(connection, connection.state.pop("post"))
        if outgoing.kind == "new" and answer.status == 201:
            self.accepted.append(self._unsigned(outgoing))
        return None

    def _unsigned(self, outgoing: Outgoing) -> Outgoing:
        headers = [(name, value) for name, value in outgoing.headers if name != "Authorization"]
        return Outgoing(
            outgoing.kind, outgoing.expected, outgoing.path, outgoing.body, headers, outgoing.key,
            outgoing.account, outgoing.method,
        )  # fmt: skip
