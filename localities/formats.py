"""List-size sources in words, for pages and the admin (the `source_kinds` template filter, a builtin library)."""

from .models import SourceKind


def source_kinds(value) -> str:
    """Source codes (one, or several joined by commas as Release.snapshot_sources keeps them) in words, by
    SourceKind's labels; a code it does not know is shown as it is; nothing is an empty string."""
    labels = dict(SourceKind.choices)
    codes = [code.strip() for code in str(value or "").split(",") if code.strip()]
    return "; ".join(str(labels.get(code, code)) for code in codes)
