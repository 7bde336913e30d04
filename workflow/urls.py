from django.urls import path

from . import views

app_name = "workflow"

urlpatterns = [
    path("hang-doi/<slug:queue>/", views.queue_detail, name="queue"),
    path(
        "hang-doi/<slug:queue>/xu-ly-thay/",
        views.queue_detail,
        {"acting": True},
        name="queue_acting",
    ),
]
