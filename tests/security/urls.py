"""Every URL pattern of the project, walked from the root resolver, with the model admin it belongs to."""

from dataclasses import dataclass

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name", or the route where the pattern has no name
    route: str
    params: tuple[str, ...]
    admin_model: str | None  # "app_label.model_name" for a model admin's pages


def walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            params = tuple(entry.pattern.converters) if hasattr(entry.pattern, "converters") else ()
            if not params:
                params = tuple(entry.pattern.regex.groupindex)
            name = f"{namespace}:{entry.name}" if entry.name and namespace else entry.name or route
            yield Pattern(name=name, route=route, params=params, admin_model=admin_model_of(route))


def admin_model_of(route: str) -> str | None:
    for model in admin.site._registry:
        if route.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
            return model._meta.label_lower
    return None


def all_patterns() -> list[Pattern]:
    return list(walk(get_resolver().url_patterns))
