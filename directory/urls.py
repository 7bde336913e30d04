from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("quan-tri/", views.organisation_list, name="organisations"),
    path("quan-tri/co-quan/<int:pk>/", views.organisation_detail, name="organisation"),
    path("quan-tri/co-quan/<int:pk>/don-vi/them/", views.unit_add, name="unit_add"),
    path("quan-tri/co-quan/<int:pk>/can-bo/them/", views.person_add, name="person_add"),
    path(
        "quan-tri/co-quan/<int:pk>/uy-quyen/them/",
        views.delegation_add,
        name="delegation_add",
    ),
    path("quan-tri/can-bo/<int:pk>/", views.person_edit, name="person_edit"),
    path("uy-quyen/<int:pk>/thu-hoi/", views.delegation_end, name="delegation_end"),
    path("xu-ly-thay/", views.acting_for_begin, name="acting_for_begin"),
    path("xu-ly-thay/ket-thuc/", views.acting_for_end, name="acting_for_end"),
]
