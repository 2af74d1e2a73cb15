from django.urls import path

from workloads import views

app_name = "workloads"

urlpatterns = [
    path("", views.WorkloadListView.as_view(), name="list"),
]
