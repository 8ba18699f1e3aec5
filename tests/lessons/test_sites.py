"""playground.lessons.sites: what Chromium itself does with the SameSite=Lax session cookie.

The lesson (05) claims that a CORS layer reflecting any origin with credentials hands the JWT to a
page of the same site on another port, but not to a page of another site. These tests hold that
claim to the real browser, broken and fixed.
"""

from __future__ import annotations

import pytest

from playground.lessons import cors_lab
from playground.lessons.sites import PageVisit, same_origin_on_other_host, visit_other_pages


def test_same_origin_on_other_host_keeps_scheme_and_port():
    assert same_origin_on_other_host("http://127.0.0.1:4000", "localhost") == "http://localhost:4000"
    assert same_origin_on_other_host("https://a.example:8443/path?q", "b.example") == "https://b.example:8443"


def test_a_page_visit_read_the_jwt_only_with_a_jwt():
    assert PageVisit("http://x:1", "a.b.c", "", ()).read_the_jwt
    assert not PageVisit("http://x:1", "", "get-token: 401 Unauthorized", ()).read_the_jwt


def _same_and_cross_site(fixed: bool) -> tuple[PageVisit, PageVisit]:
    with cors_lab.start_lab("wildcard-with-credentials", fixed=fixed) as lab:
        cross_site = same_origin_on_other_host(lab.other_site_url, "localhost")
        same_site, other_site = visit_other_pages(lab, [lab.other_site_url, cross_site])
    assert (same_site.origin, other_site.origin) == (lab.other_site_url, cross_site)
    return same_site, other_site


@pytest.mark.browser
@pytest.mark.usefixtures("frontend_built")
def test_reflected_origin_leaks_the_jwt_to_the_same_site_only():
    same_site, cross_site = _same_and_cross_site(fixed=False)

    assert same_site.read_the_jwt and same_site.error == "" and same_site.console_errors == ()
    # Another site: CORS would let it read the answer, but Chromium sent no Lax cookie: a 401.
    assert not cross_site.read_the_jwt
    assert cross_site.error == "get-token: 401 Unauthorized"
    assert not any("CORS policy" in line for line in cross_site.console_errors)


@pytest.mark.browser
@pytest.mark.usefixtures("frontend_built")
def test_exact_origins_leak_to_neither():
    for visit in _same_and_cross_site(fixed=True):
        assert not visit.read_the_jwt and visit.error == "get-token: TypeError: Failed to fetch"
        assert any("blocked by CORS policy: No 'Access-Control-Allow-Origin' header" in line
                   for line in visit.console_errors)
