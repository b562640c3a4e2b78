"""The typed values passed between pipeline stages.

config ─► collect ─► extract ─► summarize ─► compose ─► render ─► send
          RawArticle  Article    Summary      Edition    Message

Every class is a frozen, slotted dataclass and every sequence is a tuple, so a value
handed to the next stage cannot be changed behind the previous stage's back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

BodyFormat = Literal["html", "text", "markdown"]


@dataclass(frozen=True, slots=True)
class RawArticle:
    """One article as a source delivered it, before any cleaning."""

    source: str
    """Name of the source (as configured) that delivered the article."""
    url: str
    """Link to the original: an http(s) URL, or a file:// URI for local files."""
    guid: str
    """Stable identity of the article within its source, used to send it only once."""
    title: str
    published: datetime | None
    """Publication time, timezone-aware UTC, or None when the source gives none."""
    body: str
    """Content exactly as delivered (HTML, plain text or Markdown)."""
    body_format: BodyFormat


@dataclass(frozen=True, slots=True)
class Article:
    """An article's main text, cleaned of markup and site clutter."""

    source: str
    url: str
    guid: str
    title: str
    published: datetime | None
    text: str
    """Main text only: paragraphs separated by a blank line; no title, no clutter."""
    headings: tuple[str, ...] = ()
    """Sub-headings found in the body; they structure the text but are never key points."""
    language: str = "en"
    """ISO 639-1 code of the text's language."""


@dataclass(frozen=True, slots=True)
class Coverage:
    """Another source's article on the same story, listed under the item with its own link."""

    source: str
    """Name of the source (as configured) that published it."""
    url: str
    title: str
    guid: str


@dataclass(frozen=True, slots=True)
class Summary:
    """An article condensed into key points: whole sentences of the article, in its order."""

    article: Article
    key_points: tuple[str, ...]
    also_covered_by: tuple[Coverage, ...] = ()
    """The other sources' articles that told the same story, one per source."""
    related_guids: tuple[str, ...] = ()
    """Guids of the other articles that told the same story (sent with this one)."""


@dataclass(frozen=True, slots=True)
class Edition:
    """One issue of one list: the summaries one group of readers gets, in order."""

    list_name: str
    """The list's key in the config, e.g. ``daily``."""
    title: str
    """The list's human title, e.g. ``Morning Briefing``."""
    created: datetime
    """When the edition was made, timezone-aware UTC."""
    timezone: str
    """IANA zone in which dates are shown to readers."""
    summaries: tuple[Summary, ...]


@dataclass(frozen=True, slots=True)
class Recipient:
    """One subscriber as far as one message is concerned."""

    email: str
    name: str = ""


SubscriberStatus = Literal["active", "paused", "unsubscribed"]
STATUSES: tuple[SubscriberStatus, ...] = ("active", "paused", "unsubscribed")
MailFormat = Literal["html", "text"]


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One subscriber of one list with their choices, as a subscriber file states them."""

    email: str
    name: str = ""
    status: SubscriberStatus = "active"
    """Only ``active`` subscribers get editions; ``paused`` ones are kept for later."""
    topics: tuple[str, ...] = ()
    """Keywords or source names; items must match one (if any), never one starting with -."""
    max_items: int | None = None
    """Most items this subscriber gets; None for as many as the list sends."""
    format: MailFormat = "html"
    """``html`` (HTML with a plain-text alternative) or ``text`` (plain text only)."""
    timezone: str | None = None
    """IANA zone for dates in this subscriber's mail; None for the list's zone."""

    @property
    def recipient(self) -> Recipient:
        """The subscriber as far as one message is concerned."""
        return Recipient(self.email, self.name)


@dataclass(frozen=True, slots=True)
class Message:
    """One finished email for one recipient, ready for the transport."""

    sender: str
    """Envelope sender address (bare address)."""
    to: str
    """Envelope recipient address (bare address)."""
    subject: str
    message_id: str
    data: bytes
    """The complete RFC 5322 message (headers and MIME body), CRLF line ends."""


@dataclass(frozen=True, slots=True)
class EditionLinks:
    """Public addresses of an edition and of its list's archive, which the mail links to."""

    view_url: str
    """The edition's own page ("view in browser")."""
    archive_url: str
    """The list's index of past editions, with how to (un)subscribe."""
    feed_url: str
    """The list's Atom feed of editions."""

    @property
    def manage_url(self) -> str:
        """Where a reader manages the subscription: the index's subscription section."""
        return self.archive_url + "#subscription"


@dataclass(frozen=True, slots=True)
class RenderedEdition:
    """One edition rendered once (CSS inlined, MIME body encoded), awaiting recipients."""

    list_name: str
    subject: str
    """The finished subject line (one line, not yet RFC 2047 encoded)."""
    html: str
    """HTML body with CSS inlined, holding ``__digest_<slot>__`` recipient placeholders."""
    text: str
    """Plain-text body wrapped at 72 columns, with the same placeholders."""
    sender: str
    """Envelope sender (bare address) taken from the configured From."""
    reply_to: str | None
    list_id: str
    """RFC 2919 list identifier, e.g. ``daily.example.org``."""
    unsubscribe_mailto: str
    """The mailto: half of List-Unsubscribe, the same for every recipient."""
    mime_head: bytes
    """Encoded headers shared by every recipient, CRLF line ends."""
    mime_body: tuple[bytes, ...]
    """Encoded MIME body split at the placeholders; personalize() joins it with values."""
    mime_slots: tuple[str, ...]
    """``<format>:<slot>`` filled between ``mime_body[i]`` and ``mime_body[i + 1]``."""
