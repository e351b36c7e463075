"""Response headers every page carries."""

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Cache-Control: no-store on every page Django renders (docs/SECURITY.md):
    pages behind login and the code step must never be kept by a browser or a
    proxy, and the few public pages (log in) gain nothing from a cache.
    Static files are served before this by WhiteNoise, with their own long
    cache headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response or "no-store" not in response["Cache-Control"]:
            add_never_cache_headers(response)
        return response
