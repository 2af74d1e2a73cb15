"""Many clients at once: writes stay consistent and a watcher sees every one of them."""

import threading

import kubernetes
from kubernetes import watch


def client_for(handle):
    cfg = kubernetes.client.Configuration()
    cfg.host = handle.url
    cfg.api_key = {"authorization": "Bearer " + handle.token}
    return kubernetes.client.CoreV1Api(kubernetes.client.ApiClient(cfg))


def test_parallel_writers_and_a_watcher(kubesim, core):
    start = core.list_namespaced_config_map("default").metadata.resource_version
    errors = []

    def writer(worker):
        api = client_for(kubesim)
        try:
            for index in range(15):
                name = f"w{worker}-{index}"
                api.create_namespaced_config_map("default", {"metadata": {"name": name, "labels": {"w": str(worker)}}})
                api.patch_namespaced_config_map(name, "default", {"data": {"n": str(index)}})
                if index % 5 == 0:
                    api.delete_namespaced_config_map(name, "default")
                api.list_namespaced_config_map("default", label_selector=f"w={worker}", limit=5)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    remaining = core.list_namespaced_config_map("default").items
    assert len(remaining) == 6 * 12
    counts = {"ADDED": 0, "MODIFIED": 0, "DELETED": 0}
    for event in watch.Watch().stream(core.list_namespaced_config_map, "default", resource_version=start,
                                      timeout_seconds=1):
        counts[event["type"]] += 1
    assert counts == {"ADDED": 90, "MODIFIED": 90, "DELETED": 18}
    rvs = [int(c.metadata.resource_version) for c in remaining]
    assert len(set(rvs)) == len(rvs)
