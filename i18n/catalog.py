"""The message catalogues: gettext .po files under i18n/locale, read with Babel at import.

``t`` looks a literal msgid up in the language's catalogue and formats it with
``str.format``; ``tn`` picks the plural form by the catalogue's own Plural-Forms rule
(Chinese one form, English two). A message missing from a language falls back to
Chinese, and a msgid missing altogether shows the msgid (and fails the catalogue test,
tests/i18n/test_catalogue.py).

An empty text is a text: a unit English does not write ("条" has no English word) is an
empty msgstr flagged ``#, empty`` in the .po file, which gettext would otherwise read as
"not translated yet".
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from pathlib import Path

from babel.messages.pofile import read_po

from i18n.request import DEFAULT_LANG, LANGS, get_lang

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
EMPTY_FLAG = "empty"  # the .po flag of a message whose translation is deliberately ""


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(lang: str):
    """The Babel catalogue of ``lang``, as the .po file has it."""
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def _load(lang: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]], Callable[[int], int]]:
    """``lang``'s messages: msgid -> text (a plural message under its singular and its
    plural msgid, with the first and last form), msgid -> plural forms, and the rule
    that picks a form for a count."""
    catalogue = read_catalogue(lang)
    texts: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for message in catalogue:
        if not message.id:
            continue  # the header
        if message.pluralizable:
            singular, plural = message.id
            forms = tuple(message.string)
            plurals[singular] = forms
            texts[singular], texts[plural] = forms[0], forms[-1]
        elif message.string or EMPTY_FLAG in message.flags:
            texts[message.id] = message.string
    return texts, plurals, gettext.c2py(catalogue.plural_expr)


_LOADED = {lang: _load(lang) for lang in LANGS}

# msgid -> text per language, read-only by convention (tests look into it).
CATALOG: dict[str, dict[str, str]] = {lang: loaded[0] for lang, loaded in _LOADED.items()}


def N_(msgid: str) -> str:
    """Mark a literal msgid for the extractor where it is stored, to be translated later
    with ``t`` (a mapping of states to messages, an indicator's unit)."""
    return msgid


def _text(msgid: str, lang: str) -> str:
    text = CATALOG.get(lang, {}).get(msgid)
    if text is None:
        text = CATALOG[DEFAULT_LANG].get(msgid, msgid)
    return text


def t(msgid: str, lang: str | None = None, **kw) -> str:
    """The message ``msgid`` in ``lang`` (default: the request's), formatted with ``kw``."""
    text = _text(msgid, lang or get_lang())
    return text.format(**kw) if kw else text


def tn(msgid: str, msgid_plural: str, count: int, lang: str | None = None, **kw) -> str:
    """The form of the plural message ``msgid`` for ``count`` in ``lang``, formatted
    with ``kw``; the format's ``n`` is ``count``, unless ``kw`` gives it already written
    (``n=fmt_exact(count)``)."""
    lang = lang or get_lang()
    loaded = _LOADED.get(lang, _LOADED[DEFAULT_LANG])
    forms = loaded[1].get(msgid)
    if forms is None:
        text = _text(msgid if count == 1 else msgid_plural, lang)
    else:
        text = forms[min(loaded[2](int(count)), len(forms) - 1)]
    kw.setdefault("n", count)
    return text.format(**kw)
