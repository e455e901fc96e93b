"""Our exceptions and the one place they become process exit codes."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    OTHER_ERROR = 1
    BAD_ARGS = 2
    EMPTY_INPUT = 3
    CORRUPT_INPUT = 4
    ENCRYPTED_INPUT = 5
    UNSUPPORTED_INPUT = 6
    INVALID_IMAGE = 7
    INPUT_TOO_LARGE = 8
    SPEC_ERROR = 9
    OCR_ERROR = 10
    NOT_FOUND = 11
    UNKNOWN_TYPE = 12


class MedxtractError(Exception):
    """Base of every error we raise on purpose; `str()` is a one-line, user-facing message."""

    exit_code: ExitCode = ExitCode.OTHER_ERROR
    http_status: int = 500
    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(MedxtractError):
    """The input document itself is unusable; the client must fix it."""

    http_status = 422
    code = "bad_input"


class EmptyInputError(InputError):
    exit_code = ExitCode.EMPTY_INPUT
    http_status = 400
    code = "empty_input"


class CorruptInputError(InputError):
    exit_code = ExitCode.CORRUPT_INPUT
    http_status = 422
    code = "corrupt_input"


class EncryptedInputError(InputError):
    exit_code = ExitCode.ENCRYPTED_INPUT
    http_status = 422
    code = "encrypted_input"


class UnsupportedInputError(InputError):
    exit_code = ExitCode.UNSUPPORTED_INPUT
    http_status = 415
    code = "unsupported_input"


class InvalidImageError(InputError):
    exit_code = ExitCode.INVALID_IMAGE
    http_status = 422
    code = "invalid_image"


class InputTooLargeError(InputError):
    """Too many bytes, pages or pixels (a decompression bomb lands here, before rendering)."""

    exit_code = ExitCode.INPUT_TOO_LARGE
    http_status = 413
    code = "input_too_large"


class ResourceLimitError(InputError):
    """The document needed more memory or time than one extraction may use."""

    exit_code = ExitCode.INPUT_TOO_LARGE
    http_status = 422
    code = "resource_limit"


class InputNotFoundError(InputError):
    exit_code = ExitCode.NOT_FOUND
    http_status = 404
    code = "not_found"


class SpecError(MedxtractError):
    exit_code = ExitCode.SPEC_ERROR
    http_status = 500
    code = "spec_error"


class UnknownDocumentTypeError(MedxtractError):
    exit_code = ExitCode.UNKNOWN_TYPE
    http_status = 422
    code = "unknown_document_type"


class OcrEngineError(MedxtractError):
    exit_code = ExitCode.OCR_ERROR
    http_status = 500
    code = "ocr_error"


class OcrTimeoutError(OcrEngineError):
    """One OCR call ran past MEDXTRACT_OCR_TIMEOUT_S; its page is reported, the rest go on."""

    http_status = 504
    code = "ocr_timeout"


def exit_code_for(exc: BaseException) -> ExitCode:
    """Translate any exception to the process exit code (the only place this happens)."""
    if isinstance(exc, MedxtractError):
        return exc.exit_code
    return ExitCode.OTHER_ERROR
