"""Indexes of the Workloads table's sorts and of its filter counts.

Measured with EXPLAIN ANALYZE on 300k workloads of one project (a scratch database, VACUUM
ANALYZEd; this machine was at load ~19 on 2 cores, so absolute times are inflated):
- sort by GPU, CPU, memory, cluster, status (lifecycle): 0.15-0.26 ms for page 1 and 11-26 ms
  at OFFSET 2500, each an index scan of (project, <key>, id) in order. Without them: a sort of
  every row (the cluster sort by the cluster's name, through a join: 1.1-1.7 s).
- the counts per (type, status): an index-only scan of (project, type, status), 255 buffers
  (2 MB), no heap fetch, 300 ms wall under that load (a plain COUNT(*) of the same rows: 80-120
  ms). It is linear in the project's rows: about 3x that at 1M.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workloads', '0006_component_uid_index'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='workload',
            index=models.Index(fields=['project', 'type', 'status'], name='workload_project_type_status'),
        ),
        migrations.AddIndex(
            model_name='workload',
            index=models.Index(fields=['project', 'requested_gpu', 'id'], name='workload_project_gpu'),
        ),
        migrations.AddIndex(
            model_name='workload',
            index=models.Index(fields=['project', 'requested_cpu_millicores', 'id'], name='workload_project_cpu'),
        ),
        migrations.AddIndex(
            model_name='workload',
            index=models.Index(fields=['project', 'requested_memory_bytes', 'id'], name='workload_project_memory'),
        ),
        migrations.AddIndex(
            model_name='workload',
            index=models.Index(fields=['project', 'cluster', 'id'], name='workload_project_cluster'),
        ),
        migrations.AddIndex(
            model_name='workload',
            index=models.Index(models.F('project'), models.Case(models.When(status='added', then=models.Value(0)), models.When(status='pending', then=models.Value(1)), models.When(status='running', then=models.Value(2)), models.When(status='complete', then=models.Value(3)), models.When(status='failed', then=models.Value(4)), models.When(status='deleting', then=models.Value(5)), models.When(status='deleted', then=models.Value(6)), models.When(status='delete-failed', then=models.Value(7)), models.When(status='terminated', then=models.Value(8)), models.When(status='unknown', then=models.Value(9)), default=models.Value(10), output_field=models.IntegerField()), models.F('id'), name='workload_project_lifecycle'),
        ),
    ]
