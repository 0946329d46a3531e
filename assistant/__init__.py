"""Södertörnsassistenten: Swedish answers about Södertörnssamarbetet, with cited passages."""

__version__ = "0.1.0"
