"""Checks: the findings catalog and running it on a form (pure: no Excel, no files)."""
from .catalog import CATALOG, CheckRule, iter_catalog, render_markdown, run_checks

__all__ = ["CATALOG", "CheckRule", "iter_catalog", "render_markdown", "run_checks"]
