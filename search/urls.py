"""The search page and its saved searches (Vietnamese paths)."""

from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("tim-kiem/", views.search_page, name="search"),
    path("tim-kiem/xuat/", views.export, name="export"),
    path("tim-kiem/da-luu/", views.saved_create, name="saved_create"),
    path("tim-kiem/da-luu/<int:pk>/", views.saved_run, name="saved_run"),
    path("tim-kiem/da-luu/<int:pk>/xoa/", views.saved_delete, name="saved_delete"),
]
