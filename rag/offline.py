"""The switches that keep third-party libraries off the network, set in one place.

Hugging Face libraries otherwise ask the hub before loading a local path,
Gradio and Chroma send analytics. Each entry point (and each module that loads
such a library) calls `enforce()` before the import; values a user has set
explicitly are left alone.
"""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def enforce() -> None:
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)
