"""Accessibility of the public pages: axe-core in Chromium finds nothing serious or critical."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BLOCKING = ("serious", "critical")


def describe(violations: list[dict]) -> str:
    """Return the violations as lines a person can act on: rule, impact, where, why."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", " "))
    return "\n".join(lines)


@pytest.mark.parametrize("kind", ["home", "article", "section", "tag", "author", "search"])
def test_public_page_has_no_serious_accessibility_violations(new_page, demo_newsroom, kind):
    path = demo_newsroom[kind]
    problems = []
    for color_scheme in ("light", "dark"):
        page = new_page(color_scheme=color_scheme)
        response = page.goto(path)
        if kind == "search" and response.status == 404:
            pytest.skip("no search page yet: /search/ answers 404")
        assert response.ok, f"{path} answered {response.status}"
        page.wait_for_load_state("networkidle")
        results = Axe().run(page, options={"resultTypes": ["violations"]})
        blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
        if blocking:
            problems.append(f"axe-core on {path} ({color_scheme} scheme):\n{describe(blocking)}")
    assert not problems, "\n".join(problems)
