"""Load a demo into the database: regions, demo positions, TPS, organisation, officers, accounts.

Loading twice is safe: a demo already present is detected and left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tigapilar.accounts.service import create_user
from tigapilar.core.errors import Invalid
from tigapilar.demo.config import DemoAccount, DemoConfig
from tigapilar.demo.organisation import demo_officers, demo_units
from tigapilar.demo.places import load_places, place_demo_positions
from tigapilar.demo.tps import demo_tps_rows
from tigapilar.organisation.officers import create_officers
from tigapilar.organisation.units import create_units
from tigapilar.regions.catalog import load_catalog
from tigapilar.storage.models import Officer, OfficerVillage, Tps, User
from tigapilar.tps.registry import add_tps_rows

Step = Callable[[str], None]


@dataclass
class DemoSummary:
    already_loaded: bool
    regions: int = 0
    demo_positions: int = 0
    tps: int = 0
    dpt: int = 0
    units: int = 0
    officers: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)


def demo_present(session: Session, config: DemoConfig) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(Tps)
            .where(Tps.election == config.election, Tps.desa_code.startswith(config.province + "."))
        )
    )


def load_demo(session: Session, config: DemoConfig, step: Step | None = None) -> DemoSummary:
    """Generate the demo inside the caller's transaction; ``step`` hears what is happening."""
    say = step or (lambda _message: None)
    if demo_present(session, config):
        # Accounts a newer demo file adds are created on an older demo too (existing ones are kept).
        for account in config.accounts:
            _create_account(session, config, account)
        return DemoSummary(already_loaded=True, accounts=list(config.accounts))
    summary = DemoSummary(already_loaded=False, accounts=list(config.accounts))
    say(f"regions of {config.province_name} from the Kemendagri list")
    summary.regions = load_catalog(session, [config.province])
    kabkota = load_places(session, config)
    summary.demo_positions = place_demo_positions(session, config, kabkota)
    say("TPS")
    rows = demo_tps_rows(config, kabkota)
    summary.tps = add_tps_rows(session, rows)
    summary.dpt = sum(r["dpt_male"] + r["dpt_female"] for r in rows)
    say("units and officers")
    summary.units = len(create_units(session, demo_units(config, kabkota)))
    summary.officers = len(create_officers(session, demo_officers(config, kabkota)))
    say("accounts")
    for account in config.accounts:
        _create_account(session, config, account)
    return summary


def _create_account(session: Session, config: DemoConfig, account: DemoAccount) -> None:
    if session.scalar(select(User.id).where(User.username == account.username)) is not None:
        return
    officer_id = None
    areas = list(account.areas)
    if account.officer_pillar is not None:
        # The first officer of that pillar serving a village in the account's area.
        officer_id = session.scalar(
            select(Officer.id)
            .join(OfficerVillage, OfficerVillage.officer_id == Officer.id)
            .where(
                Officer.pillar == account.officer_pillar, OfficerVillage.desa_code.startswith(areas[0] + ".")
            )
            .order_by(Officer.id)
            .limit(1)
        )
        areas = []  # a village pillar's scope is the villages they serve
    try:
        create_user(
            session,
            account.username,
            account.name,
            config.password,
            account.role,
            areas,
            national=account.national,
            officer_id=officer_id,
            unit=account.unit,
        )
    except Invalid as exc:
        if exc.code != "user.unknown_unit":
            raise
        # The demo file is at fault, not a person typing: say which account and unit.
        raise Invalid(
            "demo.bad_file",
            f"account {account.username}: no unit '{account.unit}' in the demo organisation",
            f"akun {account.username}: unit '{account.unit}' tidak ada",
        ) from exc
