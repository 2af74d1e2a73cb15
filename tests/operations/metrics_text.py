"""Reading the exposition text the way Prometheus does (prometheus_client's own parser)."""

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """{(sample name, labels): value} of every sample in `text`."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


SCRAPE_TOKEN = "scrape-token"  # the tests set METRICS_TOKEN to it


def scrape(client, token=SCRAPE_TOKEN) -> dict:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return samples(response.content.decode())
