"""What a department account is shown above its lists: whose data the list is made of,
or, for a department that sends no data, why the list is empty."""

from __future__ import annotations

from collections.abc import Mapping

import dash_mantine_components as dmc

from domain.codes import CODES
from i18n import N_, t

WHAT = {"warnings": N_("subject.what.warnings"), "crosschecks": N_("subject.what.crosschecks")}


def _feed_names(feeds, every: Mapping, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(
        every[f].zh if lang == "zh" else every[f].en for f in feeds if f in every
    )


def notice(subject, what: str, id: str, *, feeds: Mapping, lang: str) -> dmc.Alert | None:  # noqa: A002
    """None for an account without a subject; ``what`` is "warnings" or "crosschecks";
    ``feeds`` are the feeds by id (``etl.feeds.load()``: their Chinese and English
    names)."""
    if subject is None:
        return None
    noun = t(WHAT[what], lang)
    if subject.empty:
        names = CODES["department"].get(subject.department, (subject.department,) * 2)
        return dmc.Alert(
            t("subject.none", lang, department=names[0 if lang == "zh" else 1], what=noun),
            color="gray",
            variant="light",
            mb="sm",
            id=id,
        )
    return dmc.Alert(
        t("subject.note", lang, feeds=_feed_names(subject.feeds, feeds, lang), what=noun),
        color="blue",
        variant="light",
        mb="sm",
        id=id,
    )
