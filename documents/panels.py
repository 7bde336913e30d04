"""Panels that apps above documents add to the document page.

documents may not import the apps above it (workflow, exchange, archive, search:
DESIGN.md's layers), yet their actions belong on the document page: the leader's
"sign" button, the clerk's "number and seal", the signature report. Such an app
registers a panel provider in its AppConfig.ready(); the document page asks every
provider for its panels and includes their templates in the order they come."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    """A section of the document page: `template` is included with `panel` in its
    context (so the template reads panel.context.<name>); `place` is "main" (the
    left column, after the metadata) or "side" (above the preview)."""

    template: str
    context: dict = field(default_factory=dict)
    place: str = "main"
    order: int = 100


PanelProvider = Callable[[HttpRequest, object], list[Panel]]
_providers: list[PanelProvider] = []


def register_panel_provider(provider: PanelProvider) -> None:
    """Add a provider (once): provider(request, document) -> list[Panel]."""
    if provider not in _providers:
        _providers.append(provider)


def document_panels(request: HttpRequest, document) -> dict[str, list[Panel]]:
    """The panels of every provider for this page, grouped by place."""
    panels = [panel for provider in _providers for panel in provider(request, document)]
    panels.sort(key=lambda panel: panel.order)
    return {
        "main": [panel for panel in panels if panel.place == "main"],
        "side": [panel for panel in panels if panel.place == "side"],
    }
