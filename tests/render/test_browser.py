"""The email in a real browser: headless Chromium at phone and desktop widths, light and dark.

Chromium is driven through the Chrome DevTools Protocol over --remote-debugging-pipe
(NUL-separated JSON on file descriptors 3 and 4), so the test needs no extra Python
package and never puts a script into the email: measurements run as Runtime.evaluate.
Screenshots go to tests/artifacts/browser/ (or $DIGEST_ARTIFACTS) for people to look at.
Without a chromium binary these tests skip; .ci/run installs Debian's chromium.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from digest.config._load import load_settings
from digest.config._settings import ListSettings, Settings
from digest.pipeline import preview

from ..conftest import ROOT
from ..publish.test_archive import publish_edition
from .test_render import CASES, _mail, _parts

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
ARTIFACTS = Path(os.environ.get("DIGEST_ARTIFACTS", ROOT / "tests" / "artifacts")) / "browser"
WIDTHS = {"phone": 375, "desktop": 800}
SCHEMES = ("light", "dark")
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-pipe",
)
# Chromium reads commands from fd 3 and answers on fd 4; this moves the pipes there.
_TRAMPOLINE = (
    "import fcntl, os, sys\n"
    "a, b = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3])\n"
    "os.dup2(a, 3); os.dup2(b, 4); os.closerange(5, 1024)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)


def _chromium_binary() -> str | None:
    return (
        os.environ.get("DIGEST_CHROMIUM")
        or shutil.which("chromium")
        or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    )


class Chromium:
    """One headless Chromium process, spoken to over the DevTools pipe."""

    def __init__(self, binary: str, profile: Path, timeout: float = 30.0) -> None:
        self._timeout = timeout
        to_child, self._to_browser = os.pipe()
        self._from_browser, from_child = os.pipe()
        args = [binary, *_FLAGS, f"--user-data-dir={profile}", "about:blank"]
        self._process = subprocess.Popen(
            [sys.executable, "-c", _TRAMPOLINE, str(to_child), str(from_child), *args],
            pass_fds=(to_child, from_child),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._last_id = 0
        self._events: list[dict[str, Any]] = []

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer (events meanwhile are kept)."""
        self._last_id += 1
        command: dict[str, Any] = {"id": self._last_id, "method": method, "params": params}
        if session:
            command["sessionId"] = session
        os.write(self._to_browser, json.dumps(command).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._last_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply["result"]
                return result
            self._events.append(reply)

    def wait_for(self, event: str, session: str) -> None:
        """Wait until the browser reports the event for this page."""
        while True:
            for index, seen in enumerate(self._events):
                if seen.get("method") == event and seen.get("sessionId") == session:
                    del self._events[index]
                    return
            self._events.append(self._receive())

    def _receive(self) -> dict[str, Any]:
        deadline = time.monotonic() + self._timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise TimeoutError(f"chromium did not answer within {self._timeout} s")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise EOFError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def close(self) -> None:
        """Ask the browser to quit; kill it (by its own pid) if it will not."""
        with contextlib.suppress(OSError, EOFError, TimeoutError, RuntimeError):
            self.call("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


@dataclass(frozen=True, slots=True)
class Look:
    """What the browser measured on one page at one width in one colour scheme."""

    inner_width: int
    scroll_width: int
    container_background: str
    points: tuple[dict[str, Any], ...]
    low_contrast: tuple[dict[str, Any], ...]
    screenshot: Path


# Runs in the page: overflow, each key point's box and visibility, text contrast (WCAG).
_MEASURE = """(() => {
  const rgba = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgba(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const luminance = (c) => {
    const [r, g, b] = c.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const shown = (el) => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return s.display !== 'none' && s.visibility === 'visible' && Number(s.opacity) > 0
      && r.width > 0 && r.height > 0;
  };
  const lowContrast = [];
  for (const el of document.body.querySelectorAll('*')) {
    const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!hasText || !shown(el)) continue;
    const value = ratio(rgba(getComputedStyle(el).color).slice(0, 3), background(el));
    if (value < 4.5) lowContrast.push({text: el.textContent.trim().slice(0, 60), ratio: value});
  }
  const points = [...document.querySelectorAll('ul.points li')].map((li) => {
    const r = li.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + Math.min(r.width / 2, 20), r.top + r.height / 2);
    return {text: li.textContent.trim(), left: r.left, right: r.right, shown: shown(li),
            onTop: hit !== null && li.contains(hit)};
  });
  const container = document.querySelector('.container');
  return JSON.stringify({
    innerWidth: window.innerWidth,
    scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    height: document.documentElement.scrollHeight,
    containerBackground: container ? getComputedStyle(container).backgroundColor : '',
    points, lowContrast,
  });
})()"""


def _look(browser: Chromium, page: Path, width: int, scheme: str, name: str) -> Look:
    """Open the page at this width and colour scheme, measure it, save a full-page screenshot."""
    target = browser.call("Target.createTarget", url="about:blank")["targetId"]
    session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    try:
        browser.call("Page.enable", session)
        metrics = {"width": width, "deviceScaleFactor": 1, "mobile": width < 600}
        browser.call("Emulation.setDeviceMetricsOverride", session, height=900, **metrics)
        browser.call(
            "Emulation.setEmulatedMedia",
            session,
            features=[{"name": "prefers-color-scheme", "value": scheme}],
        )
        browser.call("Page.navigate", session, url=page.as_uri())
        browser.wait_for("Page.loadEventFired", session)
        first = _evaluate(browser, session)
        # A viewport as tall as the page: the screenshot shows all, every point is on screen.
        browser.call(
            "Emulation.setDeviceMetricsOverride", session, height=first["height"], **metrics
        )
        measured = _evaluate(browser, session)
        shot = browser.call("Page.captureScreenshot", session, format="png")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}-{width}-{scheme}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
    finally:
        browser.call("Target.closeTarget", targetId=target)
    return Look(
        inner_width=measured["innerWidth"],
        scroll_width=measured["scrollWidth"],
        container_background=measured["containerBackground"],
        points=tuple(measured["points"]),
        low_contrast=tuple(measured["lowContrast"]),
        screenshot=path,
    )


def _evaluate(browser: Chromium, session: str) -> dict[str, Any]:
    reply = browser.call("Runtime.evaluate", session, expression=_MEASURE, returnByValue=True)
    if "exceptionDetails" in reply:
        raise RuntimeError(f"measuring script failed: {reply['exceptionDetails']}")
    measured: dict[str, Any] = json.loads(reply["result"]["value"])
    return measured


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    """A headless Chromium for this module; skips when none is installed."""
    binary = _chromium_binary()
    if binary is None:
        pytest.skip("chromium not installed (apt-get install chromium; .ci/run does)")
    with tempfile.TemporaryDirectory(prefix="digest-chromium-") as profile:
        chromium = Chromium(binary, Path(profile))
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example config's daily edition as its first reader gets it, and the long golden case."""
    folder = tmp_path_factory.mktemp("browser")
    shutil.copytree(ROOT / "config", folder / "config")
    for note in (folder / "config" / "sources" / "notes").iterdir():  # dated by mtime
        os.utime(note, (NOW.timestamp() - 3600, NOW.timestamp() - 3600))
    settings = load_settings(folder / "config" / "digest.toml", environ={})
    example = folder / "example.html"
    (daily,) = preview(settings, now=NOW, list_name="daily")
    example.write_text(daily.html, encoding="utf-8")
    _, _, parsed = _mail(*CASES["long"])
    long = folder / "long.html"
    long.write_text(_parts(parsed)[1], encoding="utf-8")
    # Some clients (Gmail with other providers' accounts, many webmails) drop <style>.
    doc = lxml.html.fromstring(example.read_text(encoding="utf-8"))
    for style in doc.xpath("//style"):
        style.drop_tree()
    unstyled = folder / "unstyled.html"
    unstyled.write_text(lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>"))
    return {"example": example, "long": long, "unstyled": unstyled}


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", sorted(WIDTHS.values()))
@pytest.mark.parametrize("name", ["example", "long"])
def test_email_fits_and_shows_every_key_point(
    browser: Chromium, pages: dict[str, Path], name: str, width: int, scheme: str
) -> None:
    look = _check_fit(browser, pages[name], name, width, scheme)
    assert not look.low_contrast, f"text below 4.5:1 contrast: {look.low_contrast}"
    dark = scheme == "dark"
    assert look.container_background == ("rgb(28, 31, 35)" if dark else "rgb(255, 255, 255)")


def test_email_fits_a_phone_even_without_its_style_blocks(
    browser: Chromium, pages: dict[str, Path]
) -> None:
    look = _check_fit(browser, pages["unstyled"], "unstyled", WIDTHS["phone"], "light")
    assert not look.low_contrast, f"text below 4.5:1 contrast: {look.low_contrast}"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_archive_index_fits_a_phone(browser: Chromium, tmp_path: Path, scheme: str) -> None:
    edition, _ = CASES["long"]
    lst = ListSettings(name="daily", title="Morning Briefing", description="News & notes.")
    settings = Settings(
        config_path=tmp_path / "digest.toml",
        sender="Morning Briefing <digest@example.org>",
        state_path=tmp_path / "state.db",
        archive_dir=tmp_path / "archive",
        lists=(lst,),
    )
    page = publish_edition(edition, settings, lst)
    look = _look(browser, page.parent / "index.html", WIDTHS["phone"], scheme, "archive-index")
    print(f"screenshot: {look.screenshot}")
    assert (look.inner_width, look.scroll_width) == (WIDTHS["phone"], WIDTHS["phone"])
    assert not look.low_contrast, f"text below 4.5:1 contrast: {look.low_contrast}"
    look = _check_fit(browser, page, "archive-page", WIDTHS["phone"], scheme)
    assert not look.low_contrast, f"text below 4.5:1 contrast: {look.low_contrast}"


# Runs in the page: follow each table-of-contents link, see where its item lands.
_FOLLOW_TOC = """(() => [...document.querySelectorAll('ol.toc-list a')].map((link) => {
  window.scrollTo(0, 0);
  link.click();
  const [target] = document.getElementsByName(link.getAttribute('href').slice(1));
  const title = target && target.parentElement.querySelector('h2');
  return {href: link.getAttribute('href'), scrollY: window.scrollY,
          top: title ? title.getBoundingClientRect().top : null, innerHeight,
          title: title ? title.textContent : null, entry: link.textContent};
}))()"""


@pytest.mark.parametrize("name", ["long", "archive"])
def test_table_of_contents_links_scroll_to_their_items(
    browser: Chromium, pages: dict[str, Path], tmp_path: Path, name: str
) -> None:
    page = pages["long"]
    if name == "archive":
        edition, _ = CASES["long"]
        lst = ListSettings(name="daily", title="Morning Briefing")
        settings = Settings(
            config_path=tmp_path / "digest.toml",
            sender="Morning Briefing <digest@example.org>",
            state_path=tmp_path / "state.db",
            archive_dir=tmp_path / "archive",
            lists=(lst,),
        )
        page = publish_edition(edition, settings, lst)
    target = browser.call("Target.createTarget", url="about:blank")["targetId"]
    session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    try:
        browser.call("Page.enable", session)
        metrics = {"width": WIDTHS["phone"], "height": 700, "deviceScaleFactor": 1}
        browser.call("Emulation.setDeviceMetricsOverride", session, mobile=True, **metrics)
        browser.call("Page.navigate", session, url=page.as_uri())
        browser.wait_for("Page.loadEventFired", session)
        reply = browser.call(
            "Runtime.evaluate", session, expression=_FOLLOW_TOC, returnByValue=True
        )
    finally:
        browser.call("Target.closeTarget", targetId=target)
    jumps = reply["result"]["value"]
    assert [jump["href"] for jump in jumps] == [f"#item-{n}" for n in range(1, 7)]
    for number, jump in enumerate(jumps, start=1):
        assert jump["title"] == f"{number}. {jump['entry']}", jump
        assert jump["scrollY"] > 0 and 0 <= jump["top"] < jump["innerHeight"], jump


def _check_fit(browser: Chromium, page: Path, name: str, width: int, scheme: str) -> Look:
    """No horizontal overflow, and every key point of the page shown in full on screen."""
    look = _look(browser, page, width, scheme, name)
    print(f"screenshot: {look.screenshot}")
    assert look.inner_width == width
    assert look.scroll_width <= width, f"horizontal overflow, see {look.screenshot}"
    expected = [
        " ".join(li.text_content().split())
        for li in lxml.html.fromstring(page.read_text(encoding="utf-8")).xpath(
            "//ul[@class='points']/li"
        )
    ]
    assert expected, "the edition has key points"
    assert [" ".join(p["text"].split()) for p in look.points] == expected
    for point in look.points:
        assert point["shown"] and point["onTop"], point
        assert point["left"] >= 0 and point["right"] <= width, point
    return look


def test_example_edition_passes_the_static_checks(pages: dict[str, Path]) -> None:
    """No script, no external CSS or fonts, alt text on images, every link absolute."""
    html = pages["example"].read_text(encoding="utf-8")
    doc = lxml.html.fromstring(html)
    assert not doc.xpath("//script | //link | //iframe | //object | //embed | //form")
    assert not re.search(r"@import|@font-face|url\(", html, re.IGNORECASE)
    assert not doc.xpath("//@*[starts-with(name(), 'on')]")
    assert all(img.get("alt") is not None for img in doc.xpath("//img"))
    hrefs = doc.xpath("//a/@href")
    jumps = {f"#{name}" for name in doc.xpath("//a[not(@href)]/@name")}  # the TOC's targets
    assert len(hrefs) >= 5, hrefs
    assert all(re.match(r"https://|mailto:", href) or href in jumps for href in hrefs), hrefs
    assert doc.xpath("//a[text()='View in browser']/@href") == [
        "https://digest.example.org/archive/daily/2026-11-27-070000.html"
    ]
    assert len(html.encode()) < 102_000  # Gmail clips longer messages
