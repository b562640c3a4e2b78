"""read_opml: real OPML files from tests/data/opml, hostile ones included (see its README)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from digest.collect import OpmlFeed, read_opml
from digest.errors import ConfigError

DATA = Path(__file__).resolve().parents[1] / "data" / "opml"
REFUSED = "the OPML file declares a DOCTYPE or entities; refusing to read it."


def test_feeds_in_nested_folders_in_document_order() -> None:
    assert read_opml(DATA / "nested.opml") == (
        OpmlFeed("The Regional Paper", "https://regional.example.org/feed.xml"),
        OpmlFeed("City Hall minutes", "https://city.example.org/rss"),
        OpmlFeed("", "http://no-title.example.net/atom"),
        OpmlFeed("Café & Code", "https://cafe.example.org/feed?a=1&b=2"),
        OpmlFeed("At the top", "https://top.example.org/index.xml"),
    )


@pytest.mark.parametrize(
    "name", ["billion-laughs.opml", "billion-laughs-utf16.opml", "external-entity.opml"]
)
def test_entities_and_dtds_are_refused_before_anything_expands(name: str) -> None:
    path = DATA / name
    started = time.monotonic()
    with pytest.raises(ConfigError) as info:
        read_opml(path)
    assert time.monotonic() - started < 1.0
    assert str(info.value) == f"{path}: {REFUSED}"
    assert info.value.hint == "export the subscriptions again from your feed reader"


def test_an_xml_file_that_is_not_opml() -> None:
    path = DATA / "not-opml.xml"
    with pytest.raises(ConfigError) as info:
        read_opml(path)
    assert str(info.value) == f"{path}: not an OPML file (the root element is <rss>)."


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.opml"
    with pytest.raises(ConfigError) as info:
        read_opml(path)
    assert str(info.value) == f"{path}: cannot read the OPML file: No such file or directory."
