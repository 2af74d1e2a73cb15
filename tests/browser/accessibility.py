"""Checks a person would otherwise make by eye: axe-core's rules and "nothing wider than the screen"."""

from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("critical", "serious")


def axe_violations(page, impacts=BLOCKING_IMPACTS):
    """Run axe-core on the page as it is now; return its violations of the given impacts."""
    if not AXE_SCRIPT.exists():
        raise AssertionError(f"{AXE_SCRIPT} is missing: run bin/ensure-axe (make test does)")
    # Evaluated through the DevTools protocol, which the page's CSP does not govern (a
    # <script> tag would be refused by it, as it should be).
    page.evaluate(AXE_SCRIPT.read_text() + "\n;undefined")
    # target-size (WCAG 2.2: tap targets of at least 24 px) is off in axe by default; phones need it.
    options = "{resultTypes: ['violations'], rules: {'target-size': {enabled: true}}}"
    result = page.evaluate(f"() => axe.run(document, {options})")
    return [violation for violation in result["violations"] if violation["impact"] in impacts]


def describe(violations):
    lines = []
    for violation in violations:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")
    return "\n".join(lines)


def assert_accessible(page):
    """No critical or serious axe-core violation on the page."""
    violations = axe_violations(page)
    assert not violations, "axe-core found:\n" + describe(violations)


def assert_fits_viewport(page):
    """The page never scrolls sideways: wide content scrolls inside its own container."""
    widths = page.evaluate(
        "() => ({page: document.documentElement.scrollWidth, screen: window.innerWidth})"
    )
    assert widths["page"] <= widths["screen"], f"page is {widths['page']} px wide on a {widths['screen']} px screen"
