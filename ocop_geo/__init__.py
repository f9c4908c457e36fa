"""ocop_geo: tourism routes linking visitors to OCOP producers in Ho Chi Minh City."""

from __future__ import annotations

__version__ = "0.1.0"
