"""Crawl machinery that knows no outlet: middlewares, pipelines, stores, exporters, extensions, rendering."""
