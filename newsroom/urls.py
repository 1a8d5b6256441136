from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

admin.site.site_header = f"{settings.NEWSROOM_NAME} — editing"
admin.site.site_title = settings.NEWSROOM_NAME
admin.site.index_title = "Newsroom"

urlpatterns = [
    # The photo library had its admin under the articles app: old bookmarks still work.
    re_path(
        r"^admin/articles/photo/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/photos/photo/%(rest)s", permanent=True, query_string=True),
    ),
    path("admin/", admin.site.urls),
    # CKEditor's upload and browser, staff-only, images checked like the photo library.
    path("", include("photos.urls")),
    path(
        "favicon.ico",
        RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg", permanent=True),
    ),
    path("newsletter/", include("newsletter.urls")),
    path("", include("comments.urls")),
    path("", include("public.urls")),
]

# A database outage answers 503 with Retry-After, any other error 500 (both DB-free).
handler500 = "newsroom.errors.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
