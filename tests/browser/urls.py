"""The site's URLs plus the uploaded media, for the live server of the browser tests.

The test settings run with DEBUG off, so ``newsroom.urls`` does not serve MEDIA_URL;
the browser must still load the photos it uploads.
"""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from newsroom.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    re_path(
        rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$",
        serve,
        {"document_root": settings.MEDIA_ROOT},
    ),
    *site_urlpatterns,
]
