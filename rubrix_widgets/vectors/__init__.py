"""Vectors on records: storage, checks, nearest-neighbour search, and making them.

``columns``: the stored ``vectors`` column (build, check, read). ``ann_index``: the
approximate nearest-neighbour index per vector name (faiss), derived data like the
tantivy index. ``search``: the records most (or least) similar to a vector, exact
where the candidates are few. ``write``: adding vectors to stored records
(``rb.add_vectors``). ``embedder``: the built-in sentence embedder (optional extra).
The data layer: nothing here imports the widgets.
"""
