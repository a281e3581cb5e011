"""Message catalogues (Chinese first, English available) and locale-aware formatting.

Conventions for every caller (pages, web, exports, exchange, etl, components):

- ``from i18n import t, tn, N_``. ``t(msgid, lang=None, **kw)`` returns the message in
  ``lang``, formatted with ``kw`` (``str.format``). The msgid is a LITERAL string (the
  dotted keys such as ``"overview.title"`` are the msgids), so Babel's extractor
  (``pybabel extract``, keywords ``t``, ``tn``, ``N_``) finds every message in use, and
  the catalogue test fails on a message that is used but untranslated, or translated but
  unused.
- ``lang=None`` means "the request's language" (``get_lang``, the Flask session). Only
  pages/ and web/ may rely on that; components/, exports/, exchange/ and etl/ always pass
  ``lang`` explicitly.
- A key chosen at runtime (``t(f"status.{s}")``, ``t(key)`` with a variable) must become
  a literal: a mapping of literals marked with ``N_`` (which returns its argument; the
  extractor finds it), e.g.
  ``STATUS_LABEL = {"open": N_("status.open"), "done": N_("status.done")}`` and then
  ``t(STATUS_LABEL[s], lang)``. A key stored as data (an indicator's unit) is written
  ``N_("unit.tasks")`` where it is defined.
- Plurals: ``tn(msgid, msgid_plural, count, lang=None, **kw)`` (gettext's ngettext: Chinese
  has one form, English two); ``count`` is the format's ``n`` unless ``n=`` gives it written.
- Formatting helpers keep their names and signatures (fmt_number, fmt_count, fmt_pct,
  fmt_money, fmt_date, ...); import them from ``i18n``.

The package:

- ``i18n/locale/<lang>/LC_MESSAGES/messages.po``: the catalogues (gettext .po, read with
  Babel at import); how to add or change a message is in i18n/README.md.
- ``i18n.catalog``: ``t``, ``tn``, ``N_``, ``CATALOG`` (msgid -> text per language).
- ``i18n.request``: the request's language (``get_lang``, ``language``), the only
  module that touches Flask.
- ``i18n.format``: numbers on Babel with our one rounding rule (``rounded``: half up at
  the shown precision, 7.055万 reads 7.06万, and a value that rounds to zero is zero,
  never "-0.0").
- ``i18n.dates``: dates, period labels ("2019 年末", "截至12月1日") and times of day.
"""

from domain.indicators import as_date, is_partial_month, is_partial_year
from i18n.catalog import CATALOG, N_, t, tn
from i18n.dates import (
    fmt_change,
    fmt_date,
    fmt_day_month,
    fmt_month,
    fmt_month_period,
    fmt_time,
    fmt_time_zoned,
    fmt_to_date,
    fmt_year_period,
    local_time,
    with_zone,
    zone_name,
)
from i18n.format import (
    fmt_count,
    fmt_exact,
    fmt_money,
    fmt_number,
    fmt_pct,
    fmt_points,
    fmt_signed,
    fmt_signed_number,
    points_shown,
    rounded,
    shown,
)
from i18n.request import DEFAULT_LANG, LANGS, get_lang, language

__all__ = [
    "CATALOG",
    "DEFAULT_LANG",
    "LANGS",
    "N_",
    "as_date",
    "fmt_change",
    "fmt_count",
    "fmt_date",
    "fmt_day_month",
    "fmt_exact",
    "fmt_money",
    "fmt_month",
    "fmt_month_period",
    "fmt_number",
    "fmt_pct",
    "fmt_points",
    "fmt_signed",
    "fmt_signed_number",
    "fmt_time",
    "fmt_time_zoned",
    "fmt_to_date",
    "fmt_year_period",
    "get_lang",
    "is_partial_month",
    "is_partial_year",
    "language",
    "local_time",
    "points_shown",
    "rounded",
    "shown",
    "t",
    "tn",
    "with_zone",
    "zone_name",
]
