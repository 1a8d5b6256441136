"""The site's URLs plus, when BENCH_FLOOR_VIEWS is on, the two floor views."""

from django.conf import settings
from django.urls import path

from bench import views
from newsroom.urls import urlpatterns as site_urlpatterns

urlpatterns = list(site_urlpatterns)
if getattr(settings, "BENCH_FLOOR_VIEWS", False):
    urlpatterns[:0] = [
        path("bench/hello/", views.hello, name="bench_hello"),
        path("bench/template/", views.template, name="bench_template"),
    ]
