"""The project's errors, one tree, each message saying what went wrong and what to do.

    RagError
    ├── ConfigError        a setting is wrong or a required file/package is missing
    ├── StoreUnavailable   the vector store cannot be reached (API: 503)
    ├── GeneratorError     the language model failed (API: falls back or 503)
    │   └── GeneratorUnavailable  the model cannot be loaded or reached
    ├── NotFound           an unknown document id (API: 404)
    └── BadInput           the user's request cannot be served as given (API: 400/422)

Foreign exceptions are mapped to these at the module that talks to the library
(`raise StoreUnavailable(...) from exc`), so callers only catch our own.
"""

from __future__ import annotations


class RagError(Exception):
    """Base class; `str(err)` is a message fit to show a user."""


class ConfigError(RagError):
    pass


class StoreUnavailable(RagError):
    pass


class GeneratorError(RagError):
    pass


class GeneratorUnavailable(GeneratorError):
    pass


class NotFound(RagError):
    pass


class BadInput(RagError):
    pass


EXIT_CODES: dict[type[RagError], int] = {
    BadInput: 2,
    NotFound: 3,
    ConfigError: 4,
    StoreUnavailable: 5,
    GeneratorError: 6,
}


def exit_code(exc: RagError) -> int:
    """The command-line exit status for an error: 2 bad input, 3 not found, 4 configuration,
    5 store unavailable, 6 model failure, 1 anything else."""
    return next((code for kind, code in EXIT_CODES.items() if isinstance(exc, kind)), 1)
