"""Settings: base (shared), local (the embedded default), production (compose), test (pytest)."""
