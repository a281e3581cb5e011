"""The app shell: header (platform, user, region, language), navigation, breadcrumb."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import dash
import dash_mantine_components as dmc
from dash import dcc, html

from components.messages import role_name
from components.theme import MANTINE_THEME
from i18n import t


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    match: str = ""  # the page's path: the entry is active on it and below it
    external: bool = False  # not a Dash page: the link loads the page anew


@dataclass(frozen=True)
class Viewer:
    display_name: str
    role: str
    region_name: str
    region_code: str
    # The header's export menu (page and map images, briefings) is for the roles that may
    # make them (the caller asks the access table: "briefings.make"), not department
    # accounts, whose subject is their own data.
    may_export: bool = False


def _brand(lang: str, synthetic: bool) -> dmc.Group:
    """The header's left side: the drawer's burger, the logo and the platform's name, and
    the badge of generated data."""
    return dmc.Group(
        gap="sm",
        wrap="nowrap",
        children=[
            # A narrow screen: the navigation is a drawer this opens (app.py).
            dmc.Burger(
                id="shell-burger",
                opened=False,
                hiddenFrom="sm",
                size="sm",
                color="white",
                **{"aria-label": t("nav.menu", lang)},
            ),
            html.Span("精", className="jz-logo", **{"aria-hidden": "true"}),
            dmc.Text(t("app.name", lang), fw=700, size="lg", className="jz-app-name"),
            *(
                [
                    dmc.Badge(
                        t("data.synthetic", lang),
                        variant="light",
                        color="gray",
                        size="sm",
                        id="shell-synthetic",
                    )
                ]
                if synthetic
                else []
            ),
        ],
    )


def _user_bar(viewer: Viewer, lang: str, as_of: str | None, csrf_token: str) -> dmc.Group:
    """The header's right side: the data's date, the export menu, the user, the language
    switch, the password link and the logout form."""
    other = "en" if lang == "zh" else "zh"
    return dmc.Group(
        gap="md",
        wrap="nowrap",
        children=[
            dmc.Text(as_of or "", size="sm", c="dimmed", id="shell-as-of"),
            *([export_menu(lang)] if viewer.may_export else []),
            dmc.Text(
                [
                    html.B(viewer.display_name),
                    " · ",
                    role_name(viewer.role, lang),
                    " · ",
                    viewer.region_name,
                ],
                size="sm",
                id="shell-user",
            ),
            html.A(
                t("lang.switch", lang),
                id="shell-lang",
                className="jz-header-link",
                href=f"/lang/{other}?next=/",
            ),
            # A wall account cannot change its password (web/account.py).
            *(
                []
                if viewer.role == "wall"
                else [
                    html.A(
                        t("user.change_password", lang),
                        href="/account/password",
                        className="jz-header-link",
                        id="shell-password",
                    )
                ]
            ),
            logout_form(csrf_token, lang),
        ],
    )


def header(
    viewer: Viewer, lang: str, as_of: str | None, synthetic: bool = False, csrf_token: str = ""
) -> dmc.AppShellHeader:
    """``synthetic``: the data came from the generator, and the header says so (a
    province's own registry carries no such badge). ``csrf_token``: the session's, for
    the logout form."""
    return dmc.AppShellHeader(
        px="md",
        className="jz-header",
        children=dmc.Group(
            justify="space-between",
            h="100%",
            wrap="nowrap",
            children=[_brand(lang, synthetic), _user_bar(viewer, lang, as_of, csrf_token)],
        ),
    )


def logout_form(csrf_token: str, lang: str) -> html.Form:
    """Logout is a POST with the session's CSRF token (web/auth.py): a plain form, not a
    link."""
    return html.Form(
        method="post",
        action="/logout",
        className="jz-header-form",
        children=[
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token, id="shell-logout-token"),
            html.Button(
                t("user.logout", lang),
                type="submit",
                id="shell-logout",
                className="jz-header-link jz-header-button",
            ),
        ],
    )


def export_menu(lang: str) -> dmc.Menu:
    """This page or its map as an image (made in the background), or a briefing."""
    return dmc.Menu(
        position="bottom-end",
        withinPortal=True,
        children=[
            dmc.MenuTarget(
                html.Button(
                    t("export.menu", lang),
                    id="shell-export",
                    type="button",
                    className="jz-header-link jz-header-button",
                )
            ),
            dmc.MenuDropdown(
                [
                    dmc.MenuItem(t("export.page_png", lang), id="shell-export-page"),
                    dmc.MenuItem(t("export.map_png", lang), id="shell-export-map"),
                    dmc.MenuDivider(),
                    dmc.MenuItem(
                        t("export.briefing_link", lang),
                        href="/briefings",
                        id="shell-export-briefing",
                    ),
                ]
            ),
        ],
    )


PAGE_SIZES = ("1920x1080", "1366x768", "2560x1440", "3840x2160", "1280x1024")


def export_dialog(lang: str) -> html.Div:
    """The page image's size, then the export's progress and its file."""
    return html.Div(
        [
            dcc.Store(id="shell-export-job"),
            dcc.Interval(id="shell-export-tick", interval=1000, disabled=True),
            dmc.Modal(
                id="shell-export-modal",
                title=t("export.menu", lang),
                children=[
                    html.Div(
                        id="shell-export-form",
                        children=dmc.Group(
                            align="flex-end",
                            children=[
                                dmc.Select(
                                    id="shell-export-size",
                                    label=t("export.size", lang),
                                    w=160,
                                    value=PAGE_SIZES[0],
                                    allowDeselect=False,
                                    data=[
                                        {"value": v, "label": v.replace("x", " × ")}
                                        for v in PAGE_SIZES
                                    ],
                                ),
                                dmc.Checkbox(
                                    id="shell-export-full", label=t("export.full_page", lang), mb=8
                                ),
                                dmc.Button(t("export.make_image", lang), id="shell-export-go"),
                            ],
                        ),
                    ),
                    dmc.Text(
                        t("export.size_note", lang),
                        size="xs",
                        c="dimmed",
                        mt=4,
                        id="shell-export-note",
                    ),
                    html.Div(id="shell-export-status", style={"marginTop": 12}),
                ],
            ),
        ]
    )


def navbar(items: list[NavItem]) -> dmc.AppShellNavbar:
    """The pages' entries; the current page's is marked active by a clientside callback
    on the URL (app.py, assets/shell.js navActive), also after client-side navigation."""
    return dmc.AppShellNavbar(
        p="xs",
        className="jz-navbar",
        children=[
            dmc.NavLink(
                label=i.label,
                href=i.href,
                className="jz-nav-link",
                active=False,
                **({"refresh": True} if i.external else {}),
                id={"type": "shell-nav", "href": i.href, "match": i.match or i.href},
            )
            for i in items
        ],
    )


def appshell(
    viewer: Viewer,
    items: list[NavItem],
    lang: str,
    as_of: str | None,
    synthetic: bool = False,
    csrf_token: str = "",
):
    """The whole shell around the pages; ``items`` from ``nav_items``, ``csrf_token`` the
    session's (the logout form)."""
    return dmc.MantineProvider(
        theme=MANTINE_THEME,
        children=[
            dcc.Location(id="shell-url", refresh="callback-nav"),
            dmc.AppShell(
                id="shell-appshell",
                header={"height": 56},
                padding="md",
                navbar={"width": 200, "breakpoint": "sm", "collapsed": {"mobile": True}},
                children=[
                    header(viewer, lang, as_of, synthetic, csrf_token),
                    navbar(items),
                    dmc.AppShellMain(dash.page_container, className="jz-main"),
                ],
            ),
            *([export_dialog(lang)] if viewer.may_export else []),
        ],
    )


def breadcrumb(trail: list[dict], href, lang: str | None = None) -> html.Nav:
    """Ancestors from the top of the user's scope down to the current unit.

    ``href(code)`` gives the link of a unit; the last item is the current one (no link).
    ``lang`` None: the request's language (pages may leave it so).
    """
    items = []
    for i, unit in enumerate(trail):
        if i == len(trail) - 1:
            items.append(dmc.Text(unit["name"], fw=600, size="sm", className="jz-crumb-current"))
        else:
            items.append(dcc.Link(unit["name"], href=href(unit["code"]), className="jz-crumb"))
    return html.Nav(
        dmc.Breadcrumbs(items, separator="›"),
        className="jz-breadcrumb",
        **{"aria-label": t("breadcrumb.label", lang)},
    )


def lang_href(lang: str, path: str) -> str:
    other = "en" if lang == "zh" else "zh"
    return f"/lang/{other}?next={quote(path)}"
