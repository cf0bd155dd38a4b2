"""The API's front door (the browsable list of endpoints) and its docs page (Swagger UI from the portal's static
files: drf-spectacular-sidecar; its start-up script is a same-origin file, so the CSP needs no 'unsafe-inline')."""

from collections import OrderedDict

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from .authentication import TokenUseRecorded
from .views import no_store

ENDPOINTS = [
    ("localities", "api:localities"),
    ("releases", "api:releases"),
    ("payment_runs", "api:payment-runs"),
    ("improved_access_quarters", "api:ia-quarters"),
    ("schema", "api:schema"),
    ("docs", "api:docs"),
]


class ApiRoot(TokenUseRecorded, APIView):
    """The read API of the BNSSG locality funding portal: each endpoint below answers GET, paged and filtered; money
    is a string with two decimals. Sign in with `Authorization: Bearer <token>` (make one under "API tokens")."""

    http_method_names = ["get", "head", "options"]

    @extend_schema(exclude=True)
    def get(self, request, format=None):  # noqa: A002  (DRF's name)
        return no_store(Response(OrderedDict((name, reverse(url, request=request)) for name, url in ENDPOINTS)))


class SchemaView(TokenUseRecorded, SpectacularAPIView):
    """The OpenAPI schema, its uses by token recorded as every endpoint's."""


class DocsView(TokenUseRecorded, SpectacularSwaggerSplitView):
    """Swagger UI; its page (template api/swagger_ui.html) has no inline style or script."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    # An HTML page: no OPTIONS (its template renderer has nothing to show for one).
    http_method_names = ["get", "head"]
