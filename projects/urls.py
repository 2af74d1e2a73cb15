from django.urls import path
from django.views.generic import RedirectView

from projects import views

app_name = "projects"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="workloads:list"), name="project-home"),
    path("quotas/", views.QuotasView.as_view(), name="quotas"),
    path("members/", views.MembersView.as_view(), name="members"),
]
