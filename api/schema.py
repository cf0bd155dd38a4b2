"""The OpenAPI description of the Bearer token (drf-spectacular finds extensions by import: api.apps imports it)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (bnssg_pat_…) made under 'API tokens' in the portal.",
        }
