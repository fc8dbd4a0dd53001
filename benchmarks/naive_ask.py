#!/usr/bin/env python3
"""The naive one-shot path, as a baseline: import sentence-transformers, load the model,
encode the question, search the FAISS index of the same index folder, print the answer id."""

import json
import os
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import faiss
import numpy as np
from sentence_transformers import SentenceTransformer

from therapy_faq.encoder import model_dir

index_dir, question = sys.argv[1], sys.argv[2]
model = SentenceTransformer(str(model_dir()), device="cpu")
vector = model.encode([question], normalize_embeddings=True).astype(np.float32)
index = faiss.read_index(os.path.join(index_dir, "index.faiss"))
_, rows = index.search(vector, 1)
row_entries = np.load(os.path.join(index_dir, "row_entries.npy"))
with open(os.path.join(index_dir, "faq.json"), encoding="utf-8") as handle:
    entry_ids = [entry["id"] for entry in json.load(handle)["entries"]]
print(json.dumps({"query": question, "answer": entry_ids[int(row_entries[rows[0][0]])]}))
