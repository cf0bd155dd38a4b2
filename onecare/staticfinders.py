"""nhsuk-frontend's stylesheet with its fonts served from nowhere but the portal.

The NHS.UK stylesheet declares the Frutiger web font with `@font-face` rules whose files live on assets.nhs.uk.
Frutiger is licensed to NHS.UK and not shipped in the npm package; the portal's hosts may not reach assets.nhs.uk
(here every page waited seconds for the fonts to fail). This finder
answers for `nhsuk/nhsuk-frontend.min.css` ahead of the npm folder with a copy whose `@font-face` rules are removed
(and whose icons are found beside it), so the stylesheet's own font stack ("Frutiger W01", arial, sans-serif) falls
back to the system's Arial and no request leaves for another host.

It is a staticfiles finder, so the same copy is served by WhiteNoise from the finders (`make run`, tests) and
collected by `collectstatic` (production). The copy is written to a folder of the system's temporary directory
and rebuilt whenever the npm file or this module is newer.
"""

import os
import re
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

STYLESHEET = "nhsuk/nhsuk-frontend.min.css"
FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")


def without_font_faces(css: str) -> str:
    """The stylesheet without its web fonts; its icons (written for a site root, /assets/images/...) are taken
    from beside the stylesheet, where the npm package's images are served (/static/nhsuk/assets/images/...)."""
    return FONT_FACE.sub("", css).replace("url(/assets/", "url(assets/")


class LocalFontsFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = Path(settings.BASE_DIR) / "node_modules" / "nhsuk-frontend" / "dist" / STYLESHEET
        self.root = Path(tempfile.gettempdir()) / "bnssg-portal-static"

    def check(self, **kwargs):
        return []

    def _built(self) -> Path | None:
        if not self.source.exists():
            return None
        target = self.root / STYLESHEET
        newest = max(self.source.stat().st_mtime, Path(__file__).stat().st_mtime)  # the npm file or this rewrite
        if not target.exists() or target.stat().st_mtime < newest:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{os.getpid()}")
            partial.write_text(without_font_faces(self.source.read_text(encoding="utf-8")), encoding="utf-8")
            partial.replace(target)  # atomic: another process never reads half a file
        return target

    def find(self, path, find_all=False, **kwargs):
        find_all = find_all or kwargs.get("all", False)
        built = self._built() if path == STYLESHEET else None
        if find_all:
            return [str(built)] if built else []
        # Nothing found is an empty list, as Django's own finders answer: finders.find() keeps any other
        # answer, so None became [None] and WhiteNoise failed on it (a missing static file was a server error).
        return str(built) if built else []

    def list(self, ignore_patterns):
        if self._built():
            yield STYLESHEET, FileSystemStorage(location=str(self.root))
