"""Uploaded files and rendered page images on disk, under `storage_dir`.

Uploads are named by document id (never by the client's file name, which may hold a
patient's name) and deleted once extracted unless `retain_uploads` is set.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
}


class Storage:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    def upload_path(self, document_id: str, media_type: str) -> Path:
        return self.uploads / f"{document_id}{EXTENSIONS.get(media_type, '.bin')}"

    def save_upload(self, document_id: str, media_type: str, data: bytes) -> Path:
        path = self.upload_path(document_id, media_type)
        _atomic_write(path, data)
        return path

    def delete_upload(self, path: str | Path | None) -> None:
        if path:
            Path(path).unlink(missing_ok=True)

    def pages_dir(self, document_id: str) -> Path:
        return self.root / "pages" / document_id

    def page_path(self, document_id: str, page: int) -> Path:
        return self.pages_dir(document_id) / f"{page}.png"

    def save_page(self, document_id: str, page: int, png: bytes) -> None:
        _atomic_write(self.page_path(document_id, page), png)

    def delete_pages(self, document_id: str) -> None:
        shutil.rmtree(self.pages_dir(document_id), ignore_errors=True)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
