"""URL configuration: Vietnamese paths for the people who use Vanthu, Django's admin
for the system administrators."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    # The same sign-in under its English path, for scripts and habits.
    path("login/", views.LoginView.as_view()),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("directory.urls")),
    path("", include("workflow.urls")),
    path("", include("documents.urls")),
    path("", include("signing.web_urls")),
    path("", include("search.urls")),
    # The demo PKI's OCSP, CRLs and TSA (make run and tests only; 404 otherwise).
    path("demo-pki/", include("signing.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
