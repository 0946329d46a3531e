"""Per-municipality widget settings, read from one TOML file."""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import AssistantError

log = logging.getLogger(__name__)

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
_ID = re.compile(r"^[a-z0-9-]{1,40}$")
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s<>\"]*)?$")


@dataclass(frozen=True)
class Municipality:
    """What the widget shows for one municipality, and which sites may embed it."""

    id: str
    name: str
    accent: str
    greeting: str
    suggestions: list[str]
    origins: list[str] = field(default_factory=list)
    contact: str | None = None  # where a resident goes when the sources have no answer


class Municipalities:
    """The settings file, with the `[default]` section filling what a section leaves out.

    Example:
        >>> towns = Municipalities.load(Path("municipalities.toml"))
        >>> towns.get("huddinge").name
        'Huddinge kommun'
    """

    def __init__(self, default: Municipality, sections: dict[str, Municipality]) -> None:
        self.default = default
        self.sections = sections

    @classmethod
    def load(cls, path: Path) -> Municipalities:
        """Read and check the file.

        Raises:
            AssistantError: The file is unreadable, or a value is malformed (named).
        """
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            msg = f"Kommuninställningarna i {path} går inte att läsa: {exc}"
            raise AssistantError(msg) from exc
        base = raw.get("default", {})
        default = _section("default", base, {}, path)
        sections = {
            key: _section(key, value, base, path) for key, value in raw.items() if key != "default"
        }
        return cls(default, sections)

    def get(self, municipality_id: str | None) -> tuple[Municipality, bool]:
        """The settings for an id, and whether it was known (else the neutral default)."""
        found = self.sections.get((municipality_id or "").lower())
        return (found, True) if found else (self.default, False)

    def origins(self) -> list[str]:
        """Every origin allowed to embed the widget."""
        every = [*self.default.origins, *(o for m in self.sections.values() for o in m.origins)]
        return sorted(set(every))


def _section(key: str, value: object, base: dict, path: Path) -> Municipality:
    where = f"{path} [{key}]"
    if not isinstance(value, dict) or not _ID.match(key):
        raise AssistantError(f"{where}: en sektion behöver ett id av a–z, 0–9 och bindestreck.")
    merged = {**base, **value}
    accent = str(merged.get("accent", "#1d4f73"))
    if not _COLOUR.match(accent):
        raise AssistantError(f"{where}: accent måste vara en färg som #1d4f73.")
    origins = [str(o).rstrip("/") for o in value.get("origins", [])]
    bad = [o for o in origins if not _ORIGIN.match(o)]
    if bad:
        raise AssistantError(
            f"{where}: ogiltiga origins {bad} (skriv t.ex. https://www.huddinge.se)."
        )
    contact = merged.get("contact")
    if contact is not None and not (isinstance(contact, str) and _URL.match(contact)):
        raise AssistantError(
            f"{where}: contact måste vara en webbadress (t.ex. https://www.huddinge.se/)."
        )
    suggestions = [str(s) for s in merged.get("suggestions", [])][:4]
    return Municipality(
        id=key,
        name=str(merged.get("name", key)),
        accent=accent,
        greeting=str(merged.get("greeting", "")),
        suggestions=suggestions,
        origins=origins,
        contact=contact,
    )
