"""An edition rendered with its public links, and published to the web archive."""

from __future__ import annotations

import logging

from .. import publish, render
from ..config import ListSettings, Settings
from ..errors import DigestError
from ..models import Edition, RenderedEdition

log = logging.getLogger(__package__)


def render_edition(edition: Edition, settings: Settings, item: ListSettings) -> RenderedEdition:
    """Render an edition once, linking to its page and its list's archive."""
    return render.render(edition, settings, item, publish.links(edition, settings, item))


def archive(
    edition: Edition, rendered: RenderedEdition, settings: Settings, item: ListSettings
) -> None:
    """Publish the edition to the web archive; a failure there never stops the sending."""
    manage_url = publish.links(edition, settings, item).manage_url
    page = render.public_html(rendered, manage_url=manage_url)
    try:
        publish.write_archive(edition, rendered.subject, page, settings, item)
    except DigestError as exc:
        log.warning("list %s: edition not archived: %s", item.name, exc)
