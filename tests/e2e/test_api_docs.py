"""The API's documentation in a real browser: Swagger UI, served by the app, lists the
operations from the OpenAPI schema, within the site's Content-Security-Policy."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_documentation_shows_every_operation(live_server, page):
    external = []
    page.on(
        "request",
        lambda request: (
            external.append(request.url)
            if not request.url.startswith((live_server.url, "data:"))
            else None
        ),
    )
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/amenagements" in paths
    assert "/api/v1/compteurs/{counter_id}/totaux-journaliers" in paths
    assert external == []  # no CDN
    assert page.js_errors == []
