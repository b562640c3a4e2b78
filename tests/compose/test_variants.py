"""Topic filters and variants: readers whose choices pick the same items share one render."""

from __future__ import annotations

import pytest

from digest.compose._compose import TopicFilter
from digest.compose._variants import VariantPlan
from digest.models import Edition, Subscriber
from digest.pipeline import run
from digest.render import text_only
from digest.state import StateStore

from ..subscriber_helpers import NOW, body, delivered, make_config, write_notes
from ..subscribers.test_subscribers import StoppingSender, summary

EDITION = Edition(
    "daily",
    "Daily",
    NOW,
    "UTC",
    (
        summary("Cycling Weekly", "New bike lanes", "The city paints bike lanes downtown."),
        summary("City Hall", "Budget vote", "The council votes on the budget; bikes get more."),
        summary("Sports Desk", "Cup final", "The home team won the cup final."),
        summary("City Hall", "Library hours", "The library opens on Sundays."),
    ),
)


@pytest.mark.parametrize(
    ("topics", "max_items", "expected"),
    [
        ((), None, (0, 1, 2, 3)),
        (("bikes",), None, (1,)),
        (("bike",), None, (0,)),
        (("BIKE LANES", "city hall"), None, (0, 1, 3)),
        (("-sports desk",), None, (0, 1, 3)),
        (("city hall", "-budget"), None, (3,)),
        ((), 2, (0, 1)),
        (("golf",), None, ()),
    ],
)
def test_topic_filter_picks_items(topics, max_items, expected):
    assert TopicFilter(EDITION).positions(topics, max_items) == expected


def test_subscribers_with_the_same_picks_share_one_variant():
    renders: list[Edition] = []

    def render(edition: Edition):
        renders.append(edition)
        from digest.models import RenderedEdition

        return RenderedEdition(
            edition.list_name,
            "s",
            "<p>__digest_greeting__</p>",
            "Hi __digest_name__\n",
            "a@example.org",
            None,
            "daily.example.org",
            "mailto:x@example.org",
            b"",
            (b"",),
            (),
        )

    main = render(EDITION)
    plan = VariantPlan(EDITION, main, render, lambda rendered: rendered.text.encode(), text_only)
    people = [
        Subscriber("a@example.org"),
        Subscriber("b@example.org", topics=("city hall",)),
        Subscriber("c@example.org", topics=("City Hall",)),
        Subscriber("d@example.org", topics=("-bikes", "-sports desk", "-budget")),
        Subscriber("e@example.org", topics=("city hall",), format="text"),
        Subscriber("f@example.org", max_items=4),
        Subscriber("g@example.org", topics=("golf",)),
        Subscriber("h@example.org", topics=("library",), timezone="Asia/Tokyo"),
    ]

    recipients = list(plan.recipients(people))

    assert [variant for _, _, variant in recipients] == ["", "v1", "v1", "v2", "v3", "", "v4"]
    assert plan.count == 5 and plan.skipped == 1
    assert [len(e.summaries) for e in renders] == [4, 2, 2, 1]
    assert renders[-1].timezone == "Asia/Tokyo"
    assert set(plan.payloads) == {"v1", "v2", "v3", "v4"}


def test_a_run_sends_each_reader_their_variant_even_when_resumed(tmp_path):
    settings = make_config(
        tmp_path,
        "lin@example.org,Lin,,cyclists,\n"
        "cem@example.org,Cem,,bike lanes; Library,text\n"
        "dan@example.org,Dan,,Cyclists,\n"
        "eve@example.org,Eve,,-cup final,\n"
        "fay@example.org,Fay,,golf,\n",
    )
    write_notes(settings.config_path.parent / "notes", ("cup-final.txt",), NOW)

    with pytest.raises(KeyboardInterrupt):
        run(settings, now=NOW, sender=StoppingSender(settings.outbox.path, limit=3))
    report = run(settings, now=NOW).lists[0]

    assert "resumed edition 1: sent 3" in report.note
    with StateStore(settings.state_path) as store:
        assert store.variant_counts(1) == {"": 2, "v1": 2, "v2": 1, "v3": 1}
    titles = {
        "bike": "Bike lanes open on the river road",
        "library": "Library opens on Sundays",
        "cup": "Home team wins the cup final",
    }
    expected = {
        "ada@example.org": {"bike", "library", "cup"},
        "bob@example.org": {"bike", "library", "cup"},
        "lin@example.org": {"bike"},
        "dan@example.org": {"bike"},
        "cem@example.org": {"bike", "library"},
        "eve@example.org": {"bike", "library"},
    }
    copies = delivered(settings)
    assert set(copies) == set(expected)
    for address, (message,) in copies.items():
        text = body(message, "plain")
        assert {key for key, title in titles.items() if title in text} == expected[address]
        assert (message.get_content_type() == "text/plain") == (address == "cem@example.org")


def test_dry_run_counts_variants_and_skipped_readers(tmp_path):
    settings = make_config(tmp_path, "lin@example.org,Lin,,cyclists,\nfay@example.org,Fay,,golf,\n")

    report = run(settings, now=NOW, is_dry_run=True).lists[0]

    assert report.recipients == 3 and report.variants == 2
    assert report.note.endswith("; 2 variants; 1 subscribers skipped (their topics pick no item)")
