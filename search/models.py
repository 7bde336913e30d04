"""Saved searches (tìm kiếm đã lưu): a person keeps a query and its filters under
a name, to run it again from the search page. Private: only the owner lists,
runs or deletes them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedSearch(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_searches",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("search text"), max_length=500, blank=True)
    # Filter name -> list of values as typed in the page's URL (strings), checked
    # by search.services.validate_filters when saved and again when run.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    sort = models.CharField(_("sort order"), max_length=20, default="relevance")
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ("name", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=("owner", "name"), name="search_savedsearch_owner_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
