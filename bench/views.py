"""The floor: the least a request through this server can cost, measured in the same run.

``hello`` answers a short response without a template or the database; ``template``
renders a small standalone template (no database, no site navigation). Every page's
figures are divided by these, so the table reads the same on a fast or a slow machine.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

ITEMS = [f"Item {n}" for n in range(1, 11)]


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello from the newsroom.\n", content_type="text/plain")


def template(request: HttpRequest) -> HttpResponse:
    return render(request, "bench/floor.html", {"title": "Floor", "items": ITEMS})
