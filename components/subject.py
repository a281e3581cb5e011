"""What a department account is shown above its lists: whose data the list is made of,
or, for a department that sends no data, why the list is empty."""

from __future__ import annotations

import dash_mantine_components as dmc

from domain.codes import CODES
from i18n import get_lang, t


def _feed_names(feeds) -> str:
    from etl import feeds as F

    every = F.load()
    lang = get_lang()
    return ("、" if lang == "zh" else ", ").join(
        every[f].zh if lang == "zh" else every[f].en for f in feeds if f in every)


def notice(subject, what: str, id: str) -> dmc.Alert | None:  # noqa: A002
    """None for an account without a subject; ``what`` is "warnings" or "crosschecks"."""
    if subject is None:
        return None
    noun = t(f"subject.what.{what}")
    if subject.empty:
        names = CODES["department"].get(subject.department, (subject.department,) * 2)
        return dmc.Alert(t("subject.none", department=names[0 if get_lang() == "zh" else 1],
                           what=noun), color="gray", variant="light", mb="sm", id=id)
    return dmc.Alert(t("subject.note", feeds=_feed_names(subject.feeds), what=noun),
                     color="blue", variant="light", mb="sm", id=id)
