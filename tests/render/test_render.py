"""Tests for digest.render: golden mail, headers, wrapping, HTML hygiene and errors."""

from __future__ import annotations

import difflib
import email
import os
import re
import smtplib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.config._load import load_settings
from digest.config._settings import ListSettings, Settings
from digest.errors import ConfigError, RenderError
from digest.models import (
    Article,
    Coverage,
    Edition,
    Message,
    Recipient,
    RenderedEdition,
    Summary,
)
from digest.pipeline._check import check
from digest.publish import links
from digest.render._render import WIDTH, personalize
from digest.render._render import render as render_stage
from digest.render._subject import SUBJECT_WIDTH, render_subject, width

from ..smtp_helpers import SmtpSink

GOLDEN = Path(__file__).parents[1] / "golden"
NOW = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
UNSUBSCRIBE = "https://digest.example.org/unsubscribe?list=daily&token=a1b2c3"


def render(edition: Edition, settings: Settings, lst: ListSettings, **kw: Any) -> RenderedEdition:
    """The render stage with the links the pipeline gives it (publish.links)."""
    return render_stage(edition, settings, lst, links(edition, settings, lst), **kw)


def _settings(lst: ListSettings, **changes: object) -> Settings:
    values: dict[str, object] = {
        "config_path": Path("/srv/digest/digest.toml"),
        "sender": "Morning Briefing <digest@example.org>",
        "reply_to": "editor@example.org",
        "state_path": Path("/srv/digest/state.db"),
        "timezone": "Europe/Berlin",
        "lists": (lst,),
    }
    values.update(changes)
    return Settings.model_validate(values)


def _list(**changes: object) -> ListSettings:
    values: dict[str, object] = {
        "name": "daily",
        "title": "Morning Briefing",
        "description": "The day's news in three points per story.",
    }
    values.update(changes)
    return ListSettings.model_validate(values)


def _article(n: int, **changes: object) -> Article:
    values: dict[str, object] = {
        "source": "Example News",
        "url": f"https://news.example.org/2025/03/story-{n}?ref=rss&utm=x",
        "guid": f"story-{n}",
        "title": f"Story number {n}",
        "published": NOW - timedelta(hours=n),
        "text": "",
    }
    values.update(changes)
    return Article(**values)  # type: ignore[arg-type]


def _edition(*summaries: Summary, title: str = "Morning Briefing") -> Edition:
    return Edition("daily", title, NOW, "Europe/Berlin", summaries)


BASIC = _edition(
    Summary(
        _article(
            1,
            title="River levels rise after a night of <heavy> rain & wind",
            text="The river rose two metres overnight. " * 115,  # 690 words: 3 minutes
        ),
        (
            "The river rose two metres overnight, flooding the lower town and closing "
            "three bridges for the morning commute while crews worked to clear debris.",
            "Officials expect the water to fall by Wednesday.",
            "Schools in the valley stay closed today.",
        ),
        (
            Coverage(
                "City Radio",
                "https://radio.example.org/flood?utm_source=feed",
                "Flood closes three bridges",
                "radio-1",
            ),
            Coverage("The Valley Times", "file:///srv/valley/river.txt", "", "valley-1"),
        ),
    ),
    Summary(
        _article(2, source="Field notes", url="file:///srv/notes/garden.md", published=None),
        ("The tomatoes are late this year.",),
    ),
)
UNICODE = _edition(
    Summary(
        _article(
            3,
            source="Zeitung für Österreich",
            title="Über die Brücke: Wien öffnet die neue Fußgängerbrücke",
            language="de",
        ),
        ("Die Brücke verbindet zwei Bezirke — und spart Pendlern zehn Minuten.",),
    ),
    title="Morgenbriefing ☕",
)
EMPTY = _edition()
LONG_TITLES = (
    "Council approves the new tram line",
    "Heat pumps outsell gas boilers for the first time in the region's history, "
    "says the installers' association",
    "Library extends opening hours",
    "Harbour dredging finds a medieval anchor",
    "Volunteers plant 2,000 trees along the ring road",
    "Schools trial a four-day week",
)
LONG = _edition(
    *(
        Summary(
            _article(n, title=title, text="word " * 230 * n),  # n minutes of reading
            (f"Key point of story {n}.",),
        )
        for n, title in enumerate(LONG_TITLES, start=1)
    )
)
CASES = {
    "basic": (BASIC, Recipient("ann@example.com", "Ann Example")),
    "long": (LONG, Recipient("cy@example.com", "Cy")),
    "unicode": (UNICODE, Recipient("zoe@example.com", "Zoë Müller-Łukasiewicz")),
    "empty": (EMPTY, Recipient("bob@example.com")),
}


def _mail(
    edition: Edition, recipient: Recipient, lst: ListSettings | None = None, **kw: object
) -> tuple[RenderedEdition, Message, EmailMessage]:
    lst = lst or _list(title=edition.title)
    rendered = render(edition, _settings(lst, **kw), lst)
    message = personalize(
        rendered, recipient, unsubscribe_url=UNSUBSCRIBE, now=NOW, message_id="<golden@example.org>"
    )
    parsed = email.message_from_bytes(message.data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return rendered, message, parsed


def _parts(parsed: EmailMessage) -> tuple[str, str]:
    text, page = (part.get_content().replace("\r\n", "\n") for part in parsed.iter_parts())
    return text, page


def _normalize(data: bytes) -> str:
    text = data.decode("utf-8").replace("\r\n", "\n")
    text = re.sub(r"^Message-ID: .*$", "Message-ID: <normalized>", text, flags=re.M)
    text = re.sub(r"^Date: .*$", "Date: <normalized>", text, flags=re.M)
    boundaries = set(re.findall(r'boundary="([^"]+)"', text))
    for number, boundary in enumerate(sorted(boundaries)):
        text = text.replace(boundary, f"BOUNDARY-{number}")
    return text


def _check_golden(actual: str, path: Path) -> None:
    if os.environ.get("DIGEST_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing; run with DIGEST_UPDATE_GOLDEN=1 to create it")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=str(path),
            tofile="actual",
        )
        pytest.fail("rendered mail differs from golden file:\n" + "".join(diff), pytrace=False)


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    edition, recipient = CASES[case]
    _, message, parsed = _mail(edition, recipient)
    text, page = _parts(parsed)
    _check_golden(_normalize(message.data), GOLDEN / case / "message.eml")
    _check_golden(page, GOLDEN / case / "body.html")
    _check_golden(text, GOLDEN / case / "body.txt")


def test_headers() -> None:
    rendered, message, parsed = _mail(*CASES["basic"])
    assert parsed["From"] == "Morning Briefing <digest@example.org>"
    assert parsed["To"] == "Ann Example <ann@example.com>"
    assert parsed["Reply-To"] == "editor@example.org"
    assert parsed["Subject"] == "River levels rise after… (+1 more) — Morning Briefing"
    assert parsed["Date"].datetime == NOW
    assert parsed["Message-ID"] == "<golden@example.org>" == message.message_id
    assert parsed["MIME-Version"] == "1.0"
    assert parsed["List-Id"] == "Morning Briefing <daily.example.org>"
    assert parsed["List-Unsubscribe"] == (
        f"<{UNSUBSCRIBE}>, <mailto:digest+unsubscribe@example.org?subject=unsubscribe>"
    )
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert not parsed.defects and not any(p.defects for p in parts)
    assert (message.sender, message.to, message.subject) == (
        "digest@example.org",
        "ann@example.com",
        rendered.subject,
    )


def test_no_reply_to_and_generated_message_id() -> None:
    lst = _list()
    rendered = render(BASIC, _settings(lst, reply_to=None), lst)
    message = personalize(
        rendered, Recipient("a@example.com"), unsubscribe_url=UNSUBSCRIBE, now=NOW
    )
    parsed = email.message_from_bytes(message.data, policy=policy.default)
    assert "Reply-To" not in parsed
    assert parsed["To"] == "a@example.com"
    assert re.fullmatch(r"<[^@<>]+@example\.org>", message.message_id)
    assert parsed["Message-ID"] == message.message_id


def test_message_bytes_are_smtp_clean() -> None:
    _, message, _ = _mail(*CASES["unicode"])
    assert message.data.isascii()
    assert b"\n" not in message.data.replace(b"\r\n", b"")
    assert b"\r" not in message.data.replace(b"\r\n", b"")
    body = message.data.partition(b"\r\n\r\n")[2]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76  # quoted-printable limit
    head, _, _ = message.data.partition(b"\r\n\r\n")
    assert max(len(line) for line in head.split(b"\r\n")) <= 100


def test_non_ascii_name_and_subject_round_trip() -> None:
    rendered, message, parsed = _mail(*CASES["unicode"])
    assert parsed["To"].addresses[0].display_name == "Zoë Müller-Łukasiewicz"
    assert parsed["To"].addresses[0].addr_spec == "zoe@example.com"
    assert (
        parsed["Subject"]
        == rendered.subject
        == "Über die Brücke: Wien öffnet die neue… — Morgenbriefing ☕"
    )
    assert parsed["List-Id"] == "Morgenbriefing ☕ <daily.example.org>"
    raw_head = message.data.partition(b"\r\n\r\n")[0]
    assert b"=?utf-8?" in raw_head
    text, page = _parts(parsed)
    assert "Hi Zoë," in text
    assert "Hi Zoë," in page


def test_personalize_fills_every_placeholder_with_escaping() -> None:
    rendered, _, _ = _mail(*CASES["basic"])
    tricky = Recipient("o'brien+news@example.com", 'Dr. "Al" <O\'Brien> &\nSons')
    message = personalize(rendered, tricky, unsubscribe_url=UNSUBSCRIBE, now=NOW)
    parsed = email.message_from_bytes(message.data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["To"].addresses[0].display_name == 'Dr. "Al" <O\'Brien> & Sons'
    assert parsed["To"].addresses[0].addr_spec == "o'brien+news@example.com"
    text, page = _parts(parsed)
    assert text == (
        rendered.text.replace("__digest_greeting__", "Hello,")  # "Dr." tells no first name
        .replace("__digest_email__", tricky.email)
        .replace("__digest_unsubscribe_url__", UNSUBSCRIBE)
    )
    assert page == (
        rendered.html.replace("__digest_greeting__", "Hello,")
        .replace("__digest_email__", "o&#x27;brien+news@example.com")
        .replace("__digest_unsubscribe_url__", UNSUBSCRIBE.replace("&", "&amp;"))
    )
    assert "__digest_" not in text + page


def test_unsubscribe_link_visible_in_both_parts() -> None:
    _, _, parsed = _mail(*CASES["basic"])
    text, page = _parts(parsed)
    assert UNSUBSCRIBE in text.splitlines()
    hrefs = lxml.html.fromstring(page).xpath("//a[text()='Unsubscribe']/@href")
    assert hrefs == [UNSUBSCRIBE]


def test_text_is_wrapped_at_72_columns_with_footnotes() -> None:
    _, _, parsed = _mail(*CASES["basic"])
    text, _ = _parts(parsed)
    for line in text.splitlines():
        if "://" not in line:
            assert len(line) <= WIDTH, line
    assert "River levels rise after a night of <heavy> rain & wind [1]" in text
    assert "[1] https://news.example.org/2025/03/story-1?utm=x" in text  # ref= tracks
    assert "[3]" not in text  # a file:// article gets no link
    assert "  * The river rose two metres overnight" in text
    # The other outlets of the story, each once, with its own link as a footnote.
    assert "Also covered by:\n  - City Radio: Flood closes three bridges [2]\n" in text
    assert "\n  - The Valley Times\n" in text
    assert "[2] https://radio.example.org/flood\n" in text
    assert "Example News - Mon 3 Mar, 06:00 CET" in text  # published in the edition's zone


def test_html_is_self_contained_and_inlined() -> None:
    rendered, _, parsed = _mail(*CASES["basic"])
    _, page = _parts(parsed)
    doc = lxml.html.fromstring(page)
    assert not doc.xpath("//script") and "<script" not in page.lower()
    assert not doc.xpath("//link") and not doc.xpath("//@src")
    hrefs = doc.xpath("//a/@href")
    assert hrefs and all(re.match(r"(https?|mailto):", href) for href in hrefs)
    style = "\n".join(doc.xpath("//style/text()"))
    assert "@media screen and (max-width: 620px)" in style
    assert "@media (prefers-color-scheme: dark)" in style
    assert "!important" in style
    assert doc.xpath("//meta[@name='color-scheme']/@content") == ["light dark"]
    assert doc.xpath("//meta[@name='supported-color-schemes']/@content") == ["light dark"]
    assert "font-size:19px" in doc.xpath("//h2")[0].get("style")
    assert "&lt;heavy&gt; rain &amp; wind" in rendered.html
    assert doc.xpath("//time/@datetime")[0] == "2025-03-03T06:00:00+01:00"
    (also,) = doc.xpath("//p[contains(@class, 'also')]")
    assert also.text_content() == "Also covered by City Radio, The Valley Times."
    # Each other outlet once, with its own link (tracking dropped); a file has none.
    assert [(a.text, a.get("href")) for a in also.xpath(".//a")] == [
        ("City Radio", "https://radio.example.org/flood")
    ]


def test_empty_edition_renders() -> None:
    rendered, _, parsed = _mail(*CASES["empty"])
    assert rendered.subject == "No new articles — Morning Briefing"
    text, page = _parts(parsed)
    assert "No new articles this time." in text and "No new articles this time." in page
    assert "Hello," in text


def test_undefined_variable_in_custom_template(tmp_path: Path) -> None:
    (tmp_path / "digest.html.j2").write_text("<p>{{ title }}</p>\n<p>{{ no_such_thing }}</p>\n")
    lst = _list()
    with pytest.raises(RenderError) as caught:
        render(BASIC, _settings(lst), lst, template_dir=tmp_path)
    assert str(caught.value) == "template digest.html.j2 line 2: 'no_such_thing' is undefined"


def test_bad_subject_template() -> None:
    lst = _list(subject="{{ title }} {{ weather }}")
    with pytest.raises(RenderError, match="'weather' is undefined"):
        render(BASIC, _settings(lst), lst)


def test_subject_is_one_line() -> None:
    lst = _list(subject="{{ title }}\n{{ count }} stories:\r\n {{ headline }}")
    rendered = render(BASIC, _settings(lst), lst)
    assert rendered.subject == "Morning Briefing 2 stories: River levels rise after a night…"


def test_css_parser_noise_stays_quiet(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "digest.html.j2").write_text(
        "<html><head><style>p { colr: red; mso-line-height-rule: exactly; width: 10qq }"
        '</style></head><body><p>{{ title }}</p><a href="{{ unsubscribe_url }}">x</a>'
        "</body></html>\n"
    )
    lst = _list()
    rendered = render(BASIC, _settings(lst), lst, template_dir=tmp_path)
    assert "mso-line-height-rule:exactly" in rendered.html
    assert capfd.readouterr().err == ""


def test_bad_unsubscribe_url_is_refused() -> None:
    rendered, _, _ = _mail(*CASES["basic"])
    with pytest.raises(RenderError, match="not an absolute http"):
        personalize(rendered, Recipient("a@example.com"), unsubscribe_url="/u/1", now=NOW)


def test_render_is_independent_of_recipient() -> None:
    rendered, _, _ = _mail(*CASES["basic"])
    again = render(BASIC, _settings(_list()), _list())
    assert again == rendered


def test_planted_placeholders_do_not_leak_recipient_values() -> None:
    planted = _edition(
        Summary(
            _article(
                7,
                title="Hi __digest_email__",
                url="https://tracker.example.net/?who=__digest_email__",
                source="__digest_name__",
            ),
            ("Unsubscribe here: __digest_unsubscribe_url__",),
        )
    )
    _, _, parsed = _mail(planted, Recipient("victim@example.com", "Victim"))
    text, page = _parts(parsed)
    assert text.count("victim@example.com") == page.count("victim@example.com") == 1
    assert text.count(UNSUBSCRIBE) == 1
    assert lxml.html.fromstring(page).xpath("//h2/a/@href") == [
        "https://tracker.example.net/?who=__digest%5Femail__"
    ]


def test_recipient_values_are_not_expanded_again() -> None:
    rendered, _, _ = _mail(*CASES["basic"])
    message = personalize(
        rendered,
        Recipient("__digest_unsubscribe_url__@example.com", "Ann"),
        unsubscribe_url=UNSUBSCRIBE,
        now=NOW,
    )
    parsed = email.message_from_bytes(message.data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    text, _ = _parts(parsed)
    assert "\n__digest_unsubscribe_url__@example.com\n" in text
    assert text.count(UNSUBSCRIBE) == 1


@pytest.mark.parametrize(
    ("address", "message_id"),
    [
        ("a@example.com\r\nBcc: everyone@example.com", None),
        ("<a@example.com>", None),
        ("a@example.com", "<x@example.org>\r\nBcc: everyone@example.com"),
    ],
)
def test_header_injection_is_refused(address: str, message_id: str | None) -> None:
    rendered, _, _ = _mail(*CASES["basic"])
    with pytest.raises(RenderError, match=r"not usable in a header|not printable ASCII"):
        personalize(
            rendered,
            Recipient(address),
            unsubscribe_url=UNSUBSCRIBE,
            now=NOW,
            message_id=message_id,
        )


def test_message_survives_a_real_smtp_server(smtp_server: SmtpSink) -> None:
    _, message, _ = _mail(*CASES["unicode"])
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
        client.sendmail(message.sender, [message.to], message.data)
    [received] = smtp_server.messages
    assert received.rcpt_tos == [message.to]
    assert received.data.replace(b"\r\n", b"\n") == message.data.replace(b"\r\n", b"\n")


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text("{{ title }}\n{% for x in items %}\n")
    lst = _list()
    with pytest.raises(RenderError, match=r"^template digest\.txt\.j2 line 2: Unexpected end"):
        render(BASIC, _settings(lst), lst, template_dir=tmp_path)


def test_unknown_timezone_and_bad_sender() -> None:
    lst = _list()
    with pytest.raises(RenderError, match="'Mars/Olympus' is not a known IANA zone"):
        render(replace(BASIC, timezone="Mars/Olympus"), _settings(lst), lst)
    with pytest.raises(RenderError, match="has no email address"):
        render(BASIC, _settings(lst, sender="Morning Briefing"), lst)


def test_given_message_id_and_international_domain() -> None:
    rendered, _, _ = _mail(*CASES["basic"])
    message = personalize(
        rendered,
        Recipient("jörg@bücher.example", "Jörg"),
        unsubscribe_url=UNSUBSCRIBE,
        now=NOW,
        message_id="42@example.org",
    )
    parsed = email.message_from_bytes(message.data, policy=policy.default)
    assert parsed["Message-ID"] == message.message_id == "<42@example.org>"
    # The stdlib parser cannot read a UTF-8 local part (RFC 6532), so look at the bytes.
    assert "\r\nTo: =?utf-8?b?SsO2cmc=?= <jörg@xn--bcher-kva.example>\r\n".encode() in message.data
    with pytest.raises(ValueError, match="timezone-aware"):
        personalize(
            rendered,
            Recipient("a@example.com"),
            unsubscribe_url=UNSUBSCRIBE,
            now=NOW.replace(tzinfo=None),
        )


def test_table_of_contents_only_for_long_editions() -> None:
    _, _, parsed = _mail(*CASES["long"])
    text, page = _parts(parsed)
    doc = lxml.html.fromstring(page)
    assert doc.xpath("//ol[@class='toc-list']/li/a/text()") == list(LONG_TITLES)
    assert text.index("In this edition:") < text.index("Council approves the new tram line [1]")
    assert "  1. Council approves the new tram line\n" in text
    for short in ("basic", "unicode", "empty"):
        _, _, parsed = _mail(*CASES[short])
        text, page = _parts(parsed)
        assert "In this edition" not in text + page, short


def test_reading_time_per_item() -> None:
    _, _, parsed = _mail(*CASES["long"])
    text, page = _parts(parsed)
    bylines = lxml.html.fromstring(page).xpath("//p[@class='byline']")
    assert [b.text_content().rpartition(" · ")[2] for b in bylines] == [
        f"{n} min read" for n in range(1, 7)
    ]
    assert "Example News - Mon 3 Mar, 04:00 CET - 3 min read" in text
    _, _, parsed = _mail(*CASES["basic"])
    text, _ = _parts(parsed)
    assert "Field notes\n" in text  # an article without text gets no reading time
    japanese = _edition(Summary(_article(1, text="あ" * 1500, language="ja"), ("点。",)))
    _, _, parsed = _mail(japanese, Recipient("a@example.com"))
    assert "3 min read" in _parts(parsed)[0]  # characters, not space-separated words


def test_footer_links_view_in_browser_archive_and_manage() -> None:
    _, _, parsed = _mail(*CASES["basic"])
    text, page = _parts(parsed)
    links = {a.text_content(): a.get("href") for a in lxml.html.fromstring(page).xpath("//a")}
    archive = "https://digest.example.org/archive/daily/"
    assert links["View in browser"] == archive + "2025-03-03-070000.html"  # 06:00 UTC, Berlin
    assert links["Past editions"] == archive + "index.html"
    assert links["Manage subscription"] == archive + "index.html#subscription"
    assert links["Unsubscribe"] == UNSUBSCRIBE
    assert f"View this edition in a browser:\n{archive}2025-03-03-070000.html\n" in text
    lst = _list()
    rendered = render(BASIC, _settings(lst, archive_url="https://mirror.example.net/d/"), lst)
    assert "https://mirror.example.net/d/daily/2025-03-03-070000.html" in rendered.html


def test_static_html_hygiene_for_every_case() -> None:
    """No script, no external CSS or fonts, alt text on images, every link absolute."""
    for case in CASES:
        _, _, parsed = _mail(*CASES[case])
        _, page = _parts(parsed)
        doc = lxml.html.fromstring(page)
        assert not doc.xpath("//script | //link | //iframe | //object | //embed"), case
        assert not re.search(r"@import|@font-face|url\(", page, re.I), case
        assert not doc.xpath("//@*[starts-with(name(), 'on')]"), case
        assert all(img.get("alt") is not None for img in doc.xpath("//img")), case
        hrefs = doc.xpath("//a/@href")
        jumps = {f"#{name}" for name in doc.xpath("//a[not(@href)]/@name")}  # the TOC's
        assert hrefs and all(re.match(r"https://|mailto:", h) or h in jumps for h in hrefs), (
            case,
            hrefs,
        )
        assert len(page.encode()) < 102_000, case  # Gmail clips longer messages


THEME_HTML = """{% extends "digest.html.j2" %}
{% block style %}{{ super() }}
.title { color: #7a1f5c; }
{% endblock %}
{% block header %}
<tr><td class="header"><h1 class="title">{{ title }} (themed)</h1></td></tr>
{% endblock %}
"""


def _theme(folder: Path, html_template: str = THEME_HTML) -> Path:
    (folder / "partials").mkdir(parents=True)
    (folder / "digest.html.j2").write_text(html_template)
    (folder / "partials" / "item.html.j2").write_text(
        '{% extends "partials/item.html.j2" %}\n'  # a partial may extend its built-in too
    )
    return folder


def test_theme_extends_the_builtin_template_and_overrides_blocks(tmp_path: Path) -> None:
    lst = _list(template_dir=_theme(tmp_path / "theme"))
    rendered = render(BASIC, _settings(lst), lst)
    doc = lxml.html.fromstring(rendered.html)
    [title] = doc.xpath("//h1")
    assert title.text_content() == "Morning Briefing (themed)"
    assert "color:#7a1f5c" in title.get("style").replace(" ", "")
    assert len(doc.xpath("//td[@class='item']")) == 2  # blocks it did not touch stay
    assert "__digest_greeting__" not in rendered.html  # its header drops the greeting
    assert rendered.text == render(BASIC, _settings(_list()), _list()).text  # no theme text


def test_theme_may_name_the_builtin_template_explicitly(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "digest.txt.j2").write_text(
        '{% extends "builtin/digest.txt.j2" %}{% block toc %}CUSTOM TOC\n\n{% endblock %}'
    )
    lst = _list(template_dir=theme)
    rendered = render(BASIC, _settings(lst), lst)
    assert rendered.text.splitlines()[5] == "CUSTOM TOC"


def test_check_reports_an_undefined_variable_in_a_theme(tmp_path: Path) -> None:
    # Only in the table of contents, which a short edition never shows: check must still see it.
    broken = THEME_HTML + "{% block toc %}{% if toc %}{{ toc_heading }}{% endif %}{% endblock %}\n"
    lst = _list(template_dir=_theme(tmp_path / "theme", broken))
    result = check(_settings(lst), now=NOW)
    assert result.problems == (
        "[lists.daily] templates: template digest.html.j2 line 8: 'toc_heading' is undefined",
    )
    fine = _list(template_dir=_theme(tmp_path / "fine"))
    assert check(_settings(fine), now=NOW).problems == ()


def test_template_without_unsubscribe_link_is_refused(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "digest.html.j2").write_text(
        '{% extends "digest.html.j2" %}{% block footer %}<tr><td>Bye</td></tr>{% endblock %}'
    )
    lst = _list(template_dir=theme)
    with pytest.raises(RenderError, match=r"^template digest\.html\.j2 does not show unsub"):
        render(BASIC, _settings(lst), lst)


def test_config_resolves_template_dir_and_reports_a_missing_one(tmp_path: Path) -> None:
    (tmp_path / "themes" / "dark").mkdir(parents=True)
    config = tmp_path / "digest.toml"
    config.write_text(
        'sender = "d@example.org"\n[lists.daily]\ntitle = "D"\ntemplate_dir = "themes/dark"\n'
    )
    settings = load_settings(config, environ={})
    assert settings.lists[0].template_dir == tmp_path / "themes" / "dark"
    config.write_text(
        'sender = "d@example.org"\n[lists.daily]\ntitle = "D"\ntemplate_dir = "themes/none"\n'
    )
    with pytest.raises(ConfigError, match=r"\[lists\.daily\] template_dir: .*themes/none is not"):
        load_settings(config, environ={})


def test_digest_check_command_names_the_theme_file_and_line(tmp_path: Path) -> None:
    theme = tmp_path / "themes" / "plain"
    theme.mkdir(parents=True)
    (theme / "digest.txt.j2").write_text(
        '{% extends "digest.txt.j2" %}\n{% block header %}\n{{ title }} {{ edition_no }}\n'
        "{% endblock %}\n"
    )
    (tmp_path / "digest.toml").write_text(
        'sender = "d@example.org"\nstate = "state.db"\n'
        '[lists.daily]\ntitle = "Daily"\ntemplate_dir = "themes/plain"\n'
        '[[lists.daily.sources]]\nname = "n"\ntype = "folder"\npath = "."\n'
    )
    config = str(tmp_path / "digest.toml")
    result = CliRunner().invoke(cli, ["check", "--config", config], catch_exceptions=False)
    assert result.exit_code == 2
    assert (
        "[lists.daily] templates: template digest.txt.j2 line 3: 'edition_no' is undefined"
        in result.output
    )
    assert "Traceback" not in result.output


def test_links_lose_tracking_parameters_in_both_parts() -> None:
    tracked = "https://news.example.org/a?id=7&utm_source=rss&fbclid=x&page=2&mc_eid=y#part-2"
    edition = _edition(Summary(_article(1, url=tracked), ("A point.",)))
    _, _, parsed = _mail(edition, Recipient("a@example.com"))
    text, page = _parts(parsed)
    clean = "https://news.example.org/a?id=7&page=2#part-2"
    assert lxml.html.fromstring(page).xpath("//h2/a/@href") == [clean]
    assert f"[1] {clean}" in text.splitlines()
    assert not re.search(r"utm_|fbclid|mc_eid", text + page)


def test_table_of_contents_entries_jump_to_their_items() -> None:
    _, _, parsed = _mail(*CASES["long"])
    text, page = _parts(parsed)
    doc = lxml.html.fromstring(page)
    links = doc.xpath("//ol[@class='toc-list']/li/a")
    assert [a.get("href") for a in links] == [f"#item-{n}" for n in range(1, 7)]
    for number, link in enumerate(links, start=1):
        # Gmail's webmail and Outlook for Windows jump only to an empty <a name>, not to an id.
        [target] = doc.xpath(f"//a[@name='item-{number}']")
        assert target.get("id") == f"item-{number}" and not target.text_content()
        assert len(doc.xpath(f"//*[@id='item-{number}']")) == 1
        [title] = target.getparent().xpath(".//h2")
        # Where a client ignores the jump, the item's number still points the way.
        assert title.text_content() == f"{number}. {link.text_content()}"
    assert "\n  3. Library extends opening hours\n" in text
    assert "\n3. Library extends opening hours [3]\n" in text
    assert text.index("  3. Library") < text.index("\n3. Library")
    for short in ("basic", "unicode"):  # no table of contents, so no numbers
        _, _, parsed = _mail(*CASES[short])
        text, page = _parts(parsed)
        doc = lxml.html.fromstring(page)
        assert not doc.xpath("//a[starts-with(@href, '#')]"), short
        assert not re.search(r"^1\. ", text, re.M), short
        assert doc.xpath("//h2")[0].text_content() == CASES[short][0].summaries[0].article.title


@pytest.mark.parametrize(
    ("name", "greeting"),
    [
        ("Cem Çelik", "Hi Cem,"),
        ("Ada Lovelace", "Hi Ada,"),
        ("  Grace \n Brewster  Hopper ", "Hi Grace,"),
        ("Cy", "Hi Cy,"),
        ("Zoë Müller-Łukasiewicz", "Hi Zoë,"),
        ("Jean-Luc Picard", "Hi Jean-Luc,"),
        ("Иван Петров", "Hi Иван,"),
        ("Lovelace, Ada", "Hi Ada,"),  # the "Last, First" of address books
        ("Ada Lovelace, PhD", "Hi Ada,"),
        ("JJ Abrams", "Hi JJ,"),
        # Nothing that tells a first name: a neutral greeting, never "Hi ,".
        ("", "Hello,"),
        ("   ", "Hello,"),
        ("ada@example.org", "Hello,"),
        ("Ada <ada@example.org>", "Hi Ada,"),
        ("Dr. X", "Hello,"),
        ("Prof Ada Lovelace", "Hello,"),
        ("Mrs Smith", "Hello,"),
        ("A. L.", "Hello,"),
        ("J. R. R. Tolkien", "Hello,"),
        ("A.L.", "Hello,"),
        ("J", "Hello,"),
        ("ADMIN", "Hello,"),
        ("ADA LOVELACE", "Hello,"),
        ("user123", "Hello,"),
        ("山田 太郎", "Hello,"),  # family name first: the given name cannot be told
        ("__digest_email__", "Hello,"),
    ],
)
def test_greeting_uses_a_first_name_or_none(name: str, greeting: str) -> None:
    rendered, _, _ = _mail(*CASES["basic"])
    message = personalize(
        rendered, Recipient("a@example.com", name), unsubscribe_url=UNSUBSCRIBE, now=NOW
    )
    parsed = email.message_from_bytes(message.data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    text, page = _parts(parsed)
    assert text.splitlines()[3] == greeting
    assert lxml.html.fromstring(page).xpath("//p[@class='greeting']")[0].text == greeting


def test_greeting_is_escaped_in_html_only() -> None:
    rendered, _, _ = _mail(*CASES["basic"])
    message = personalize(
        rendered, Recipient("a@example.com", "D'Arcy O'Brien"), unsubscribe_url=UNSUBSCRIBE, now=NOW
    )
    parsed = email.message_from_bytes(message.data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    text, page = _parts(parsed)
    assert "\nHi D'Arcy,\n" in text
    assert ">Hi D&#x27;Arcy,<" in page
    for hostile in ("<b>Ann</b>", "Ann&amp; Co", '"Ann"', "Ann<script>"):
        message = personalize(
            rendered, Recipient("a@example.com", hostile), unsubscribe_url=UNSUBSCRIBE, now=NOW
        )
        assert b"Hello," in message.data and b"Hi " not in message.data, hostile


SUBJECTS = Path(__file__).parents[1] / "data" / "subjects"


def _subject(headline: str, count: int, title: str, lst: ListSettings | None = None) -> str:
    summaries = tuple(
        Summary(_article(n, title=headline if n == 1 else f"Story {n}"), ("A point.",))
        for n in range(1, count + 1)
    )
    lst = lst or _list(title=title)
    return render(_edition(*summaries, title=title), _settings(lst), lst).subject


def test_default_subject_fits_an_inbox_line() -> None:
    headlines = (SUBJECTS / "headlines.txt").read_text(encoding="utf-8").splitlines()
    titles = (SUBJECTS / "titles.txt").read_text(encoding="utf-8").splitlines()
    assert len(headlines) >= 50 and len(titles) >= 10
    template = _list().subject  # the default, as the example config writes it too
    example = load_settings(Path(__file__).parents[2] / "config" / "digest.toml", environ={})
    assert {item.subject for item in example.lists} == {template}
    widths = []
    for title in titles:
        for line in headlines:
            headline = line.replace("__digest_", "__digest\u2060_")  # as render() defuses it
            for count in (1, 2, 12):
                subject = render_subject(
                    template,
                    title=title,
                    date="Monday 3 March 2025",
                    headline=headline,
                    count=count,
                )
                widths.append(width(subject))
                assert width(subject) <= SUBJECT_WIDTH, subject
                more = f" (+{count - 1} more)" if count > 1 else ""
                shown, _, rest = subject.partition(f"{more} — ")
                # The top story first: whole, or cut after a whole word with "…".
                if shown != headline:
                    cut = shown.removesuffix("…")
                    assert shown.endswith("…") and headline.startswith(cut), subject
                    is_word_end = headline[len(cut)] == " " or not headline[len(cut)].isalpha()
                    whole = cut.rpartition(" ")[0]  # in a long word only: "The Donaudam…"
                    assert is_word_end or width(whole) <= width(cut) // 2, subject
                    assert width(cut) >= 12, subject
                # The title last, recognisable: whole, or its first 15 columns at least.
                if rest != title:
                    assert rest.endswith("…") and title.startswith(rest[:-1]), subject
                    assert width(rest) >= 15 and width(title) > 16, subject
                if width(f"{headline}{more} — {title}") <= SUBJECT_WIDTH:
                    assert subject == f"{headline}{more} — {title}"  # never cut what fits
    print(f"subject widths: min {min(widths)}, max {max(widths)}, n {len(widths)}")
    # render() uses it, with the edition's first item as the headline.
    assert _subject("Weather", 3, "Daily") == "Weather (+2 more) — Daily"
    assert _subject(headlines[5], 12, "Morning Briefing") == (
        "Heat pumps outsell gas… (+11 more) — Morning Briefing"
    )


def test_user_subjects_keep_working_and_are_kept_short() -> None:
    headline = "Heat pumps outsell gas boilers for the first time in the region's history"
    as_written = _list(subject="{{ title }}: {{ count }} stories, {{ more }} after the first")
    assert _subject(headline, 7, "Briefing", as_written) == "Briefing: 7 stories, 6 after the first"
    # The old default: the headline gives way, the template's own words never do.
    old = _list(title="Morning Briefing", subject="{{ title }} — {{ date }}: {{ headline }}")
    assert _subject(headline, 3, "Morning Briefing", old) == (
        "Morning Briefing — Monday 3 March 2025: Heat pumps outsell gas…"
    )
    fixed = "{{ title }} — {{ date }} — the week in review, with all the news that fits"
    rendered = _subject(headline, 3, "Morning Briefing", _list(subject=fixed))
    assert rendered == (
        "Morning Briefing — Monday 3 March 2025 — the week in review, with all the news that fits"
    )
