"""Driving JupyterLab in Chromium as a participant does: its menus, File > Open from Path, the
notebook in front."""

from __future__ import annotations

import re

#: The notebook in front (JupyterLab hides the other tabs' panels).
CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"
#: Page-side waits check every 250 ms, not on every animation frame (Playwright's default), which
#: keeps a JupyterLab page's renderer busy for as long as a wait lasts.
POLLING = 250


def menu(page, name: str, command: str) -> None:
    page.locator(".lm-MenuBar-item", has_text=re.compile(f"^{name}$")).click()
    page.locator(f".lm-Menu-item[data-command='{command}']").first.click()


def open_path(page, path: str) -> None:
    """File > Open from Path (a double-click in the file browser, typed): the document opens in a
    new tab of the same JupyterLab, in front. No second JupyterLab page to load."""
    menu(page, "File", "filebrowser:open-path")
    page.fill(".jp-Dialog input", path)
    page.click(".jp-Dialog .jp-mod-accept")
    page.wait_for_selector(".jp-Dialog", state="detached", timeout=60_000)
    page.wait_for_function(f"""() => [...document.querySelectorAll('.lm-DockPanel-tabBar .lm-mod-current')]
                                    .some(tab => tab.innerText.includes({path.rsplit("/", 1)[-1]!r}))""",
                           polling=POLLING, timeout=180_000)
    page.wait_for_selector(f"{CURRENT} .jp-Notebook", timeout=180_000)
