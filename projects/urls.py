from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.ProjectHomeView.as_view(), name="project-home"),
    path("quotas/", views.QuotasView.as_view(), name="quotas"),
    path("members/", views.MembersView.as_view(), name="members"),
]
