from django.urls import path

from workloads.web import delete_views, detail_views, launch_views, stop_views, views

app_name = "workloads"

urlpatterns = [
    path("", views.WorkloadListView.as_view(), name="list"),
    path("launch/", launch_views.LaunchWorkloadView.as_view(), name="launch"),
    path("launch/check/", launch_views.LaunchCheckView.as_view(), name="launch-check"),
    path("refresh/", views.RefreshView.as_view(), name="refresh"),
    path("bulk-delete/", delete_views.WorkloadBulkDeleteView.as_view(), name="bulk-delete"),
    path("<int:pk>/", detail_views.WorkloadDetailView.as_view(), name="detail"),
    path("<int:pk>/delete/", delete_views.WorkloadDeleteView.as_view(), name="delete"),
    path("<int:pk>/stop/", stop_views.WorkloadStopView.as_view(), name="stop"),
    path("<int:pk>/resume/", stop_views.WorkloadResumeView.as_view(), name="resume"),
    path("<int:pk>/logs/", detail_views.WorkloadLogsView.as_view(), name="logs"),
    path("<int:pk>/yaml/", detail_views.WorkloadYamlView.as_view(), name="yaml"),
]
