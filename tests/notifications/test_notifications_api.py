"""The in-app notifications API (own notifications only, read/unread, counts) and the delivery log."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from conftest import Account, make_account
from support.clock import Clock
from tigapilar.notifications.config import NotificationsFile, WebhookConfig, notification_config
from tigapilar.notifications.messages import Message
from tigapilar.notifications.outbox import DeliveryStats, deliver_due, publish
from tigapilar.storage.db import Database
from tigapilar.storage.models import User

from .conftest import closed_port_url

API = "/api/v1"
NOT_FOUND = {
    "error": {
        "code": "notification.not_found",
        "message": "Notification not found.",
        "pesan": "Notifikasi tidak ditemukan.",
    }
}


def note(number: int, area: str | None = "64.72.01.1001") -> Message:
    return Message(
        kind="alert.created",
        subject=f"alert:{number}",
        area_code=area,
        severity=2,
        title_id=f"Peringatan #{number}",
        title_en=f"Alert #{number}",
        body_id=f"Isi peringatan {number}",
        body_en=f"Alert text {number}",
        link=f"/peringatan/{number}",
    )


def get(client: TestClient, account: Account, url: str, status: int = 200) -> Any:
    response = client.get(url, headers=account.headers)
    assert response.status_code == status, response.text
    return response.json()


def post(client: TestClient, account: Account, url: str, status: int = 200) -> Any:
    response = client.post(url, headers=account.headers)
    assert response.status_code == status, response.text
    return response.json()


def test_users_see_read_and_count_only_their_own_notifications(client: Any, regions: Database) -> None:
    web: TestClient = client
    clock = Clock()
    web.app.state.clock = clock  # type: ignore[attr-defined]
    with regions.session() as session:
        ana = make_account(session, "analis.samarinda", "analyst", areas=["64.72"])
        ben = make_account(session, "bhabin.rawamakmur", "field_officer", areas=["64.72.01.1001"])
        session.execute(update(User).where(User.id == ben.user_id).values(language="en"))
    config = notification_config(NotificationsFile())
    for number in (1, 2, 3):
        with regions.session() as session:
            recipients = [ana.user_id, ben.user_id] if number == 2 else [ana.user_id]
            publish(session, note(number), user_ids=recipients, now=clock(), config=config)
        clock.advance(minutes=5)

    listed = get(web, ana, f"{API}/notifications")
    assert [n["subject"] for n in listed["items"]] == ["alert:3", "alert:2", "alert:1"]  # newest first
    assert (listed["total"], listed["limit"], listed["offset"]) == (3, 50, 0)
    assert listed["items"][0]["title"] == "Peringatan #3" and listed["items"][0]["read_at"] is None
    paged = get(web, ana, f"{API}/notifications?limit=1&offset=1")
    assert [n["subject"] for n in paged["items"]] == ["alert:2"] and paged["total"] == 3
    (bens,) = get(web, ben, f"{API}/notifications")["items"]
    assert (bens["subject"], bens["title"], bens["body"]) == ("alert:2", "Alert #2", "Alert text 2")
    assert get(web, ana, f"{API}/notifications/unread-count") == {"unread": 3}

    # Someone else's notification answers exactly like one that does not exist.
    ana_first = listed["items"][2]["id"]
    assert post(web, ben, f"{API}/notifications/{ana_first}/read", 404) == NOT_FOUND
    assert post(web, ben, f"{API}/notifications/987654/read", 404) == NOT_FOUND
    assert get(web, ana, f"{API}/notifications/unread-count") == {"unread": 3}

    read = post(web, ana, f"{API}/notifications/{ana_first}/read")
    assert read["read_at"] is not None and read["subject"] == "alert:1"
    first_read = read["read_at"]
    clock.advance(minutes=1)
    assert post(web, ana, f"{API}/notifications/{ana_first}/read")["read_at"] == first_read  # kept
    assert get(web, ana, f"{API}/notifications/unread-count") == {"unread": 2}
    unread = get(web, ana, f"{API}/notifications?unread=true")
    assert [n["subject"] for n in unread["items"]] == ["alert:3", "alert:2"] and unread["total"] == 2
    assert [n["subject"] for n in get(web, ana, f"{API}/notifications?unread=false")["items"]] == ["alert:1"]

    assert post(web, ana, f"{API}/notifications/read-all") == {"marked": 2}
    assert post(web, ana, f"{API}/notifications/read-all") == {"marked": 0}
    assert get(web, ana, f"{API}/notifications/unread-count") == {"unread": 0}
    assert get(web, ben, f"{API}/notifications/unread-count") == {"unread": 1}  # untouched

    assert web.get(f"{API}/notifications").status_code == 401
    assert get(web, ana, f"{API}/notifications?limit=0", 422)["error"]["code"] == "page.bad_limit"


def test_the_delivery_log_is_for_administrators_within_their_scope(client: Any, regions: Database) -> None:
    web: TestClient = client
    clock = Clock()
    with regions.session() as session:
        national = make_account(session, "admin.pusat", "admin", national=True)
        samarinda = make_account(session, "admin.samarinda", "admin", areas=["64.72"])
        analyst = make_account(session, "analis.samarinda", "analyst", areas=["64.72"])
    hook = WebhookConfig(name="pusdalops", url=closed_port_url(), secret_env="UNUSED_SECRET")
    config = notification_config(NotificationsFile(webhook=(hook,)), environ={"UNUSED_SECRET": "s"})
    with regions.session() as session:
        for number, area in [(1, "64.72.01.1001"), (2, "64.71.01.1001"), (3, None), (4, "64.72")]:
            publish(session, note(number, area), user_ids=[], now=clock(), config=config)
            clock.advance(minutes=1)
    assert deliver_due(regions.sessions, clock(), config) == DeliveryStats(claimed=4, retrying=4)

    everything = get(web, national, f"{API}/notifications/deliveries")
    assert [d["subject"] for d in everything["items"]] == ["alert:4", "alert:3", "alert:2", "alert:1"]
    first = everything["items"][3]
    assert (first["channel"], first["target"], first["state"], first["attempts"]) == (
        "webhook",
        "pusdalops",
        "pending",
        1,
    )
    (attempt,) = first["log"]
    assert attempt["status_code"] is None and "connection failed" in attempt["error"]
    assert first["last_error"] == attempt["error"] and first["next_attempt_at"] is not None

    scoped = get(web, samarinda, f"{API}/notifications/deliveries")
    assert [d["subject"] for d in scoped["items"]] == ["alert:4", "alert:1"] and scoped["total"] == 2
    assert get(web, samarinda, f"{API}/notifications/deliveries?state=sent")["total"] == 0
    assert get(web, national, f"{API}/notifications/deliveries?subject=alert:3")["total"] == 1
    assert get(web, samarinda, f"{API}/notifications/deliveries?subject=alert:3")["total"] == 0
    assert get(web, national, f"{API}/notifications/deliveries?channel=email")["total"] == 0

    assert get(web, analyst, f"{API}/notifications/deliveries", 403)["error"]["code"] == "auth.forbidden"
    bad = get(web, national, f"{API}/notifications/deliveries?state=lost", 422)
    assert bad["error"]["code"] == "notification.bad_state"
    bad = get(web, national, f"{API}/notifications/deliveries?channel=sms", 422)
    assert bad["error"]["code"] == "notification.bad_channel"
