#!/usr/bin/env python3
"""list_embedded.py — print, one per line, the files compiled into `laurel`:
templates/*.html, static/*, i18n/*.json, src/store/migrations/*.sql, the
demo's data, src/demo/*.txt, the PostgreSQL schema, src/store/pg/*.sql, and
its migrations, src/store/pg/migrations/*.sql, relative to the project root
(the folder above this script)."""
import glob
import os

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
patterns = ["templates/*.html", "static/*", "i18n/*.json", "src/store/migrations/*.sql",
            "src/demo/*.txt", "src/store/pg/*.sql", "src/store/pg/migrations/*.sql"]
for pattern in patterns:
    for path in sorted(glob.glob(os.path.join(root, pattern))):
        if os.path.isfile(path):
            print(os.path.relpath(path, root))
