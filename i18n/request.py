"""The language a message or a figure is shown in: the request's (the Flask session's
``lang``), or the one set for work outside a request. The only module of the package
that touches Flask."""

from __future__ import annotations

import contextlib
import contextvars

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

_lang_override: contextvars.ContextVar[str | None] = contextvars.ContextVar("lang", default=None)


@contextlib.contextmanager
def language(lang: str):
    """Work outside a request (a background export, the command line) in ``lang``."""
    token = _lang_override.set(lang if lang in LANGS else DEFAULT_LANG)
    try:
        yield
    finally:
        _lang_override.reset(token)


def get_lang() -> str:
    """The language of the current request (session), Chinese by default."""
    if _lang_override.get() is not None:
        return _lang_override.get()
    try:
        from flask import has_request_context, session

        if has_request_context():
            lang = session.get("lang")
            if lang in LANGS:
                return lang
    except RuntimeError:
        pass
    return DEFAULT_LANG
