"""The dashboard's files behind the admin guard (docs/decisions.md `mock.dashboard.files`), on a real socket: each
file of /__mock/ui/ is refused without the token off loopback and with a foreign Host on loopback, and served with
the token; a browser's navigation off loopback gets the sign-in page as the 401's body (a fresh nonce each time,
nothing from another origin); the validating proxy's dashboard is guarded the same. The mocks here take themselves
for bound to every interface (`host="0.0.0.0"`: what the guard reads) while their socket is 127.0.0.1's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.controls.dashboard import pages
from mockserver.settings import Settings
from mockserver.testing import serve_in_thread
from tests.proxy.support import proxy_to

TOKEN = "s3cret-admin-token-0123456789"
BEARER = {"authorization": f"Bearer {TOKEN}"}
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}  # a navigation's
STATIC = Path(pages.__file__).parent / "static"
FILES = {f"/__mock/ui/{file.relative_to(STATIC).as_posix()}": file for file in sorted(STATIC.rglob("*.*"))}
FILES["/__mock/ui/"] = STATIC / "index.html"


@pytest.fixture
def off_loopback() -> Iterator[httpx.Client]:
    with serve_in_thread(Settings(host="0.0.0.0", admin_token=TOKEN)) as running, running.client() as client:
        yield client


def refused_without_the_token(client: httpx.Client, path: str) -> None:
    for headers in ({}, {"authorization": "Bearer not-the-token"}, {"authorization": f"Basic {TOKEN}"}):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 401, (path, headers)
        assert (
            refused.headers["www-authenticate"].startswith("Bearer") and "Bearer" in refused.json()["error"]["message"]
        )


def served_with_the_token(client: httpx.Client, path: str, file: Path) -> None:
    served = client.get(path, headers=BEARER)
    assert served.status_code == 200 and served.content == file.read_bytes(), path
    assert "default-src 'none'" in served.headers["content-security-policy"]


def test_off_loopback_each_file_needs_the_token(off_loopback: httpx.Client) -> None:
    for path, file in FILES.items():
        refused_without_the_token(off_loopback, path)
        served_with_the_token(off_loopback, path, file)
    assert off_loopback.get("/__mock/ui", headers=BEARER).headers["location"] == "/__mock/ui/"
    assert off_loopback.get("/__mock/ui").status_code == 401


def test_on_loopback_a_foreign_host_gets_no_file() -> None:
    """DNS rebinding: a page re-pointed at 127.0.0.1 must not read the dashboard either (nor its sign-in page)."""
    with serve_in_thread(Settings(admin_hosts=("mock.test",))) as running, running.client() as client:
        for path, file in FILES.items():
            for headers in ({"host": "evil.example"}, {"host": "evil.example", **BROWSER}):
                refused = client.get(path, headers=headers)
                assert refused.status_code == 403 and "DNS rebinding" in refused.json()["error"]["message"], path
            named = client.get(path, headers={"host": "mock.test:4010"})
            assert named.status_code == 200 and named.content == file.read_bytes()


def test_off_loopback_without_a_token_configured_the_dashboard_is_off() -> None:
    with serve_in_thread(Settings(host="0.0.0.0")) as running, running.client() as client:
        for path in FILES:
            refused = client.get(path, headers=BROWSER)
            assert refused.status_code == 403 and "disabled" in refused.json()["error"]["message"], path


def nonce_of(page: httpx.Response) -> str:
    """The page's nonce, checked to be the only source its code and styles may come from."""
    policy = page.headers["content-security-policy"]
    found = re.fullmatch(r".*script-src 'nonce-([\w-]+)'; style-src 'nonce-\1'; connect-src 'self';.*", policy)
    assert found is not None and "default-src 'none'" in policy and "unsafe" not in policy, policy
    return found.group(1)


def test_a_browser_off_loopback_gets_the_sign_in_page(off_loopback: httpx.Client) -> None:
    first, second = (off_loopback.get("/__mock/ui/", headers=BROWSER) for _ in range(2))
    assert first.status_code == 401 and first.headers["content-type"].startswith("text/html")
    assert first.headers["www-authenticate"].startswith("Bearer") and first.headers["cache-control"] == "no-store"
    nonce = nonce_of(first)
    assert nonce != nonce_of(second) and len(nonce) >= 24
    assert (
        first.text.count(f'nonce="{nonce}"') == 2 and first.text.count("<script") == first.text.count("</script") == 1
    )
    assert '<label for="token">Admin token</label>' in first.text and "sessionStorage" in first.text
    assert "://" not in first.text and TOKEN not in first.text  # nothing from another origin, no secret
    assert off_loopback.get("/__mock/ui/js/main.js", headers=BROWSER).status_code == 401  # any file, as it is opened
    for path, accept in (("/__mock/ui/", "application/json, text/html"), ("/__mock/journal", BROWSER["accept"])):
        plain = off_loopback.get(path, headers={"accept": accept})  # a script's call, or the admin API: JSON
        assert plain.status_code == 401 and plain.json()["error"]["message"], path
    assert off_loopback.post("/__mock/ui/", json={}, headers=BROWSER).status_code == 401


def test_the_proxy_guards_its_dashboard_the_same() -> None:
    with (
        serve_in_thread(Settings()) as mock,
        proxy_to(mock.base_url, host="0.0.0.0", admin_token=TOKEN) as (base, _),
        httpx.Client(base_url=base) as client,
    ):
        for path, file in FILES.items():
            refused_without_the_token(client, path)
            served_with_the_token(client, path, file)
        assert nonce_of(client.get("/__mock/ui/", headers=BROWSER))
