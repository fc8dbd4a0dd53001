"""therapy-faq: an offline FAQ chatbot about therapy, with cited answers."""

import os as _os

# Promise of the tool: nothing leaves the machine. Set before any Hugging Face library is imported.
_os.environ["HF_HUB_OFFLINE"] = "1"
_os.environ["TRANSFORMERS_OFFLINE"] = "1"
_os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# onnxruntime 1.29+ writes a device id and an event database under ~/.cache/Microsoft on Linux;
# ORT_DISABLE_TELEMETRY is the switch its binary reads (ORT_TELEMETRY_DISABLED, newer ones).
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"
_os.environ["ORT_TELEMETRY_DISABLED"] = "1"
_os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Third-party pydantic plugins see every validated value (an FAQ, a question in an evaluation
# set): none is loaded, which also spares scanning every installed package at each start.
_os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

__version__ = "0.1.0"

# The front door for code that uses the tool as a library:
#     from therapy_faq import Paths, open_assistant
#     reply = open_assistant(Paths(faq=..., index=...)).reply("is it ok to cry in therapy")
# Imported on first use, so that `import therapy_faq` (and the CLI's --version) stays light.
_FRONT_DOOR = {
    "open_assistant": "therapy_faq.service",
    "Paths": "therapy_faq.service",
    "LiveAssistant": "therapy_faq.service",
    "Assistant": "therapy_faq.assistant",
    "Reply": "therapy_faq.assistant",
}
__all__ = ["__version__", *_FRONT_DOOR]


def __getattr__(name: str) -> object:
    module = _FRONT_DOOR.get(name)
    if module is None:
        raise AttributeError(f"module 'therapy_faq' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)
