from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Read API"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the Bearer token's OpenAPI description)
