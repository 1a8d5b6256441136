"""Screenshots of the home and article pages on a phone and a desktop, for a person to look at.

Saved under test-artifacts/screenshots/ (git-ignored), replaced on every run.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS_DIR

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = ARTIFACTS_DIR / "screenshots"
LOAD_ALL_IMAGES = """
async () => {
  for (const img of document.querySelectorAll('img[loading="lazy"]')) img.loading = 'eager';
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
}
"""


@pytest.mark.parametrize("width", [375, 1280])
def test_home_and_article_screenshots(new_page, demo_newsroom, width):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(viewport={"width": width, "height": 800})
    for kind in ("home", "article"):
        response = page.goto(demo_newsroom[kind])
        assert response.ok, f"{demo_newsroom[kind]} answered {response.status}"
        page.wait_for_load_state("networkidle")
        # Lazy images below the fold load as a person scrolls: load and decode them all now,
        # or the full-page picture shows empty boxes.
        page.evaluate(LOAD_ALL_IMAGES)
        broken = page.evaluate(
            "[...document.images].filter(img => !img.naturalWidth).map(img => img.src)"
        )
        assert not broken, f"images that did not load on {kind}: {broken}"
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        assert overflow <= 0, f"the {kind} page is {overflow}px wider than a {width}px screen"
        path = SCREENSHOTS / f"{kind}-{width}.png"
        page.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 10_000
