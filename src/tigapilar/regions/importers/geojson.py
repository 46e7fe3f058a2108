"""Boundaries from a GeoJSON FeatureCollection.

Each feature needs ``properties.code`` (or ``kode``) and a Polygon or MultiPolygon geometry;
``name``/``nama`` is needed only to add a region not yet loaded; ``lat``/``lng`` give the centroid,
computed from the polygon when absent. Rows behave as in the wilayah_boundaries import.

Features are read one at a time (the file is never loaded whole), so a province's villages with
detailed polygons import in flat memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.orm import Session

from tigapilar.regions.geometry import from_geojson
from tigapilar.regions.importers.base import FileReadError, ImportResult, SourceRow, run_import
from tigapilar.regions.importers.boundaries import ShapeHandler
from tigapilar.regions.importers.streamwindow import StreamWindow

_DECODER = json.JSONDecoder()
_SPACE = " \t\r\n"


def import_geojson(
    session: Session,
    path: Path | str,
    provinces: Sequence[str] | None = None,
    advance: Callable[[int], None] | None = None,
) -> ImportResult:
    path = Path(path)
    handler = ShapeHandler(parse_shape=from_geojson, geometry_column="geometry")
    handler.kind = "geojson"
    return run_import(session, str(path), _rows(path), handler, provinces, advance)


def _rows(path: Path) -> Iterator[SourceRow]:
    with open(path, encoding="utf-8-sig") as stream:
        try:
            for number, (line, feature) in enumerate(iter_features(stream), start=1):
                yield _source_row(number, line, feature)
        except UnicodeDecodeError as exc:
            raise FileReadError(1, f"the file is not UTF-8 text ({exc.reason})") from exc


def _source_row(number: int, line: int, feature: Any) -> SourceRow:
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        return SourceRow(line, None, None, problem=("", f"feature #{number} is not a GeoJSON Feature"))
    properties = feature.get("properties")
    if not isinstance(properties, Mapping):
        properties = {}
    code_column = "kode" if "code" not in properties and "kode" in properties else "code"
    name_column = "nama" if "name" not in properties and "nama" in properties else "name"
    code = properties.get(code_column)
    name = properties.get(name_column)
    fields = {
        "geometry": feature.get("geometry"),
        "lat": properties.get("lat"),
        "lng": properties.get("lng"),
    }
    return SourceRow(
        line,
        None if code is None else str(code),
        None if name is None else str(name),
        fields,
        code_column=f"properties.{code_column}",
        name_column=f"properties.{name_column}",
    )


class _Reader(StreamWindow):
    """Decodes one JSON value at a time from a stream, reading more when a value is cut off."""

    def _advance(self, end: int) -> None:
        self.line += self.text.count("\n", self.pos, end)
        self.pos = end

    def peek(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _SPACE:
                self._advance(self.pos + 1)
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.fill():
                return ""

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            found = self.peek() or "the end of the file"
            raise FileReadError(self.line, f"expected {what} but found {found!r}")
        self._advance(self.pos + 1)

    def value(self) -> tuple[int, Any]:
        self.peek()
        line = self.line
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                # A value cut by the end of what was read looks like broken JSON: read on first.
                if self.fill():
                    continue
                raise FileReadError(self.line, f"broken JSON: {exc.msg}") from exc
            if end == len(self.text) and not self.eof and isinstance(value, int | float) and self.fill():
                continue  # a number may go on in the next chunk
            self._advance(end)
            return line, value


def iter_features(stream: TextIO) -> Iterator[tuple[int, Any]]:
    """(line, feature) for each feature of a FeatureCollection, without loading the whole file."""
    reader = _Reader(stream)
    reader.expect("{", "a GeoJSON object starting with {")
    seen_features = False
    while reader.peek() != "}":
        _, key = reader.value()
        if not isinstance(key, str):
            raise FileReadError(reader.line, "expected a property name")
        reader.expect(":", "':'")
        if key == "features":
            seen_features = True
            yield from _features(reader)
        else:
            _, value = reader.value()
            if key == "type" and value != "FeatureCollection":
                raise FileReadError(reader.line, f"type is {value!r}; a FeatureCollection is needed")
        if reader.peek() != ",":
            break
        reader.expect(",", "','")
    reader.expect("}", "',' or '}'")
    if not seen_features:
        raise FileReadError(reader.line, "the file has no features list; is it a GeoJSON FeatureCollection?")


def _features(reader: _Reader) -> Iterator[tuple[int, Any]]:
    reader.expect("[", "the list of features")
    if reader.peek() == "]":
        reader.expect("]", "']'")
        return
    while True:
        yield reader.value()
        if reader.peek() == ",":
            reader.expect(",", "','")
            continue
        reader.expect("]", "',' or ']' after a feature")
        return
