"""The shipped vulnerability profiles: they load, follow Bawaslu's published structures, refer only to
things that exist (report categories, stages, attributes, TPS kinds), and bad profile files are refused
with the place of every mistake."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from tigapilar.core.configfiles import ConfigError
from tigapilar.elections.calendar import load_calendar
from tigapilar.reports.taxonomy import load_taxonomy
from tigapilar.risk.attributes import load_attribute_registry
from tigapilar.risk.profile import (
    LEVELS,
    GroupConfig,
    ProfileConfig,
    band_of,
    indicators_of,
    leaves,
    load_profile,
    shipped_profiles,
)
from tigapilar.tps.kinds import DEFAULT_KIND, TPS_KINDS

SHIPPED = ["ikp-2024", "tps-rawan-2024"]


@pytest.fixture(params=SHIPPED)
def shipped(request: pytest.FixtureRequest) -> ProfileConfig:
    return load_profile(request.param)


def test_both_profiles_are_shipped() -> None:
    assert shipped_profiles() == SHIPPED


# --- tps-rawan-2024: Bawaslu's TPS mapping, Pilkada 2024 -------------------------------------------


def test_tps_profile_has_the_eight_pilkada_variables() -> None:
    profile = load_profile("tps-rawan-2024")
    assert (profile.unit, profile.election, profile.scale) == ("tps", "pilkada-2024", 100)
    assert [g.code for g in profile.group] == [
        "hak_pilih",
        "keamanan",
        "politik_uang",  # split out of "kampanye" for the Pilkada
        "sara",  # idem
        "netralitas",
        "logistik",
        "lokasi",
        "listrik_internet",
    ]
    assert all(g.indicator and not g.group for g in profile.group), "variables hold indicators directly"
    assert len(indicators_of(profile)) >= 22  # the Pemilu mapping's 22, plus live counterparts


def test_tps_profile_reads_the_published_indicators_from_the_right_sources() -> None:
    by_code = {i.code: i for i in indicators_of(load_profile("tps-rawan-2024"))}
    attributes = {
        "dpt_tms": "count",
        "dptb": "count",
        "dpk": "count",
        "kpps_luar_domisili": "present",
        "riwayat_kekerasan": "present",
        "riwayat_politik_uang": "present",
        "riwayat_logistik": "present",
        "sulit_dijangkau": "present",
        "rawan_bencana": "present",
        "dekat_posko": "present",
        "rawan_konflik": "present",
        "dekat_tambang": "present",
        "listrik_tidak_stabil": "present",
        "blank_spot": "present",
        "pemilih_disabilitas": "present",
        "riwayat_psu": "present",
    }
    for code, rule in attributes.items():
        indicator = by_code[code]
        assert (indicator.source, indicator.attribute, indicator.rule) == ("attribute", code, rule)
    reports = {
        "kekerasan_laporan": {"intimidasi_kekerasan", "bentrok_pendukung"},
        "politik_uang_laporan": {"politik_uang"},
        "sara_laporan": {"sara"},
        "hoaks_laporan": {"hoaks"},
        "netralitas_laporan": {"netralitas"},
        "fasilitas_negara_laporan": {"fasilitas_negara"},
        "logistik_laporan": {"logistik"},
        "sengketa_lahan_laporan": {"sengketa_lahan"},
        "gangguan_jaringan_laporan": {"gangguan_jaringan_listrik"},
    }
    for code, categories in reports.items():
        assert (by_code[code].source, set(by_code[code].categories)) == ("reports", categories)
    special = by_code["lokasi_khusus"]
    assert (special.source, special.measure) == ("tps", "special_location")
    large = by_code["dpt_besar"]
    assert (large.source, large.measure, large.rule) == ("tps", "dpt", "scaled")
    assert (large.low, large.high) == (400, 600)


def test_tps_profile_categories_and_khusus_kinds() -> None:
    profile = load_profile("tps-rawan-2024")
    for level in ("default", "kecamatan", "kabkota", "provinsi"):
        assert [b.code for b in profile.bands[level]] == ["aman", "kurang_rawan", "rawan", "sangat_rawan"]
    assert [b.min for b in profile.bands_for("tps")] == [0, 3, 10, 18]
    assert profile.bands_for("desa") == profile.bands["default"]
    # Every kind but the regular TPS is a special location.
    assert set(profile.khusus_kinds) == set(TPS_KINDS) - {DEFAULT_KIND}


def test_tps_profile_weights_are_two_points_per_unit() -> None:
    """Variables weigh the sum of their indicators' units (50 in all), so one unit is 2 points."""
    profile = load_profile("tps-rawan-2024")
    for group in profile.group:
        assert group.weight == sum(i.weight for i in group.indicator), group.code
    for leaf in leaves(profile):
        assert leaf.weight == pytest.approx(2 * leaf.indicator.weight), leaf.indicator.code
    # Polri's picture of "sangat rawan" (hard to reach, conflict-prone, history of violence) is just that.
    points = {leaf.indicator.code: leaf.weight for leaf in leaves(profile)}
    picture = points["sulit_dijangkau"] + points["rawan_konflik"] + points["riwayat_kekerasan"]
    assert band_of(profile.bands_for("tps"), picture).code == "sangat_rawan"


def test_tps_profile_weights_reports_by_stage() -> None:
    settings = load_profile("tps-rawan-2024").reports
    multiplier = settings.stage_multiplier
    assert multiplier["pemungutan"] > multiplier["masa_tenang"] > multiplier["kampanye"] == 1.0
    assert settings.severity_weight == {1: 0.5, 2: 1.0, 3: 2.0, 4: 4.0}
    assert settings.horizon_days > settings.half_life_days


# --- ikp-2024: Bawaslu's IKP Pemilu dan Pemilihan Serentak 2024 ---------------------------------------


def test_ikp_profile_has_four_dimensions_and_twelve_sub_dimensions() -> None:
    profile = load_profile("ikp-2024")
    assert (profile.unit, profile.scale) == ("kabkota", 100)
    structure = {d.code: [s.code for s in d.group] for d in profile.group}
    assert structure == {
        "konteks_sosial_politik": [
            "keamanan",
            "otoritas_penyelenggara_pemilu",
            "otoritas_penyelenggara_negara",
        ],
        "penyelenggaraan_pemilu": [
            "hak_memilih",
            "pelaksanaan_kampanye",
            "pelaksanaan_pemungutan_suara",
            "adjudikasi_keberatan",
            "pengawasan_pemilu",
        ],
        "kontestasi": ["hak_dipilih", "kampanye_calon"],
        "partisipasi": ["partisipasi_pemilih", "partisipasi_kelompok_masyarakat"],
    }
    assert sum(len(d.group) for d in profile.group) == 12
    assert all(s.indicator and not s.group for d in profile.group for s in d.group)
    # A representative subset of the 61 indicators, with the 6 published ones of "hak memilih".
    assert 12 <= len(indicators_of(profile)) <= 61
    hak_memilih = profile.group[1].group[0].indicator
    assert len(hak_memilih) == 6


def test_ikp_dimensions_weigh_the_same() -> None:
    """Bawaslu's dimension weights are not public: equal, and the profile says so."""
    profile = load_profile("ikp-2024")
    assert len({d.weight for d in profile.group}) == 1
    assert all("not public" in d.weight_note for d in profile.group)
    per_dimension: dict[str, float] = {}
    for leaf in leaves(profile):
        per_dimension[leaf.path[0]] = per_dimension.get(leaf.path[0], 0.0) + leaf.weight
    assert per_dimension == pytest.approx(dict.fromkeys(per_dimension, 25.0))


def test_ikp_bands_are_bawaslus_published_thresholds() -> None:
    profile = load_profile("ikp-2024")
    published = {"provinsi": [0, 21.7, 68.5], "kabkota": [0, 13.47, 49.33], "default": [0, 13.47, 49.33]}
    for level, mins in published.items():
        assert [b.code for b in profile.bands[level]] == ["rendah", "sedang", "tinggi"]
        assert [b.min for b in profile.bands[level]] == mins
    kabkota = profile.bands_for("kabkota")
    assert [band_of(kabkota, s).code for s in (13.46, 13.47, 49.32, 49.33)] == [
        "rendah",
        "sedang",
        "sedang",
        "tinggi",
    ]
    # Kaltim's published IKP 2024 score, 77.04, is "rawan tinggi" for a province.
    assert band_of(profile.bands_for("provinsi"), 77.04).code == "tinggi"
    assert band_of(profile.bands_for("provinsi"), 21.69).code == "rendah"


# --- both profiles ---------------------------------------------------------------------------------


def test_effective_weights_add_up_to_the_scale(shipped: ProfileConfig) -> None:
    found = leaves(shipped)
    assert sum(leaf.weight for leaf in found) == pytest.approx(shipped.scale)
    assert all(leaf.weight > 0 for leaf in found)


def test_every_weight_says_where_it_comes_from(shipped: ProfileConfig) -> None:
    def groups(items: tuple[GroupConfig, ...]) -> list[GroupConfig]:
        return [found for g in items for found in (g, *groups(g.group))]

    undocumented = [g.code for g in groups(shipped.group) if not g.weight_note]
    undocumented += [i.code for i in indicators_of(shipped) if not i.weight_note]
    assert undocumented == []
    assert shipped.sources and shipped.description


def test_report_categories_exist_in_the_taxonomy(shipped: ProfileConfig) -> None:
    taxonomy = load_taxonomy()
    for indicator in indicators_of(shipped):
        for category in indicator.categories:
            assert taxonomy.category(category) is not None, f"{indicator.code}: unknown category {category}"
        if indicator.source == "reports":
            assert indicator.rule == "count" and indicator.saturation, indicator.code
    assert set(shipped.reports.severity_weight) == {s.level for s in taxonomy.severities}


def test_stages_exist_in_the_calendar(shipped: ProfileConfig) -> None:
    calendar = load_calendar()
    stages = {s.code for e in calendar.config.election for s in e.stage}
    assert set(shipped.reports.stage_multiplier) <= stages
    assert calendar.election(shipped.election) is not None


def test_attributes_are_registered_with_a_kind_that_fits_the_rule(shipped: ProfileConfig) -> None:
    registry = load_attribute_registry()
    fitting = {"flag": {"present"}, "count": {"present", "count"}, "value": {"scaled"}}
    for indicator in indicators_of(shipped):
        if indicator.source != "attribute":
            continue
        attribute = registry.get(indicator.attribute or "")
        assert attribute is not None, f"{indicator.code}: {indicator.attribute} not in attributes.toml"
        assert indicator.rule in fitting[attribute.kind], (
            f"{indicator.code}: {attribute.kind}, {indicator.rule}"
        )


def test_the_registry_lists_exactly_the_attributes_the_profiles_use() -> None:
    used = {
        i.attribute for code in SHIPPED for i in indicators_of(load_profile(code)) if i.source == "attribute"
    }
    registry = load_attribute_registry()
    assert {a.code for a in registry.attribute} == used
    assert {a.level for a in registry.attribute} <= {"tps", "desa", "kecamatan", "kabkota"}
    assert all(a.description for a in registry.attribute)


def test_bands_cover_the_levels_the_profile_scores(shipped: ProfileConfig) -> None:
    scored = LEVELS[: LEVELS.index(shipped.unit) + 1]
    for level in scored:
        bands = shipped.bands_for(level)
        assert bands[0].min == 0 and bands[-1].min < shipped.scale


# --- editing a profile -----------------------------------------------------------------------------


def test_a_copy_in_the_config_dir_replaces_the_shipped_profile(tmp_path: Path) -> None:
    shipped_file = resources.files("tigapilar.risk").joinpath("data", "profiles", "tps-rawan-2024.toml")
    (tmp_path / "profiles").mkdir()
    copy = tmp_path / "profiles" / "tps-rawan-2024.toml"
    with resources.as_file(shipped_file) as source:
        shutil.copy(source, copy)
    copy.write_text(copy.read_text(encoding="utf-8").replace("min = 18", "min = 15"), encoding="utf-8")
    assert [b.min for b in load_profile("tps-rawan-2024", tmp_path).bands_for("tps")] == [0, 3, 10, 15]
    assert [b.min for b in load_profile("tps-rawan-2024").bands_for("tps")] == [0, 3, 10, 18]


MINI = """
code = "mini"
name = "Mini"
name_en = "Mini"
unit = "tps"
election = "pilkada-2024"

[[bands.default]]
code = "aman"
label = "Aman"
label_en = "Safe"
min = 0

[[group]]
code = "lokasi"
label = "Lokasi"
label_en = "Location"
weight = 1

[[group.indicator]]
code = "sulit"
label = "Sulit dijangkau"
label_en = "Hard to reach"
weight = 1
source = "attribute"
attribute = "sulit_dijangkau"

[[group.indicator]]
code = "bencana"
label = "Rawan bencana"
label_en = "Disaster-prone"
weight = 3
source = "attribute"
attribute = "rawan_bencana"

[[group]]
code = "kampanye"
label = "Kampanye"
label_en = "Campaign"
weight = 4

[[group.indicator]]
code = "politik_uang"
label = "Politik uang"
label_en = "Money politics"
weight = 2
source = "reports"
categories = ["politik_uang"]
rule = "count"
saturation = 3
"""


def write_profile(config_dir: Path, code: str, text: str) -> None:
    (config_dir / "profiles").mkdir(exist_ok=True)
    (config_dir / "profiles" / f"{code}.toml").write_text(text, encoding="utf-8")


def test_effective_weights_of_a_mini_profile_by_hand(tmp_path: Path) -> None:
    write_profile(tmp_path, "mini", MINI)
    found = leaves(load_profile("mini", tmp_path))
    # Groups 1 : 4 of 100 -> lokasi 20, kampanye 80. Inside lokasi 1 : 3 -> sulit 5, bencana 15.
    # Kampanye has one indicator: its weight (2) is its whole group's 80.
    assert [(leaf.path, leaf.indicator.code) for leaf in found] == [
        (("lokasi",), "sulit"),
        (("lokasi",), "bencana"),
        (("kampanye",), "politik_uang"),
    ]
    assert [leaf.weight for leaf in found] == pytest.approx([5.0, 15.0, 80.0])


# --- clear errors ----------------------------------------------------------------------------------


def reason_at(error: ConfigError, place: str) -> str:
    """The reason given for ``place``, failing with every problem listed if there is none."""
    reasons = [why for where, why in error.problems if where == place]
    assert reasons, f"nothing at {place!r} in {error.problems}"
    return reasons[0]


@pytest.mark.parametrize(
    ("old", "new", "place", "reason"),
    [
        ("saturation = 3\n", "", "group[2].indicator[1]", "rule 'count' needs 'saturation'"),
        (
            'categories = ["politik_uang"]\n',
            "",
            "group[2].indicator[1]",
            "source 'reports' needs 'categories'",
        ),
        (
            'attribute = "rawan_bencana"\n',
            "",
            "group[1].indicator[2]",
            "source 'attribute' needs 'attribute'",
        ),
        ("weight = 3\n", "wieght = 3\n", "group[1].indicator[2].wieght", "Extra inputs are not permitted"),
        ("weight = 4\n", "weight = 0\n", "group[2].weight", "greater than 0"),
        (
            'source = "reports"',
            'source = "survei"',
            "group[2].indicator[1].source",
            "'attribute', 'reports' or 'tps'",
        ),
        ('unit = "tps"', 'unit = "rt"', "unit", "'tps', 'desa', 'kecamatan' or 'kabkota'"),
        ('code = "bencana"', 'code = "sulit"', "", "indicator code(s) used twice: sulit"),
        ("min = 0", "min = 5", "", "bands.default: 'min' must start at 0 and increase"),
        ("[[bands.default]]", "[[bands.kelurahan]]", "", "bands needs a 'default' list"),
        ('code = "mini"', 'code = "lain"', "code", "is 'lain' but the file is named 'mini.toml'"),
    ],
)
def test_mistakes_are_refused_with_their_place(
    tmp_path: Path, old: str, new: str, place: str, reason: str
) -> None:
    assert old in MINI
    write_profile(tmp_path, "mini", MINI.replace(old, new, 1))
    with pytest.raises(ConfigError) as caught:
        load_profile("mini", tmp_path)
    assert reason in reason_at(caught.value, place)
    assert str(tmp_path / "profiles" / "mini.toml") in caught.value.message
    assert caught.value.code == "config.invalid"


def test_mistakes_in_nested_groups_are_placed_too(tmp_path: Path) -> None:
    shipped_file = resources.files("tigapilar.risk").joinpath("data", "profiles", "ikp-2024.toml")
    text = shipped_file.read_text(encoding="utf-8")
    # The first report indicator: dimension 1, sub-dimension 1 (keamanan), indicator 4.
    broken = text.replace("saturation = 10\n", "", 1)
    write_profile(tmp_path, "ikp-2024", broken)
    with pytest.raises(ConfigError) as caught:
        load_profile("ikp-2024", tmp_path)
    assert "'kekerasan_laporan': rule 'count' needs 'saturation'" in reason_at(
        caught.value, "group[1].group[1].indicator[4]"
    )


def test_not_toml_and_unknown_profiles_are_said_plainly(tmp_path: Path) -> None:
    write_profile(tmp_path, "mini", MINI + "\n[[group\n")
    with pytest.raises(ConfigError) as caught:
        load_profile("mini", tmp_path)
    assert "not valid TOML" in reason_at(caught.value, "")
    with pytest.raises(ConfigError) as caught:
        load_profile("tidak-ada", tmp_path)
    assert reason_at(caught.value, "") == "no profile 'tidak-ada'"
