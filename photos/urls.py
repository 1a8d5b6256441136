"""CKEditor's upload and browser, staff-only, images checked like the photo library.

No namespace: CKEditor's own templates reverse ``ckeditor_upload`` and ``ckeditor_browse``.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("ckeditor/upload/", views.upload, name="ckeditor_upload"),
    path("ckeditor/browse/", views.browse, name="ckeditor_browse"),
]
