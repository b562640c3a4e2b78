"""The publish stage."""

from __future__ import annotations

from ._archive import edition_url, index_url, list_url, write_archive

__all__ = ["edition_url", "index_url", "list_url", "write_archive"]
