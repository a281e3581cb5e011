"""Logging out in a real browser: the header's button posts the form with its CSRF
token, and the session is gone (a copy of its cookie with it)."""

from __future__ import annotations

from tests.conftest import DEMO_PASSWORDS


def test_the_header_logs_out(watched):
    page = watched.page
    watched.login("ziyang_manager", DEMO_PASSWORDS["ziyang_manager"])
    page.wait_for_selector("#shell-user", timeout=30_000)
    watched.shot("logout-header")
    cookie = next(c for c in page.context.cookies() if c["name"] == "jz_session")
    page.click("#shell-logout")
    page.wait_for_url("**/login", timeout=30_000)
    page.goto(watched.base + "/")
    assert "/login" in page.url
    # The cookie as it was before the logout is void too.
    page.context.add_cookies([cookie])
    page.goto(watched.base + "/")
    assert "/login" in page.url
