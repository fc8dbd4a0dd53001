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
