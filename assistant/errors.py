"""Errors the package raises; the edges (API, CLI) translate them for users."""


class AssistantError(Exception):
    """Base class for every error the assistant raises on purpose."""


class CorpusError(AssistantError):
    """The corpus is missing or holds no usable document."""


class IndexMissing(AssistantError):
    """No index has been built in the index directory."""


class IndexCorrupt(AssistantError):
    """The index files are unreadable or inconsistent with their manifest."""


class IndexStale(AssistantError):
    """The index was built from another corpus, model or chunker setting."""


class ModelError(AssistantError):
    """The embedding model cannot be prepared or loaded."""


class InvalidQuestion(AssistantError):
    """The question or its history is not acceptable input."""
