from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A friendly page, no internals: the reason is for the server log only."""
    return render(request, "403_csrf.html", status=403)
