from django.urls import path

from workloads.web import launch_views, views

app_name = "workloads"

urlpatterns = [
    path("", views.WorkloadListView.as_view(), name="list"),
    path("launch/", launch_views.LaunchWorkloadView.as_view(), name="launch"),
    path("refresh/", views.RefreshView.as_view(), name="refresh"),
    path("bulk-delete/", views.WorkloadBulkDeleteView.as_view(), name="bulk-delete"),
    path("<int:pk>/", views.WorkloadDetailView.as_view(), name="detail"),
    path("<int:pk>/delete/", views.WorkloadDeleteView.as_view(), name="delete"),
    path("<int:pk>/logs/", views.WorkloadLogsView.as_view(), name="logs"),
]
