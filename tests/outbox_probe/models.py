from django.db import models


class ProbeEffect(models.Model):
    """One row per effect of the probe consumer: a duplicate row is a double effect."""

    marker = models.CharField(max_length=100)
    event_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.marker} {self.event_id}"
