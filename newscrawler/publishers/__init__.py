"""Publisher profiles: one module per outlet, each defining one :class:`newscrawler.profile.Publisher`.

Every module in this package is imported and its profile registered under its slug: adding an outlet is
adding a file here (plus its fixtures and tests), nothing else. ``pkgutil`` also lists modules inside the
zipped egg scrapyd runs.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from newscrawler.profile import Publisher, Registry

REGISTRY = Registry()


def _discover() -> None:
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Publisher) and value.__module__ == module.__name__ and getattr(value, "slug", None):
                REGISTRY.add(value)


_discover()


def get(slug: str) -> type[Publisher]:
    publisher = REGISTRY.get(slug)
    if publisher is None:
        raise KeyError(f"no publisher profile {slug!r}; known: {', '.join(REGISTRY.slugs())}")
    return publisher
