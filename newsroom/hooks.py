"""How infrastructure reaches the domain: a setting names a function (taggit's ``get_func``).

``newsroom`` imports no app above it; where it needs an answer only the domain has (when
does a page next change by itself, who must use two-factor authentication), a setting
holds the dotted path of the function that answers, read here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


def get_func(key: str, default: Callable[..., Any]) -> Callable[..., Any]:
    """Return the function ``settings.<key>`` names (a dotted path), or ``default``."""
    path = getattr(settings, key, None)
    return import_string(path) if path else default
