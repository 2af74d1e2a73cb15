from django.apps import AppConfig


class WorkloadsConfig(AppConfig):
    name = "workloads"

    def ready(self):
        from projects import usage
        from workloads import metrics  # noqa: F401  (connects the task-outcome counter to Celery's signals)
        from workloads.usage import usage_by_cluster

        usage.register(usage_by_cluster)  # quotas are shown and changed against this usage
