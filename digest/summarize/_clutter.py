"""What is never a key point: captions, calls to action and site furniture, in any outlet.

The rules name kinds of text, not sites: a caption's label ("Flying high: Half of the
kite ..."), a call to the reader ("Scroll down for video", "Thank you for reading this
post, don't forget to subscribe!"), a byline and the author box after it, a copyright or
credit line. The phrases are the common ones of each language digest summarizes most
(English, German, French, Spanish, Italian, Portuguese, Dutch, Polish, Russian); a
sentence is judged on its own, wherever it stands in the text.
"""

from __future__ import annotations

import re

__all__ = ["byline_name", "has_furniture", "is_clutter"]

_I = re.IGNORECASE
# A call to the reader that opens a sentence: an imperative that only the page speaks.
_CALL_OPENERS = re.compile(
    r"""^[\W_]*(?:
      # English
      click|tap|scroll\ (?:down|up)|swipe|subscribe|sign\ up|log\ in|register\ (?:now|here|for)
    | download\ (?:the|our)|follow\ (?:us|@)|like\ us|join\ us|share\ (?:this|the|on|via)
    | read\ (?:more|also|next|the\ full|our)|see\ (?:more|also)|continue\ reading|keep\ reading
    | watch\ (?:more|the\ video|now|live)|don'?t\ miss|get\ the\ (?:app|latest)
    | check\ out\ (?:our|the)
    | advertisement|sponsored|editor'?s\ note|related\ (?:articles?|stories|posts?)
      # German
    | klicken\ sie|abonnieren\ sie|jetzt\ abonnieren|melden\ sie\ sich|lesen\ sie\ (?:auch|mehr)
    | mehr\ zum\ thema|folgen\ sie\ uns|teilen\ sie|hier\ klicken|weiterlesen|anzeige\b
      # French
    | cliquez|abonnez-vous|inscrivez-vous|(?:à\ )?lire\ (?:aussi|également|la\ suite)
    | voir\ aussi|suivez-nous|partagez\ (?:cet|cette|sur)|téléchargez
      # Spanish
    | haga\ clic|haz\ clic|pulse\ aquí|suscríbete|suscríbase|regístrate|lea\ también
    | leer\ más|ver\ también|síguenos|comparte\ (?:esta|este|en)|descarga\ (?:la|nuestra)
      # Italian
    | clicca|iscriviti|abbonati|leggi\ anche|leggi\ di\ più|vedi\ anche|seguici|condividi
      # Portuguese
    | clique\ (?:aqui|na|no|em|nas|nos)|inscreva-se|assine\ (?:já|a|o)|leia\ (?:também|mais)
    | veja\ também|siga-nos
    | compartilhe
      # Dutch
    | klik\ hier|abonneer|schrijf\ je\ in|lees\ (?:ook|meer)|volg\ ons|deel\ dit
      # Polish
    | kliknij|subskrybuj|zapisz\ się|czytaj\ (?:też|także|więcej|dalej)|zobacz\ (?:też|także)
    | obserwuj\ nas|udostępnij
      # Russian
    | нажмите|подпишитесь|подписывайтесь|читайте\ (?:также|далее|еще|ещё)|смотрите\ также
    | следите\ за|поделитесь|скачайте
    )\b""",
    re.VERBOSE | _I,
)
# Furniture wherever it stands in a sentence: thanks and pleas to the reader, credits,
# copyright, newsletter boxes.
_FURNITURE = re.compile(
    r"""thanks?\ (?:you\ )?for\ (?:reading|watching|listening|visiting|subscribing|your\ support)
    | don'?t\ forget\ to\ (?:subscribe|share|like|follow|comment|sign)
    | (?:sign\ up|subscribe)\ (?:for|to)\ (?:our|the|my)\ (?:\w+\ )?(?:newsletter|updates|channel)
    | contributed\ to\ this\ report|all\ rights\ reserved|©|\(c\)\ \d{4}|copyright\ \d{4}
    | (?:photo|image|picture|video)s?\ (?:credit|courtesy|copyright|caption)
    | hide\ caption|getty\ images|scroll\ down\ for
    | may\ not\ be\ (?:re)?published,?\ broadcast|off\ the\ (?:cover|newsstand)\ price
    | (?:reproduction|republication|redistribution)\ in\ whole\ or\ in\ part
    | may\ not\ be\ reproduced|no\ part\ of\ this\ \w+\ may\ be\ (?:reproduced|copied|republished)
    | danke\ fürs\ lesen|alle\ rechte\ vorbehalten|merci\ (?:de\ votre\ lecture|d'avoir\ lu)
    | tous\ droits\ réservés|gracias\ por\ leer|todos\ los\ derechos\ reservados
    | grazie\ per\ (?:aver\ letto|la\ lettura)|tutti\ i\ diritti\ riservati
    | obrigad[oa]\ por\ ler|todos\ os\ direitos\ reservados|alle\ rechten\ voorbehouden
    | wszelkie\ prawa\ zastrzeżone|все\ права\ защищены|спасибо\ за\ (?:чтение|внимание)
    """,
    re.VERBOSE | _I,
)
# A caption's label: one to three words and a colon, then the picture's description (not
# a quotation, which follows "said:"). An all-capitals label is a dateline ("NEW DELHI:");
# a label of function words is the lead-in of a sentence ("It's overt: There are ...").
_CAPTION = re.compile(r"^\W*([^\W\d_][\w'\u2019\-]*(?:\s+[\w'\u2019\-]+){0,2})\s*:\s+(?=\w)")
_LABEL_WORD = re.compile(r"[^\W\d_]+")
_SPEECH = re.compile(
    r"\b(?:said|says|told|added|asked|wrote|explained|tweeted|declared|announced|stated"
    r"|warned|insisted|replied|posted|noted|sagte|erklärte|meinte|dit|déclaré|dijo|afirmó"
    r"|disse|detto|zei|powiedział|сказал|заявил)\s*$",
    _I,
)
_BYLINE = re.compile(
    r"^(?:by|von|par|por|di|door|przez|автор)\s+([^\W\d_][\w.'\u2019\-]*)"
    r"(?:[\s,]+(?:and\s+)?[\w.'\u2019\-]+){0,5}\W*$",
    _I,
)
_CONNECTORS = frozenset(("and", "und", "et", "y", "e", "en", "i", "и"))
_URL_ONLY = re.compile(r"^\W*(?:https?://\S+|www\.\S+|@\w+|\S+@\S+\.\w+)\W*$", _I)


# A word of every _FURNITURE phrase: a text without any of them (found by plain substring
# search, far faster than the regular expression's many branches) has no furniture.
_FURNITURE_KEYS = (
    *("thank", "forget", "sign up", "subscribe", "contributed", "rights reserved", "©", "(c)"),
    *("copyright", "credit", "courtesy", "caption", "getty", "scroll", "danke", "vorbehalten"),
    *("published", "price", "in whole or in part", "reproduced"),
    *("merci", "réservés", "gracias", "reservados", "grazie", "riservati", "obrigad"),
    *("voorbehouden", "zastrzeżone", "защищены", "спасибо"),
)


def has_furniture(text: str) -> bool:
    """Whether ``text`` may hold a furniture phrase (a quick test before the thorough one)."""
    lowered = text.lower()
    return any(key in lowered for key in _FURNITURE_KEYS)


def is_clutter(
    sentence: str, stop_words: frozenset[str] = frozenset(), *, may_have_furniture: bool = True
) -> bool:
    """Whether a sentence is a caption, a call to the reader or site furniture.

    ``stop_words`` (of the text's language) tell a caption's label from a sentence's
    lead-in: a label has at most one function word, and never as its last word.
    ``may_have_furniture``: False when `has_furniture` said no for the whole text.
    """
    if _CALL_OPENERS.match(sentence):
        return True
    if may_have_furniture and has_furniture(sentence) and _FURNITURE.search(sentence):
        return True
    if byline_name(sentence) or _URL_ONLY.match(sentence) or _is_shouted(sentence):
        return True
    caption = _CAPTION.match(sentence)
    if caption is None:
        return False
    label = caption.group(1)
    if label.isupper() or not label[:1].isupper() or _SPEECH.search(label):
        return False
    words = [word.lower() for word in _LABEL_WORD.findall(label)]
    function_words = [word in stop_words for word in words]
    return sum(function_words) <= 1 and not function_words[-1]


def _is_shouted(sentence: str) -> bool:
    """Whether a sentence of three or more words is set in capitals: a banner or a button
    ("GET BREAKING NEWS IN YOUR BROWSER."); news prose never is, past its dateline."""
    # str.isupper first: it is quick, and nearly every sentence fails it.
    return sentence.isupper() and len(_LABEL_WORD.findall(sentence)) >= 3


def byline_name(sentence: str) -> str:
    """The first name of a byline ("By Jane Doe" → "Jane"), or "" if it is none."""
    match = _BYLINE.match(sentence)
    if match is None:
        return ""
    names = re.findall(r"[^\W\d_][\w'\u2019\-]*", sentence[match.start(1) :])
    # A byline names people: every word capitalized but the "and" between two names.
    if not all(name[:1].isupper() or name.lower() in _CONNECTORS for name in names):
        return ""
    return match.group(1).rstrip(".")
