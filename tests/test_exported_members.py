"""`digest.__all__` is sorted, complete and importable."""

from __future__ import annotations

from types import ModuleType

import digest


def test_all_is_sorted_and_importable():
    assert digest.__all__ == sorted(digest.__all__)
    for name in digest.__all__:
        assert hasattr(digest, name), name


def test_every_public_name_is_exported():
    public = {
        name
        for name, value in vars(digest).items()
        if not name.startswith("_") and not isinstance(value, ModuleType) and name != "annotations"
    }
    assert public == {name for name in digest.__all__ if not name.startswith("_")}
