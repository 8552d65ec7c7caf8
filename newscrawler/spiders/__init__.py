"""Spiders decide which URLs to visit; page parsers in :mod:`newscrawler.parsers` decide what a page says."""
