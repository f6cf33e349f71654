"""The private storage of applicants' documents.

Files live under `settings.KARGAH_PRIVATE_MEDIA_ROOT`, a folder no web server serves, under
random names (a UUID, with the extension of the checked type), and have no URL at all:
`url()` raises. The only way to a file is `kargah.documents.views.download`, which checks
who is asking."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


class PrivateStorage(FileSystemStorage):
    def __init__(self) -> None:
        super().__init__(location=None, base_url=None)

    @cached_property
    def base_location(self) -> Any:
        return settings.KARGAH_PRIVATE_MEDIA_ROOT

    @cached_property
    def base_url(self) -> Any:
        return None  # never MEDIA_URL: these files have no public address

    def url(self, name: str | None) -> str:
        raise ValueError("private documents have no URL; use the download view")

    def _clear_cached_properties(self, setting: str, **kwargs: Any) -> None:
        super()._clear_cached_properties(cast(Any, setting), **kwargs)
        if setting == "KARGAH_PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    """The storage of document files (a callable, so migrations name it, not its folder)."""
    return _storage


EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def random_name(content_type: str) -> str:
    """documents/<uuid>.<ext>: nothing in the name says whose file it is."""
    return f"documents/{uuid.uuid4().hex}{EXTENSIONS.get(content_type, '')}"
