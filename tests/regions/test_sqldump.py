"""The streaming SQL dump reader: data rows out, everything else skipped, positions kept."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from tigapilar.regions.importers import sqldump, streamwindow
from tigapilar.regions.importers.sqldump import SqlDumpError, iter_sql_rows

DUMP = """/*
header comment with 'quotes' and ; semicolons
*/
-- a line comment; INSERT INTO nope VALUES ('x');
# a hash comment
DROP TABLE IF EXISTS wilayah;
CREATE TABLE wilayah (kode varchar(13) NOT NULL, nama varchar(100));
DELETE FROM wilayah WHERE kode LIKE '64.%' AND nama = 'it''s; fine';
/*!40101 SET NAMES utf8 */;
INSERT INTO wilayah (kode, nama)
VALUES
('64','Kalimantan Timur'),
('64.03.01.2001','Long La''ai'),   -- doubled quote
  /* between tuples */ ('64.07.01.2001','Mu\\'ut'),
('64.72','multi
line'),
('64.99', NULL);
insert ignore into `db`.`wilayah_luas` VALUES ('64', 'Kalimantan Timur', 126951.758),
 ('64.72','Kota Samarinda',-7.5e1) ON DUPLICATE KEY UPDATE luas = VALUES(luas);
INSERT INTO t (a) VALUES ('back\\\\slash\\n');"""


def rows(text: str) -> list[sqldump.SqlRow]:
    return list(iter_sql_rows(io.StringIO(text)))


def test_reads_only_insert_tuples_with_their_line_numbers() -> None:
    found = rows(DUMP)
    assert [(r.table, r.values, r.line) for r in found] == [
        ("wilayah", ("64", "Kalimantan Timur"), 12),
        ("wilayah", ("64.03.01.2001", "Long La'ai"), 13),
        ("wilayah", ("64.07.01.2001", "Mu'ut"), 14),
        ("wilayah", ("64.72", "multi\nline"), 15),
        ("wilayah", ("64.99", None), 17),
        ("wilayah_luas", ("64", "Kalimantan Timur", "126951.758"), 18),
        ("wilayah_luas", ("64.72", "Kota Samarinda", "-7.5e1"), 19),
        ("t", ("back\\slash\n",), 20),
    ]
    assert found[0].columns == ("kode", "nama")
    assert found[5].columns is None


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_chunk_boundaries_do_not_change_what_is_read(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    expected = rows(DUMP)
    monkeypatch.setattr(streamwindow, "CHUNK", chunk)
    assert rows(DUMP) == expected


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("INSERT INTO t VALUES ('open", 1, "well-formed"),
        ("\n\nINSERT INTO t VALUES (1, 2), (3", 3, "well-formed"),
        ("-- ok\n/* never closed", 2, "comment is never closed"),
        ("\nDELETE FROM t WHERE a = 'open", 2, "quoted string is never closed"),
        ("INSERT INTO VALUES (1)", 1, "INSERT INTO table VALUES"),
    ],
)
def test_broken_dumps_say_where(text: str, line: int, reason: str) -> None:
    with pytest.raises(SqlDumpError) as caught:
        rows(text)
    assert caught.value.line == line
    assert reason in caught.value.reason


def test_empty_and_comment_only_dumps_have_no_rows() -> None:
    assert rows("") == []
    assert rows("-- nothing\n/* here */\n;\n") == []


def test_long_strings_cut_by_chunk_ends_are_read_quickly() -> None:
    # A polygon-sized string read in small chunks: each cut is an unfinished string the reader must
    # give up on at once. Run in a child process, so that a regression fails instead of hanging.
    script = (
        "import io\n"
        "from tigapilar.regions.importers import sqldump, streamwindow\n"
        "streamwindow.CHUNK = 100\n"
        "text = \"INSERT INTO t (a, b) VALUES ('x', '\" + '[1.5,2.5],' * 3000 + \"');\"\n"
        "rows = list(sqldump.iter_sql_rows(io.StringIO(text)))\n"
        "assert len(rows) == 1 and len(rows[0].values[1]) == 30000\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
