"""The benchmark (make bench): fill a large newsroom, serve it with gunicorn, load it with wrk.

- ``fill``: the data generator behind ``manage.py bench_data``.
- ``run``: the runner (``python -m bench.run``), which prints the table and writes JSON.
- ``probe``: in-process measurements (queries per request, sizes) and the URL lists.
- ``views``/``urls``: the floor views, mounted only under ``newsroom.settings.bench``.
"""
