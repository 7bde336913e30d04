from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Workflow")

    def ready(self):
        from documents.panels import register_panel_provider

        from .views_approval import approval_panels
        from .views_copies import copy_panels
        from .views_dispatch import dispatch_panels
        from .views_incoming import incoming_panels
        from .views_issuing import issuing_panels

        register_panel_provider(issuing_panels)
        register_panel_provider(approval_panels)
        register_panel_provider(copy_panels)
        register_panel_provider(dispatch_panels)
        register_panel_provider(incoming_panels)
