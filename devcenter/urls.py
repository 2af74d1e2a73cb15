from django.contrib import admin
from django.urls import include, path

from devcenter.auth import SignInView
from projects import views as project_views
from sso.views import SignOutView
from workloads.web import workspace_auth

urlpatterns = [
    path("", project_views.home, name="home"),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    path("oidc/", include("sso.urls")),
    path("admin/", admin.site.urls),
    path("auth/workspace/", workspace_auth.forward_auth, name="workspace-auth"),
    path("p/<slug:project>/", include("projects.urls")),
    path("p/<slug:project>/workloads/", include("workloads.urls")),
]
