"""Publish: each edition as a static web page, with the list's index and Atom feed.

`links` gives the public addresses the mail links to; `write_archive` writes the page
(the edition's HTML with no reader's values in it), then rebuilds index.html and feed.xml.
"""

from __future__ import annotations

from ._archive import links, write_archive

__all__ = ["links", "write_archive"]
