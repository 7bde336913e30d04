"""URL configuration: Vietnamese paths for the people who use Vanthu, Django's admin
for the system administrators."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path(
        "login/",
        RedirectView.as_view(pattern_name="login", query_string=True, permanent=True),
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("directory.urls")),
    path("", include("workflow.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
