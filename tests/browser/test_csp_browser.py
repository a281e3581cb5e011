"""The Content-Security-Policy in a real browser: every kind of page still renders (maps,
charts, grids, the wall, the admin pages) and the browser reports no violation, while an
injected inline script is refused."""

from __future__ import annotations

import pytest

from tests.conftest import DEMO_PASSWORDS

TIMEOUT = 30_000
# Each violation the browser sees, as "directive blocked-uri" (it also logs a console
# error, which Watched records).
RECORD = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__csp.push(e.effectiveDirective + ' ' + (e.blockedURI || 'inline') + ' ' +
                    (e.sourceFile || '') + ':' + (e.lineNumber || '')));
"""

# (user, path, selector that shows the page rendered)
PAGES = [
    ("province_leader", "/", "[data-kpi]"),
    ("province_leader", "/region/610924000000", ".leaflet-container"),
    ("province_leader", "/households/610924000000", ".ag-row"),
    ("province_leader", "/monitoring/610000000000", ".jz-page"),
    ("province_leader", "/quality/610000000000", ".jz-page"),
    ("province_leader", "/crosschecks/610000000000", ".jz-page"),
    ("province_leader", "/dispatch/610000000000", ".jz-page"),
    ("province_leader", "/tasks", ".jz-page"),
    ("province_leader", "/warnings", ".jz-page"),
    ("province_leader", "/briefings", ".jz-page"),
    ("province_leader", "/cases", ".jz-page"),
    ("province_admin", "/admin/users", ".jz-page"),
    ("province_admin", "/admin/registry", ".jz-page"),
    ("province_admin", "/admin/wall", ".jz-page"),
    ("province_admin", "/admin/audit", ".jz-page"),
    ("province_health", "/imports", ".jz-page"),
    ("province_wall", "/wall", ".jz-wall-view.is-active"),
]


def violations(watched) -> list[str]:
    found = watched.page.evaluate("window.__csp || []")
    logged = [e for e in watched.errors if "Content Security Policy" in e]
    return found + logged


@pytest.mark.parametrize("user", sorted({u for u, _, _ in PAGES}))
def test_pages_render_under_the_policy(watched, user):
    watched.page.add_init_script(RECORD)
    watched.login(user, DEMO_PASSWORDS[user])
    watched.page.wait_for_load_state("networkidle")
    seen = {}
    for who, path, selector in PAGES:
        if who != user:
            continue
        watched.page.goto(watched.base + path)
        watched.page.wait_for_selector(selector, timeout=TIMEOUT)
        watched.page.wait_for_load_state("networkidle")
        seen[path] = violations(watched)
    assert seen == {path: [] for who, path, _ in PAGES if who == user}
    assert [e for e in watched.errors if "Content Security Policy" in e] == []


def test_the_login_page_renders_under_the_policy(watched):
    watched.page.add_init_script(RECORD)
    watched.page.goto(watched.base + "/login")
    watched.page.wait_for_selector("input[name=username]", timeout=TIMEOUT)
    assert violations(watched) == []


def test_an_injected_inline_script_is_refused(watched):
    """What the policy is for: markup that slipped in cannot run a script."""
    watched.page.add_init_script(RECORD)
    watched.login("province_leader", DEMO_PASSWORDS["province_leader"])
    watched.page.wait_for_selector("[data-kpi]", timeout=TIMEOUT)
    ran = watched.page.evaluate("""() => {
        window.__ran = false;
        const s = document.createElement('script');
        s.textContent = 'window.__ran = true;';
        document.body.appendChild(s);
        const img = document.createElement('img');
        img.setAttribute('onerror', 'window.__ran = true;');
        img.src = 'data:,x';
        document.body.appendChild(img);
        return new Promise(r => setTimeout(() => r(window.__ran), 300));
    }""")
    assert ran is False
    assert any(v.startswith("script-src-elem inline") for v in violations(watched))
    # Nor can the page be framed, by anyone (checked by the browser from the header).
    r = watched.page.request.get(watched.base + "/")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
