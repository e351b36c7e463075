"""Serving the metrics (docs/OPERATIONS.md, "Metrics"): /metrics on the web,
and a port of its own on each worker (METRICS_WORKER_PORT). Only to a
scraper that shows METRICS_TOKEN as a bearer token or connects from one of
METRICS_ALLOWED_NETWORKS; anyone else gets the 404 of any unknown path, so
the endpoint's existence is not revealed."""

import hmac
import ipaddress
import os
import threading
from functools import lru_cache
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.http import Http404
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, make_wsgi_app, multiprocess
from prometheus_client.django import PrometheusDjangoView

# A request that came through a proxy says so; a scraper connects itself.
RELAYED = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def scrape_allowed(*, authorization: str, remote_addr: str, relayed: bool = False) -> bool:
    """`Authorization: Bearer <METRICS_TOKEN>` (compared in constant time;
    no token set: none is accepted), or REMOTE_ADDR in an allowed network.
    REMOTE_ADDR only: X-Forwarded-For is the caller's to write. A relayed
    request never gets in by its network: behind a proxy or load balancer
    inside an allowed network, REMOTE_ADDR is the proxy's, for every client
    on the internet."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = authorization.strip().partition(" ")
        # surrogatepass: any str encodes, and two different ones never alike.
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode("utf-8", "surrogatepass"), token.encode()
        ):
            return True
    if relayed:
        return False
    return _from_allowed_network(remote_addr, tuple(settings.METRICS_ALLOWED_NETWORKS))


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _from_allowed_network(remote_addr: str, cidrs: tuple[str, ...]) -> bool:
    if not cidrs or not remote_addr:
        return False
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # an IPv4 client of a dual-stack socket
    return any(address in network for network in _networks(cidrs))


def registry() -> CollectorRegistry:
    """What this process serves: with PROMETHEUS_MULTIPROC_DIR (gunicorn's
    workers, a prefork worker's children), the sum over every process
    writing there; without, this process's own numbers."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return REGISTRY


class MetricsView(PrometheusDjangoView):
    """prometheus-client's own Django view, behind scrape_allowed()."""

    def dispatch(self, request, *args, **kwargs):
        if not scrape_allowed(
            authorization=request.headers.get("Authorization", ""),
            remote_addr=request.META.get("REMOTE_ADDR", ""),
            relayed=any(header in request.META for header in RELAYED),
        ):
            raise Http404
        self.registry = registry()
        return super().dispatch(request, *args, **kwargs)


metrics = never_cache(MetricsView.as_view())


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (wsgiref's signature)
        """A scrape every 15 s is not worth a log line."""


def worker_serve(port: int) -> WSGIServer:
    """In a worker: serve its metrics on `port`, on a daemon thread, behind
    the same gate as /metrics."""
    app = make_wsgi_app(registry())

    def gated(environ, start_response):
        if environ.get("PATH_INFO") != "/metrics" or not scrape_allowed(
            authorization=environ.get("HTTP_AUTHORIZATION", ""),
            remote_addr=environ.get("REMOTE_ADDR", ""),
            relayed=any(header in environ for header in RELAYED),
        ):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found\n"]
        return app(environ, start_response)

    # Every interface, as a web node's gunicorn: the scraper is on another
    # machine, and the gate above stands in front of every answer.
    server = make_server("0.0.0.0", port, gated, _Server, _Quiet)  # noqa: S104 # nosec B104
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
