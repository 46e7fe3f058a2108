"""Early warning: detections, the alerts they raise, who an alert is routed to, and what was done."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tigapilar.storage.models.base import Base, RegionCode, UtcDateTime, utcnow


class Alert(Base):
    """One situation that needs a response, raised by one or more overlapping detections.

    Statuses: baru -> diterima -> di_lokasi -> ditangani -> selesai, or dibatalkan with a reason.
    ``due_at`` is the deadline of the step the alert waits for; when it passes, the alert escalates.
    """

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="baru")
    severity: Mapped[int] = mapped_column(SmallInteger)  # 1 rendah .. 4 kritis
    # The smallest region holding every place of the alert (a desa, a kecamatan, a kab/kota...).
    area_code: Mapped[str] = mapped_column(RegionCode(), ForeignKey("region.code", ondelete="RESTRICT"))
    category: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(240))  # Indonesian
    title_en: Mapped[str] = mapped_column(String(240))
    election: Mapped[str | None] = mapped_column(String(40))
    stage: Mapped[str | None] = mapped_column(String(40))
    # The time span the evidence covers (UTC).
    window_start: Mapped[datetime] = mapped_column(UtcDateTime())
    window_end: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # When each step was reached: the response metrics are computed from these.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    on_site_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(Text)
    lessons: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_alert_status_due_at", "status", "due_at"),
        Index("ix_alert_area_code_created_at", "area_code", "created_at"),
    )


class AlertPlace(Base):
    """A desa/kelurahan an alert concerns; area scopes are checked against these."""

    __tablename__ = "alert_place"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True)
    desa_code: Mapped[str] = mapped_column(
        RegionCode(), ForeignKey("region.code", ondelete="RESTRICT"), primary_key=True, index=True
    )


class AlertReport(Base):
    """A report that is evidence of an alert."""

    __tablename__ = "alert_report"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("report.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Detection(Base):
    """What one detector found in one cycle, with its evidence; it raised or joined one alert."""

    __tablename__ = "detection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    # rule | spike | scan | hotspot
    detector: Mapped[str] = mapped_column(String(10))
    # The detector's own name for the finding's kind, e.g. the rule id.
    code: Mapped[str] = mapped_column(String(60))
    # Stable across cycles for the same finding: a second cycle never records it twice.
    fingerprint: Mapped[str] = mapped_column(String(200), unique=True)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    severity: Mapped[int] = mapped_column(SmallInteger)
    area_code: Mapped[str] = mapped_column(RegionCode())
    category: Mapped[str | None] = mapped_column(String(40))
    window_start: Mapped[datetime] = mapped_column(UtcDateTime())
    window_end: Mapped[datetime] = mapped_column(UtcDateTime())
    statistic: Mapped[str | None] = mapped_column(String(40))  # e.g. "llr", "poisson", "gi_star_z"
    value: Mapped[float | None] = mapped_column(Float)
    p_value: Mapped[float | None] = mapped_column(Float)
    observed: Mapped[float | None] = mapped_column(Float)
    expected: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text)  # Indonesian
    explanation_en: Mapped[str] = mapped_column(Text)
    # Everything else the detector knows (places, radius, parameters, report ids), as JSON.
    evidence: Mapped[str] = mapped_column(Text, default="{}")


class AlertRoute(Base):
    """A unit responsible for an alert: by area when raised, or by escalation to a parent unit."""

    __tablename__ = "alert_route"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # The escalation level the unit was added at: 0 for the units of the place.
    level: Mapped[int] = mapped_column(SmallInteger, default=0)
    routed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AlertEvent(Base):
    """The timeline of an alert: raised, detections joined, status changes, escalations, actions."""

    __tablename__ = "alert_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    # raised | detection | status | escalated | action
    kind: Mapped[str] = mapped_column(String(12))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    # For actions: patroli | mediasi | dialog_tokoh | penegakan_hukum | klarifikasi_hoaks | ... (data)
    action: Mapped[str | None] = mapped_column(String(30))
    text: Mapped[str | None] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    detection_id: Mapped[int | None] = mapped_column(ForeignKey("detection.id", ondelete="SET NULL"))
