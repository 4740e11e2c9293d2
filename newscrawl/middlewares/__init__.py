"""Downloader middlewares that keep a crawl safe, polite and bounded (see settings.py)."""
