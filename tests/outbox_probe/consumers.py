"""Consumers of the probe topics, whose effects the outbox tests count."""

from core.events import consumer
from core.models import OutboxEvent
from tests.outbox_probe.models import ProbeEffect


@consumer("probe.ping")
def record_ping(event: OutboxEvent) -> None:
    """One ProbeEffect per effect: two rows for one event would be a double effect."""
    ProbeEffect.objects.create(marker=event.payload["marker"], event_id=event.event_id)


@consumer("probe.gated")
def record_gated(event: OutboxEvent) -> None:
    """Always succeeds; must take effect once although the event is retried."""
    ProbeEffect.objects.create(marker=event.payload["marker"], event_id=event.event_id)


@consumer("probe.gated")
def pass_gate(event: OutboxEvent) -> None:
    """Fails until the test opens the gate (a ProbeEffect "<marker>:open")."""
    marker = event.payload["marker"]
    if not ProbeEffect.objects.filter(marker=f"{marker}:open").exists():
        raise RuntimeError(f"gate {marker} is closed")
    ProbeEffect.objects.create(marker=f"{marker}:passed", event_id=event.event_id)
