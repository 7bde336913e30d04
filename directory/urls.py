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
    path("can-bo/<int:pk>/chu-ky/", views.person_signature, name="person_signature"),
    path(
        "can-bo/<int:pk>/chu-ky.png",
        views.person_signature_png,
        name="person_signature_png",
    ),
    path(
        "quan-tri/co-quan/<int:pk>/con-dau/",
        views.organisation_seal,
        name="organisation_seal",
    ),
    path(
        "quan-tri/co-quan/<int:pk>/con-dau.png",
        views.organisation_seal_png,
        name="organisation_seal_png",
    ),
    path("uy-quyen/<int:pk>/thu-hoi/", views.delegation_end, name="delegation_end"),
    path("xu-ly-thay/", views.acting_for_begin, name="acting_for_begin"),
    path("xu-ly-thay/ket-thuc/", views.acting_for_end, name="acting_for_end"),
]
