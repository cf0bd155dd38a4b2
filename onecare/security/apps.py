from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "onecare.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deploy check)
