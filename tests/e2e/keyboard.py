"""Moving through a page by keyboard alone, as someone who cannot use a mouse does."""

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e) return "";
  return [e.id, e.getAttribute("name"), (e.innerText || "").trim(), e.value].filter(Boolean).join(" | ");
}"""


def tab_to(page, wanted: str, limit: int = 120) -> None:
    """Press Tab until the focused element's id, name, text or value contains `wanted`."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if wanted in focused:
            return
        seen.append(focused)
    raise AssertionError(f"could not reach {wanted!r} by keyboard; focus went through {seen[:40]}")
