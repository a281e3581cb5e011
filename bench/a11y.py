"""Lighthouse's accessibility score (mobile) of the phone pages: the field pages of a
cadre and a household's public feedback form, on a running app.

    npm install --prefix /tmp/lh lighthouse@13.5.0     # once; not needed by make test
    .venv/bin/python bench/a11y.py --url http://127.0.0.1:8050 --user ziyang_cadre \\
        --password demo-cadre-2026 --lighthouse /tmp/lh/node_modules/.bin/lighthouse

The tests check the same pages with axe-core, the rules Lighthouse scores
(tests/browser/test_field_a11y_browser.py); this is the score itself.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import subprocess
import tempfile
import urllib.parse
import urllib.request


def login(base: str, user: str, password: str) -> tuple[str, urllib.request.OpenerDirector]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = {"csrf_token": token, "username": user, "password": password, "next": "/m/"}
    opener.open(base + "/login", urllib.parse.urlencode(form).encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar), opener


def score(lighthouse: str, url: str, cookie: str, chromium: str) -> tuple[float, list[str]]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [
                lighthouse,
                url,
                f"--chrome-path={chromium}",
                "--chrome-flags=--headless=new --no-sandbox",
                "--only-categories=accessibility",
                "--form-factor=mobile",
                f"--extra-headers={json.dumps({'Cookie': cookie})}",
                "--output=json",
                f"--output-path={out.name}",
                "--quiet",
            ],
            check=True,
            timeout=180,
        )
        report = json.load(open(out.name))
    failed = [
        a["id"]
        for a in report["audits"].values()
        if a.get("scoreDisplayMode") == "binary" and a.get("score") == 0
    ]
    return report["categories"]["accessibility"]["score"] * 100, failed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8050")
    ap.add_argument("--user", default="ziyang_cadre")
    ap.add_argument("--password", default="demo-cadre-2026")
    ap.add_argument("--lighthouse", required=True)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    base = args.url.rstrip("/")
    cookie, opener = login(base, args.user, args.password)
    home = opener.open(base + "/m/").read().decode()
    household = re.search(r'href="/m/household/(\d+)"', home).group(1)
    cards = opener.open(base + f"/m/cards?household={household}").read().decode()
    card = re.search(r"/f/[a-z2-7]{24}", cards).group(0)
    pages = [
        "/m/",
        f"/m/household/{household}",
        f"/m/visit?household={household}&label=x",
        f"/m/risk?household={household}&label=x",
        "/m/outbox",
        "/m/overdue",
        "/m/feedback",
        f"/m/household/{household}/feedback",
        f"/m/change?household={household}&label=x",
        f"/m/change?household={household}&label=x&member=1&member_label=x",
        "/m/changes",
        card,
    ]
    print("| page | accessibility (mobile) | failed audits |\n|---|---|---|")
    for path in pages:
        value, failed = score(args.lighthouse, base + path, cookie, args.chromium)
        shown = re.sub(r"/f/[a-z2-7]{24}", "/f/<code>", re.sub(r"\d{4,}", "<id>", path))
        print(f"| `{shown}` | {value:.0f} | {', '.join(failed) or '—'} |")


if __name__ == "__main__":
    main()
