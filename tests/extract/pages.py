"""Hand-made pages for the comment tests: articles, and reader comments in many shapes.

Each comment system is written the way its markup looks in the wild, but with anonymous
class names (no "comment" in them), so that what finds the comments is their shape: a run
of sibling records after the article, each with a name, a time, an avatar or a reply
link. Each article that must stay whole (lists, Q&A, quotes, a live blog, profile cards,
a timeline) has records of its own that look a little like comments.
"""

from __future__ import annotations

from collections.abc import Sequence

ARTICLE = (
    "The city council voted on Tuesday to expand the tram network by twelve kilometres, "
    "a plan that has been debated for almost a decade and will cost about 400 million euros.",
    "Construction is expected to start next spring, and the first trams should run on the "
    "new line by the end of 2027, according to the council's transport committee.",
    "Opponents argued that buses would be cheaper and faster to deploy, but the majority "
    "said the trams would carry more people and pollute less over the next forty years.",
    "The new line will link the main station with the university and the hospital, two "
    "places that thousands of people reach every day on crowded buses and narrow roads.",
    "Shops along the route fear months of road works, and the council promised a fund to "
    "help those that lose trade while the tracks are laid through the old town centre.",
)
ARTIKEL = (
    "Der Stadtrat hat am Dienstag beschlossen, das Straßenbahnnetz um zwölf Kilometer zu "
    "erweitern, nachdem über den Plan fast ein Jahrzehnt lang gestritten worden war.",
    "Die Bauarbeiten sollen im nächsten Frühjahr beginnen, und die ersten Bahnen sollen "
    "nach Angaben des Verkehrsausschusses Ende 2027 auf der neuen Strecke fahren.",
    "Die Gegner hielten Busse für billiger und schneller, doch die Mehrheit meinte, die "
    "Straßenbahn befördere mehr Menschen und belaste die Luft in den nächsten Jahren weniger.",
    "Die neue Linie verbindet den Hauptbahnhof mit der Universität und dem Krankenhaus, "
    "die jeden Tag Tausende Menschen in vollen Bussen über enge Straßen erreichen.",
)
KIJI = (
    "市議会は火曜日、路面電車の路線網を十二キロ延長する計画を可決した。この計画は十年近く議論されてきたもので、"
    "総工費はおよそ四百億円に上る見込みだ。",
    "工事は来年の春に始まる予定で、交通委員会によると新しい路線の最初の電車は二〇二七年末までに走り始めるという。"
    "沿線の住民からは期待の声が上がっている。",
    "反対派はバスの方が安く早く導入できると主張したが、多数派は路面電車の方が多くの人を運び、"
    "今後四十年にわたって環境への負担も小さいと判断した。",
    "新線は中央駅と大学、病院を結ぶ。いずれも毎日数千人が混雑したバスで狭い道を通って向かう場所であり、"
    "市は渋滞の緩和にもつながると説明している。",
)
READERS = (
    "I have always loved trams, and this plan will make the city a far better place to live.",
    "Buses are cheaper and more flexible; the council is wasting money on a vanity project.",
    "Will the new line reach the hospital? Nobody in the council seems able to say so far.",
    "Finally some good news for people who cycle, the old roads are far too dangerous now.",
)
LESER = (
    "Endlich bewegt sich etwas, ich fahre jeden Tag mit dem Bus und stehe ständig im Stau.",
    "Das Geld wäre in neue Radwege viel besser angelegt gewesen, finde ich jedenfalls.",
    "Wann genau beginnen die Arbeiten in der Altstadt? Das steht leider nirgends im Text.",
)
DOKUSHA = (
    "毎日バスで通勤しているので、路面電車ができるのはとても楽しみです。早く完成してほしい。",
    "四百億円は高すぎると思います。もっと安い方法があったのではないでしょうか。",
    "病院まで直接行けるようになるのは高齢者にとって本当にありがたいことです。",
)
NAMES = ("Ann", "Bob Miller", "carol_77", "Dan")


def page(body: str, *, title: str = "Council backs tram expansion", lang: str = "en") -> str:
    """A whole page: a header with a menu, the body, a footer."""
    menu = "".join(f'<li><a href="/{w}">{w.title()}</a></li>' for w in ("news", "sport", "city"))
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'</head><body><header><ul class="nav">{menu}</ul></header>'
        f'<div id="main">{body}</div>'
        '<footer><p><a href="/about">About us</a> <a href="/jobs">Jobs</a></p></footer>'
        "</body></html>"
    )


def post(paragraphs: Sequence[str], after: str = "", *, inside: bool = True) -> str:
    """An article: headline, byline, paragraphs, then what comes after them (the comments)
    inside the article's own container (where both extractors take them for the article),
    or after it."""
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    body = f'<div class="body">{text}{after}</div>' if inside else f'<div class="body">{text}</div>'
    return (
        '<div class="post"><h1>Council backs tram expansion</h1><p class="meta">By Jane Doe, '
        f"<span>17 January 2012</span></p>{body}</div>{'' if inside else after}"
    )


# --- comment systems -------------------------------------------------------------------
# Each takes the readers' texts, whether the comments carry their dates (many themes show
# none, or "3 years ago") and whether a title ("12 Comments") stands above them.


def wordpress_like(readers: Sequence[str], *, dated: bool, titled: bool) -> str:
    """Avatar, <cite> name with the commenter's link, "says:", a dated permalink, Reply."""

    def when(i: int) -> str:
        if not dated:
            return ""
        return (
            f'<div class="when"><a href="https://blog.example/trams/#li-{100 + i}">'
            f'<time datetime="2012-01-17T13:{10 + i}:00+00:00">January 17, 2012 at 1:{10 + i}'
            " pm</time></a></div>"
        )

    items = "".join(
        f'<li class="item {"even" if i % 2 else "odd"} depth-1" id="li-{100 + i}">'
        f'<div class="box"><footer class="top"><div class="who">'
        f'<img alt="" src="https://secure.example.net/av/{i}.jpg?s=56" class="pic" '
        f'height="56" width="56"><cite class="n"><a href="https://{i}.example" '
        f'rel="external nofollow ugc">{name}</a></cite> <span class="says">says:</span></div>'
        f'{when(i)}</footer><div class="txt"><p>{text}</p></div>'
        f'<div class="act"><a rel="nofollow" class="r-link" '
        f'href="https://blog.example/trams/?replytocom={100 + i}#respond">Reply</a></div>'
        "</div></li>"
        for i, (name, text) in enumerate(zip(NAMES, readers, strict=False))
    )
    title = f'<h2 class="t">{len(readers)} thoughts on “Trams”</h2>' if titled else ""
    return f'<div class="area">{title}<ol>{items}</ol></div>'


def disqus_like(readers: Sequence[str], *, dated: bool, titled: bool) -> str:
    """A static dump of an embedded thread: avatar, author, "3 years ago", Like/Reply, replies."""

    def one(i: int, name: str, text: str, children: str = "") -> str:
        ago = f' <span>•</span> <a class="ago" href="#p{i}">{i + 2} years ago</a>' if dated else ""
        return (
            f'<li class="p"><div class="pc"><div class="av"><a href="/u/{name}">'
            f'<img src="//cdn.example/avatar92/{i}.jpg" alt="Avatar"></a></div>'
            f'<div class="body"><header><span class="au"><a href="/u/{name}">{name}</a></span>'
            f'{ago}</header><div class="msg"><p>{text}</p></div>'
            f'<footer><a href="#">Like</a> <a href="#" class="rp">Reply</a> '
            f'<a href="#">Share \u203a</a></footer></div></div><ul class="ch">{children}</ul></li>'
        )

    reply = one(9, "eve", "I agree with you, the buses are always late and far too full.")
    posts = [one(i, name, text) for i, (name, text) in enumerate(zip(NAMES, readers, strict=False))]
    posts[0] = one(0, NAMES[0], readers[0], reply)
    title = "<h3>Join the conversation</h3>" if titled else ""
    return f'<div id="thread">{title}<ul class="pl">{"".join(posts)}</ul></div>'


def forum_like(readers: Sequence[str], *, dated: bool, titled: bool) -> str:
    """Posts in a table: the member's name, rank and post count beside the message."""
    rows = "".join(
        f'<tr><td class="l" width="150"><b><a href="/m/{i}">{name}</a></b><br>'
        f"<span>Member</span><br>Posts: {120 + 37 * i}<br>Joined: Mar 2009</td>"
        f'<td class="r">{f"<div>Posted: Tue Jan 17, 2012 {i + 1}:19 pm</div>" if dated else ""}'
        f'<div class="m">{text}</div><div class="f"><a href="/r?q={i}">Quote</a></div></td></tr>'
        for i, (name, text) in enumerate(zip(NAMES, readers, strict=False))
    )
    title = "<h3>Discuss this story in the forum</h3>" if titled else ""
    return f'{title}<table class="tb" width="100%">{rows}</table>'


def japanese_blog(readers: Sequence[str], *, dated: bool, titled: bool) -> str:
    """A Japanese blog's list: numbered name line, the text, a date line with 返信."""
    names = ("名無しさん", "通りすがり", "市民A")
    items = "".join(
        f'<div class="c"><p class="n">{i + 1}. <a href="/u/{i}">{name}</a></p><p>{text}</p>'
        f'<p class="d">{f"2012年01月{17 + i}日 13:{19 + i} " if dated else ""}'
        '<a href="#f">返信</a></p></div>'
        for i, (name, text) in enumerate(zip(names, readers, strict=False))
    )
    return f'<div class="cs">{"<h3>コメント一覧</h3>" if titled else ""}{items}</div>'


def german_blog(readers: Sequence[str], *, dated: bool, titled: bool) -> str:
    """A German blog: Gravatar, "<b>Name</b> schrieb am 17. Januar 2012 um 13:19 Uhr", Antworten."""
    names = ("Hans", "Petra K.", "M. Schulz")
    items = "".join(
        f'<li><img src="/g/{i}.png" width="40" height="40" alt="">'
        f"<b>{name}</b> "
        f"{f'schrieb am {17 + i}. Januar 2012 um 13:{19 + i} Uhr' if dated else 'meint'}:"
        f'<p>{text}</p><a href="#antwort">Antworten</a></li>'
        for i, (name, text) in enumerate(zip(names, readers, strict=False))
    )
    return f'{"<h3>Was Leser sagen</h3>" if titled else ""}<ul class="ls">{items}</ul>'


def blogger_like(readers: Sequence[str], *, dated: bool, titled: bool) -> str:
    """A definition list of name / text / permalink triples (no element wraps one comment)."""
    items = "".join(
        f'<dt><a href="/p/{i}">{name}</a> said...</dt><dd><p>{text}</p></dd>'
        f'<dd><span><a href="#c{i}" title="permanent link">'
        f"{f'1/{17 + i}/2012 1:19 PM' if dated else 'Permalink'}</a></span></dd>"
        for i, (name, text) in enumerate(zip(NAMES, readers, strict=False))
    )
    return f"{f'<h4>{len(readers)} comments:</h4>' if titled else ''}<dl>{items}</dl>"


def readers_say(readers: Sequence[str], *, dated: bool, titled: bool) -> str:
    """A list under a heading "What readers say": each a quote and who sent it."""
    items = "".join(
        f"<li><p>{text}</p><p>— {name}, Leeds{', 17 January' if dated else ''}</p></li>"
        for name, text in zip(NAMES, readers, strict=False)
    )
    return f"{'<h2>What readers say</h2>' if titled else ''}<ul>{items}</ul>"


COMMENT_SYSTEMS = {
    "wordpress": (wordpress_like, ARTICLE, READERS, "en"),
    "disqus": (disqus_like, ARTICLE, READERS, "en"),
    "forum": (forum_like, ARTICLE, READERS, "en"),
    "japanese": (japanese_blog, KIJI, DOKUSHA, "ja"),
    "german": (german_blog, ARTIKEL, LESER, "de"),
    "blogger": (blogger_like, ARTICLE, READERS, "en"),
}
"""Comment systems whose records carry cues of their own (a reply link, an avatar...)."""


def with_comments(
    system: str, *, dated: bool = False, titled: bool = False, inside: bool = True
) -> tuple[str, Sequence[str], Sequence[str]]:
    """A page of an article with comments in one system's shape, its article and comments."""
    make, article, readers, lang = COMMENT_SYSTEMS.get(
        system, (readers_say, ARTICLE, READERS, "en")
    )
    after = make(readers, dated=dated, titled=titled)
    return page(post(article, after, inside=inside), lang=lang), article, readers


# --- articles whose own records look a little like comments ---------------------------

TIMELINE = (
    "<h2>How we got here</h2><ul>"
    "<li><strong>17 March 2009</strong>: the council first asks for a study of a tram line "
    "to the hospital.</li>"
    "<li><strong>2 June 2014</strong>: the study finds the line would pay for itself within "
    "thirty years.</li>"
    "<li><strong>21 January 2020</strong>: a citizens' vote backs the plan by a wide margin "
    "of voters.</li></ul>"
)
INTERVIEW = "".join(
    f'<div class="qa"><p><b>{q}</b></p><p><span class="name">Anna Berg:</span> {a}</p></div>'
    for q, a in (
        (
            "Why trams and not buses?",
            "Because a tram carries three times as many people and "
            "lasts forty years, while a bus is worn out after twelve.",
        ),
        (
            "When will the first tram run?",
            "If the works go to plan, at the end of 2027, "
            "though the old town section may take a few months longer.",
        ),
        (
            "What about the shops?",
            "We have set up a fund for every shop on the route that "
            "loses trade while the tracks are laid, and it pays out monthly.",
        ),
    )
)
QUOTES = "".join(
    f"<blockquote><p>{text}</p><cite>{name}, {role}</cite></blockquote>"
    for text, name, role in (
        (
            "This is the biggest investment in the city's transport for fifty years, and "
            "it will change how people move.",
            "Anna Berg",
            "transport councillor",
        ),
        (
            "We fear that the works will drive our customers away for two whole years and "
            "that some of us will close.",
            "Tom Reed",
            "shop owner",
        ),
    )
)
LIVE_ENTRIES = (
    "The debate opens with the mayor's statement on the costs of the project and its timing.",
    "The opposition leader says the plan is too expensive and asks for a vote on buses.",
    "A first amendment, to delay the works by a year, is rejected by 31 votes to 18.",
    "The transport councillor answers questions about the route through the old town.",
    "The council votes: the plan passes by 34 votes to 15, with two abstentions today.",
    "The mayor thanks the council and says the works will begin next spring as planned.",
)


def live_blog() -> str:
    """A live blog: a short intro, then timed entries with the reporter's name and photo."""
    entries = "".join(
        f'<div class="e" id="e{i}"><div class="eh"><img src="/staff/jd.jpg" width="40" '
        f'height="40" alt="Jane Doe"><span class="author-name">Jane Doe</span> '
        f'<time datetime="2012-01-17T{9 + i}:00">{9 + i}:00</time></div><p>{text}</p>'
        f'<a href="#e{i}">Share</a></div>'
        for i, text in enumerate(LIVE_ENTRIES)
    )
    intro = (
        "<p>Follow the council's debate on the tram line as it happens, live from the town "
        "hall.</p>"
    )
    return page(
        f'<div class="post"><h1>Live: the tram vote</h1>{intro}'
        f'<div class="feed">{entries}</div></div>'
    )


PROFILES = "".join(
    f'<div class="card"><img src="/p/{i}.jpg" width="80" height="80" alt="">'
    f'<h3 class="name">{name}</h3><p>{bio}</p></div>'
    for i, (name, bio) in enumerate(
        (
            (
                "Anna Berg",
                "Transport councillor since 2010, she has led the tram project "
                "from its first study to the vote.",
            ),
            (
                "Tom Reed",
                "The owner of a shoe shop on the route, he speaks for the traders "
                "of the old town in the talks.",
            ),
            (
                "Li Wei",
                "An engineer at the university, she wrote the study that found the "
                "line would pay for itself.",
            ),
        )
    )
)


def article_with(extra: str, at: int = len(ARTICLE)) -> tuple[str, list[str]]:
    """A page whose article has extra records in it, after its first `at` paragraphs."""
    paragraphs = [f"<p>{p}</p>" for p in ARTICLE]
    body = "".join([*paragraphs[:at], extra, *paragraphs[at:]])
    html = page(f'<div class="post"><h1>Council backs tram expansion</h1>{body}</div>')
    return html, list(ARTICLE)


POSTS = "".join(
    f'<div class="tw"><img src="/a/{i}.jpg" width="48" height="48" alt="">'
    f'<span class="user-name">{name}</span> <a href="/{name}/1">17 Jan 2012</a>'
    f"<p>{text}</p></div>"
    for i, (name, text) in enumerate(
        (
            (
                "Anna Berg",
                "A great day for the city: the tram plan has passed and the works "
                "begin in the spring, on time and on budget.",
            ),
            (
                "Tom Reed",
                "We will hold the council to its promise of a fund for every shop on "
                "the route, starting from the first day of works.",
            ),
            (
                "Li Wei",
                "Our study found the line pays for itself within thirty years; the "
                "vote today is a vote for the numbers.",
            ),
        )
    )
)
"""Posts quoted in an article (a roundup), each with a picture, a name and a date."""

KEEPERS = {
    "timeline": TIMELINE,
    "interview": INTERVIEW,
    "quotes": QUOTES,
    "profiles": PROFILES,
    "posts": POSTS,
}
