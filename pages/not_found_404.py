"""Any path no page claims."""

import dash
from dash import html

from i18n import t

dash.register_page(__name__, path="/404", access="session")


def layout(**_):
    return html.Div(
        className="jz-page",
        children=[
            html.P(t("error.page_not_found"), className="jz-notice"),
            html.A(t("error.back_home"), href="/"),
        ],
    )
