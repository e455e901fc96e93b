"""One settings module: flat `MEDXTRACT_*` names read into three sections, secrets kept
secret, every setting documented, and no side effects on import."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from medxtract.config import EngineSettings, ServiceSettings, Settings, UISettings, get_settings
from medxtract.pipeline import engine_settings

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = {"engine": EngineSettings, "service": ServiceSettings, "ui": UISettings}


def test_flat_names_fill_their_sections(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    monkeypatch.setenv("MEDXTRACT_DPI", "300")
    monkeypatch.setenv("MEDXTRACT_DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("MEDXTRACT_API_URL", "http://svc:9000")
    monkeypatch.setenv("MEDXTRACT_API_KEYS", " k1, k2 ,,")
    monkeypatch.setenv("MEDXTRACT_CALLBACK_ALLOW_HOSTS", "hooks.internal,10.1.0.0/16")
    (tmp_path / ".env").write_text("MEDXTRACT_CONSUME_DIR=/srv/scans\n")
    s = Settings()
    assert s.engine.dpi == 300 and s.service.database_url == "sqlite:///x.db"
    assert s.ui.api_url == "http://svc:9000"
    assert s.service.api_key_values() == ["k1", "k2"]  # parsed once, here
    assert s.service.callback_allow_hosts == ["hooks.internal", "10.1.0.0/16"]
    assert s.service.consume_dir == Path("/srv/scans")


def test_secrets_never_show(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEDXTRACT_API_KEYS", "key-one-secret")
    monkeypatch.setenv("MEDXTRACT_WEBHOOK_SECRET", "hook-secret")
    monkeypatch.setenv("MEDXTRACT_API_KEY", "ui-secret")
    s = Settings()
    shown = " ".join([repr(s), str(s), s.model_dump_json()])
    for secret in ("key-one-secret", "hook-secret", "ui-secret"):
        assert secret not in shown
    assert s.service.webhook_secret.get_secret_value() == "hook-secret"
    assert s.ui.api_key.get_secret_value() == "ui-secret"


def test_get_settings_is_cached_and_settings_are_frozen() -> None:
    assert get_settings() is get_settings()
    with pytest.raises(ValueError):
        get_settings().engine.dpi = 1  # type: ignore[misc]


def test_with_values_routes_and_validates() -> None:
    base = Settings(engine=EngineSettings(_env_file=None), service=ServiceSettings(_env_file=None),
                    ui=UISettings(_env_file=None))
    s = base.with_values(max_pixels=1000, api_keys="a,b", api_url="http://x")
    assert s.engine.max_pixels == 1000 and s.ui.api_url == "http://x"
    assert all(isinstance(k, SecretStr) for k in s.service.api_keys)
    assert s.service.api_key_values() == ["a", "b"]
    assert base.engine.max_pixels != 1000  # a copy
    with pytest.raises(TypeError, match="no setting named"):
        base.with_values(max_pixel=1)
    with pytest.raises(ValueError):
        base.with_values(ocr_engine="nope")


def test_names_are_unique_across_sections() -> None:
    # One env var per setting: a name in two sections would be read twice.
    names = [n for model in SECTIONS.values() for n in model.model_fields]
    assert len(names) == len(set(names))


def test_the_engine_takes_its_section_from_either() -> None:
    s = Settings(engine=EngineSettings(_env_file=None, dpi=123))
    assert engine_settings(s).dpi == 123
    assert engine_settings(s.engine) is s.engine
    assert engine_settings(None) is get_settings().engine


@pytest.mark.parametrize(("section", "doc"), [
    ("engine", "README.md"), ("service", "docs/service.md"), ("ui", "docs/ui.md"),
])
def test_every_setting_is_documented(section: str, doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    documented = set(re.findall(r"`(?:MEDXTRACT_)?([A-Z][A-Z0-9_]+)`", text))
    missing = [n for n in SECTIONS[section].model_fields if n.upper() not in documented]
    assert not missing, f"{doc} lacks {missing}"


def test_importing_sets_nothing(tmp_path) -> None:
    code = (
        "import os; before = dict(os.environ)\n"
        "import medxtract, medxtract.config, medxtract.pipeline, medxtract.batch\n"
        "import medxtract.cli.app, medxtract.service.api.app, medxtract.consume\n"
        "medxtract.config.get_settings()\n"
        "changed = {k for k in {*os.environ, *before} if os.environ.get(k) != before.get(k)}\n"
        "assert changed <= {'LD_LIBRARY_PATH'}, changed\n"  # set by OpenCV's own loader
    )
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, timeout=120)
    assert list(tmp_path.iterdir()) == []  # no folder, database or file made


def test_a_bad_value_is_one_line_not_a_traceback(tmp_path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDXTRACT_")}
    for name, cmd in (("MEDXTRACT_DPI", "extract"), ("MEDXTRACT_LOCAL_WORKERS", "serve")):
        proc = subprocess.run(
            [sys.executable, "-m", "medxtract.cli", cmd, *(["x.pdf"] if cmd == "extract" else [])],
            env={**env, name: "many"}, cwd=tmp_path, capture_output=True, timeout=120,
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.decode().startswith(f"error: {name}: Input should be a valid integer")
        assert b"Traceback" not in proc.stderr and b"many" not in proc.stderr
