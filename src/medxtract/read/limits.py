"""Resource limits that hold whatever a file claims about itself.

Two layers:
- pre-decode checks (`check_file_size`, `check_document`): file size from the file system,
  page count, every page's size at the render resolution, every image's declared size, TIFF
  frame count, and a bound on how far a PDF page's content streams inflate — all read from
  headers and dictionaries, nothing is decoded or drawn;
- a per-process memory cap (`cap_memory`) for the worker processes that do decode, so a
  bomb the checks miss ends that worker, not the machine.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import resource
import threading
import warnings
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

from medxtract.config import EngineSettings
from medxtract.errors import (
    CorruptInputError,
    EmptyInputError,
    InputTooLargeError,
    InvalidImageError,
    ResourceLimitError,
)

log = logging.getLogger(__name__)
# pypdf reports every repair it makes as a warning; the checks only need its answer.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# A page's content streams (drawing commands) inflated past this are refused: a dense
# form page is well under 2 MB; pdfium parses every command into memory before drawing.
MAX_CONTENT_BYTES = 16 * 1024 * 1024
# How deep Form XObjects may nest before we stop looking (pdfium itself gives up earlier).
MAX_FORM_DEPTH = 8
# Exit status of a worker the memory watchdog ended (the pool reports it; see `cap_memory`).
MEMORY_EXIT = 75


def check_file_size(path: Path, max_bytes: int) -> None:
    """Refuse a too-large file from its size on disk, before reading a byte of it."""
    size = path.stat().st_size
    if size > max_bytes:
        raise InputTooLargeError(
            f"the file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB"
        )


def check_document(data: bytes, kind: str, settings: EngineSettings) -> None:
    """All pre-decode checks of one input (`kind` from `sniff`)."""
    if not data:
        raise EmptyInputError("the file is empty (0 bytes)")
    if kind == "pdf":
        check_pdf(data, settings)
    else:
        check_image(data, settings)


def check_pixels(w: float, h: float, max_pixels: int, what: str = "a page image") -> None:
    if w * h > max_pixels:
        raise InputTooLargeError(
            f"{what} is {w:.0f}x{h:.0f} = {w * h / 1e6:.0f} Mpx; the limit is "
            f"{max_pixels / 1e6:.0f} Mpx"
        )


def check_image(data: bytes, settings: EngineSettings) -> int:
    """Frame count and every frame's declared size, from the headers. Returns the frames."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))  # lazy: reads the header only
            frames = _frame_count(img, settings.max_pages)
            for i in range(frames):
                if i:
                    img.seek(i)
                w, h = img.size
                if w <= 0 or h <= 0:
                    raise InvalidImageError(f"the image is {w}x{h} pixels: nothing to read")
                check_pixels(w, h, settings.max_pixels, f"page {i + 1}")
    except (Image.DecompressionBombError, UnidentifiedImageError):
        raise InvalidImageError("the image cannot be decoded") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidImageError(f"the image cannot be decoded ({exc})") from None
    return frames


def _frame_count(img: Any, max_pages: int) -> int:
    """Walk a multi-frame image's frame chain only as far as the page limit allows
    (`n_frames` would walk all of it: a TIFF may chain millions of frames)."""
    if not getattr(img, "is_animated", False):  # looks at the second frame only
        return 1
    count = 1
    try:
        while True:
            img.seek(count)
            count += 1
            if count > max_pages:
                raise InputTooLargeError(
                    f"the image has more than {max_pages} pages; the limit is {max_pages}"
                )
    except EOFError:
        pass
    img.seek(0)
    return count


def check_pdf(data: bytes, settings: EngineSettings) -> None:
    """Page count, page sizes, image sizes and content-stream inflation, without drawing.

    Read with pypdf (its own decoders are bounded too). A file pypdf cannot parse is left
    to pdfium, which says precisely what is wrong; the worker's memory cap still holds.
    """
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PyPdfError
    from pypdf.generic import DictionaryObject

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return  # pdfium's open says so, with our encrypted_input code
            root = reader.trailer["/Root"].get_object()
            if not isinstance(root, DictionaryObject):
                log.debug("pre-decode PDF check skipped: no document catalogue")
                return
            pages = _pages(root.get("/Pages"), settings.max_pages)
            scale = settings.dpi / 72
            for number, page in enumerate(pages, start=1):
                _check_page(page, number, scale, settings)
    except (InputTooLargeError, InvalidImageError, CorruptInputError):
        raise
    except LimitReachedError:  # pypdf's own bound on inflating (e.g. an object stream)
        raise InputTooLargeError("the PDF's structure inflates past a safe size") from None
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, RecursionError,
            IndexError, zlib.error, OSError) as exc:
        log.debug("pre-decode PDF check skipped: %s", type(exc).__name__)


def _pages(root: Any, max_pages: int) -> list[Any]:
    """The page tree's leaves, refusing loops and more pages than allowed."""
    out: list[Any] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        ref = stack.pop()
        node = ref.get_object()
        key = id(node) if getattr(ref, "idnum", None) is None else ref.idnum
        if key in seen:
            raise CorruptInputError("the PDF's page tree loops back on itself")
        seen.add(key)
        kids = node.get("/Kids")
        if kids is None or node.get("/Type") == "/Page":
            out.append(node)
            if len(out) > max_pages:
                raise InputTooLargeError(f"the PDF has more than {max_pages} pages")
            continue
        stack.extend(reversed(list(kids.get_object())))
    return out


def _check_page(page: Any, number: int, scale: float, settings: EngineSettings) -> None:
    box = _inherited(page, "/MediaBox")
    if box is not None:
        x0, y0, x1, y1 = (float(v) for v in box)
        check_pixels(abs(x1 - x0) * scale, abs(y1 - y0) * scale, settings.max_pixels,
                     f"page {number} at {settings.dpi} dpi")
    total = 0
    for stream in _streams(page.get("/Contents")):
        total += _inflated_size(stream, MAX_CONTENT_BYTES - total)
        if total > MAX_CONTENT_BYTES:
            raise InputTooLargeError(
                f"page {number}'s drawing commands inflate past "
                f"{MAX_CONTENT_BYTES // (1024 * 1024)} MB"
            )
    _check_xobjects(_inherited(page, "/Resources"), number, settings, 0, set())


def _inherited(page: Any, key: str) -> Any:
    node, hops = page, 0
    while node is not None and hops < 64:
        value = node.get(key)
        if value is not None:
            return value.get_object()
        parent = node.get("/Parent")
        node, hops = (parent.get_object() if parent is not None else None), hops + 1
    return None


def _streams(contents: Any) -> Iterator[Any]:
    if contents is None:
        return
    contents = contents.get_object()
    if isinstance(contents, list):
        for item in contents:
            yield item.get_object()
    else:
        yield contents


def _inflated_size(stream: Any, budget: int) -> int:
    """Bytes a stream inflates to, stopping just past `budget` (a bomb never unfolds)."""
    raw = getattr(stream, "_data", b"") or b""
    filters = stream.get("/Filter")
    names = [str(f) for f in (filters if isinstance(filters, list) else [filters] if filters
                              else [])]
    if not names:
        return len(raw)
    if names[0] not in ("/FlateDecode", "/Fl"):
        return len(raw)  # other filters expand a few times at most
    inflater = zlib.decompressobj()
    size = 0
    chunk = raw
    try:
        while chunk and size <= budget:
            out = inflater.decompress(chunk, 1024 * 1024)
            size += len(out)
            chunk = inflater.unconsumed_tail
    except zlib.error:
        pass  # damaged data: pdfium draws what it can of it
    return size


def _check_xobjects(
    resources: Any, number: int, settings: EngineSettings, depth: int, seen: set
) -> None:
    if resources is None or depth > MAX_FORM_DEPTH:
        return
    xobjects = resources.get_object().get("/XObject")
    if xobjects is None:
        return
    for ref in xobjects.get_object().values():
        key = getattr(ref, "idnum", None)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        obj = ref.get_object()
        subtype = obj.get("/Subtype")
        if subtype == "/Image":
            w, h = int(obj.get("/Width", 0)), int(obj.get("/Height", 0))
            check_pixels(w, h, settings.max_pixels, f"an image on page {number}")
        elif subtype == "/Form":
            if _inflated_size(obj, MAX_CONTENT_BYTES) > MAX_CONTENT_BYTES:
                raise InputTooLargeError(
                    f"a drawing on page {number} inflates past "
                    f"{MAX_CONTENT_BYTES // (1024 * 1024)} MB"
                )
            _check_xobjects(obj.get("/Resources"), number, settings, depth + 1, seen)


# --- the worker processes' memory cap --------------------------------------------------


def cap_memory(max_mb: int, poll_s: float = 0.05) -> None:
    """Cap this process's memory at `max_mb`: RLIMIT_DATA makes a large allocation fail at
    once (Python raises MemoryError, which `memory_error` turns into `resource_limit`), and
    a watchdog on resident memory ends the process with MEMORY_EXIT for what slips past
    (memory mapped by C libraries outside the data limit). Not RLIMIT_AS: the OCR engine
    and thread stacks reserve address space they never touch."""
    if max_mb <= 0:
        return
    limit = max_mb * 1024 * 1024
    # The data limit leaves room for the interpreter and libraries already loaded.
    # What is resident now already counts against the cap.
    room = max(limit - _status_kb("VmRSS") * 1024, 64 * 1024 * 1024)
    data = _status_kb("VmData") * 1024 + room
    resource.setrlimit(resource.RLIMIT_DATA, (data, data))
    threading.Thread(target=_watch_rss, args=(limit, poll_s), daemon=True,
                     name="memory-watchdog").start()


def _watch_rss(limit: int, poll_s: float) -> None:
    stop = threading.Event()
    page = os.sysconf("SC_PAGE_SIZE")
    with open("/proc/self/statm", "rb") as fh:
        while not stop.wait(poll_s):
            fh.seek(0)
            rss = int(fh.read().split()[1]) * page
            if rss > limit:
                log.warning("memory cap of %d MB reached; ending this worker", limit >> 20)
                exit_for_memory()


_exceed_hook: Callable[[], None] | None = None


def exit_for_memory() -> NoReturn:
    """End this worker after the data limit was hit (C libraries may be left half-way);
    the pool reports MEMORY_EXIT as `resource_limit` and starts a fresh worker."""
    hook = _exceed_hook
    if hook is not None:
        with contextlib.suppress(Exception):  # the exit matters more
            hook()
    os._exit(MEMORY_EXIT)


def set_exceed_hook(hook: Callable[[], None] | None) -> None:
    """What the watchdog runs (best effort) before it ends the process."""
    global _exceed_hook
    _exceed_hook = hook


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def memory_error(max_mb: int) -> ResourceLimitError:
    return ResourceLimitError(
        f"the document needed more than the memory limit of {max_mb} MB "
        "(MEDXTRACT_MAX_MEMORY_MB)"
    )


def time_error(seconds: float) -> ResourceLimitError:
    return ResourceLimitError(
        f"the document took longer than the time limit of {seconds:.0f} s "
        "(MEDXTRACT_JOB_TIME_LIMIT_S)"
    )


def worker_died(exitcode: int | None, max_mb: int) -> ResourceLimitError:
    if exitcode == MEMORY_EXIT:
        return memory_error(max_mb)
    return ResourceLimitError(
        f"the extraction process ended abnormally (exit status {exitcode}); most often the "
        f"memory limit of {max_mb} MB (MEDXTRACT_MAX_MEMORY_MB)"
    )
