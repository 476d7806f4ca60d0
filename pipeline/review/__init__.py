"""The reviewers' workflow: a local web app over a KB directory, and its corrections log.

- :mod:`pipeline.review.store` reads the KB (never writes it) and is the only
  code that touches ``KB_DIR/corrections.jsonl`` (append-only, locked, fsynced).
- :mod:`pipeline.review.app` assembles the FastAPI app; :mod:`pipeline.review.routes`
  serves the JSON API; ``static/`` holds the page, its script and style.
- :mod:`pipeline.curate` applies the corrections (curated KB, exports, imports,
  agreement).
"""
