"""The pieces that show an export's state: a message, its progress, its file."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import html

from i18n import t


def alert(text: str, colour: str = "red", id: str = "brief-alert") -> dmc.Alert:  # noqa: A002
    return dmc.Alert(text, color=colour, variant="light", id=id)


def dialog_alert(text: str) -> dmc.Alert:
    """A refusal in the export dialog."""
    return alert(text, id="shell-export-alert")


def job_status(job: dict | None, *, lang: str):
    """A job in the export dialog: progress while it runs, then its file or its reason."""
    if job is None:
        return dialog_alert(t("export.not_found", lang))
    if job["status"] == "done":
        download = t("export.download", lang)
        return html.A(
            dmc.Button(f"{download} · {job['filename']}"),
            href=f"/export/job/{job['id']}",
            id="shell-export-download",
        )
    if job["status"] == "failed":
        return dialog_alert(job["message"])
    return html.Div(
        [
            dmc.Text(t("export.started", lang), size="sm", mb="xs"),
            dmc.Progress(value=job["progress"], animated=True, striped=True),
        ]
    )
