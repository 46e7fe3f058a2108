"""Area scope: exactly the codes at and below the scope's codes, through an index."""

from __future__ import annotations

from sqlalchemy import select, text

from support.regions import seed_regions
from tigapilar.core.scope import Scope
from tigapilar.storage.db import Database
from tigapilar.storage.models import Region, Tps


def test_clause_selects_a_code_and_everything_below_it_only(db: Database) -> None:
    seed_regions(db)
    with db.session() as session:
        every = list(session.scalars(select(Region.code)))
        for codes in (["64.72"], ["64.71.01", "64.72.01.1001"], ["64"], []):
            scope = Scope.of(codes)
            found = set(session.scalars(select(Region.code).where(scope.clause(Region.code))))
            expected = {c for c in every if any(c == s or c.startswith(s + ".") for s in codes)}
            assert found == expected
            assert found == {c for c in every if scope.covers(c)}


def test_sibling_prefixes_are_not_confused() -> None:
    scope = Scope.of(["64.7"])
    assert not scope.covers("64.71") and scope.covers("64.7.01")
    assert Scope.of(["64.72", "64.72.01"]).codes == frozenset({"64.72"})


def test_sqlite_answers_a_scoped_query_from_the_index(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL plans depend on table statistics; the benchmark covers them
    # The shape of every scoped TPS list: an election and an area, served by (election, desa_code).
    statement = select(Tps.id).where(
        Tps.election == "pilkada-2024", Scope.of(["64.72"]).clause(Tps.desa_code)
    )
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as connection:
        plan = " ".join(str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_tps_election_desa_code (election=? AND desa_code>? AND desa_code<?)" in plan, plan
