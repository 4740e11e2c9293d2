"""Which local file a feed URI names: the one rule every component uses."""

from __future__ import annotations

from urllib.parse import urlparse

from w3lib.url import file_uri_to_path


def local_path(uri: str) -> str | None:
    """The file a local feed URI names; None for remote storages (s3://, ftp://...)."""
    scheme = urlparse(uri).scheme
    if scheme == "file":
        return file_uri_to_path(uri)
    if scheme == "" or len(scheme) == 1:  # a plain path, or a Windows drive letter
        return uri
    return None
