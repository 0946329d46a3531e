from pathlib import Path

from assistant.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme() -> None:
    for name in Settings.model_fields:
        assert f"`ASSISTANT_{name.upper()}`" in README, name


def test_settings_read_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", "/srv/korpus")
    settings = Settings()
    assert settings.top_k == 7 and settings.corpus_dir == Path("/srv/korpus")
