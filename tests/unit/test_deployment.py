"""The deployment files, checked without Docker or a PaaS (neither runs here).

The Dockerfile is parsed (instructions, stages, the final CMD and USER) and its CMD, the Procfile's
worker and Railway's start command are run by ``/bin/sh`` against a stand-in ``evoladder`` that
records its arguments: each must migrate first, then replace the shell with ``evoladder run``
(so SIGTERM reaches the bot), and none may start the sandbox (DESIGN section 8). ``.env.example``
must list every setting with its real default and no secret.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from evoladder.settings import DEFAULT_SQLITE_URL, Settings, env_name, load_settings

ROOT = Path(__file__).resolve().parents[2]


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    logical, pending = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    out = []
    for line in logical:
        instruction, _, args = line.partition(" ")
        out.append((instruction.upper(), args.strip()))
    return out


def final_stage() -> list[tuple[str, str]]:
    steps = dockerfile()
    starts = [i for i, (ins, _) in enumerate(steps) if ins == "FROM"]
    return steps[starts[-1] :]


def run_with_stand_in(command: list[str], tmp_path: Path) -> list[str]:
    """Run ``command`` with a fake ``evoladder`` first on PATH; its calls, one per line."""
    calls = tmp_path / "calls"
    fake = tmp_path / "bin" / "evoladder"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$* pid=$$" >> {calls}\n')
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:{os.environ['PATH']}"}
    probe = [*command[:-1], command[-1] + f'; echo "shell-continued pid=$$" >> {calls}']
    subprocess.run(probe, env=env, check=True, timeout=30)
    return calls.read_text().splitlines()


def assert_upgrades_then_execs_run(calls: list[str]) -> None:
    assert [c.split(" pid=")[0] for c in calls] == ["db upgrade", "run"], calls
    assert all("sandbox" not in c for c in calls)


def test_dockerfile_builds_on_python_311_slim_and_installs_the_package() -> None:
    steps = dockerfile()
    assert all(args.split()[0] == "python:3.11-slim" for ins, args in steps if ins == "FROM")
    stage = final_stage()
    installs = [args for ins, args in stage if ins == "RUN" and "pip install" in args]
    assert installs and "/wheels/" in installs[0]
    for ins, args in steps:  # what is copied from the build context exists
        if ins == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), source
    assert not any(ins == "ENTRYPOINT" for ins, _ in stage)  # CMD is the whole command


def test_the_image_runs_as_a_non_root_user_with_its_data_volume() -> None:
    stage = final_stage()
    users = [(i, args) for i, (ins, args) in enumerate(stage) if ins == "USER"]
    assert users, "the final stage never leaves root"
    where, user = users[-1]
    assert user not in ("root", "0") and not user.startswith("0:")
    cmd_at = max(i for i, (ins, _) in enumerate(stage) if ins == "CMD")
    assert where < cmd_at
    created = " ".join(args for ins, args in stage if ins == "RUN")
    assert "useradd" in created and user in created
    # The default SQLite URL (./data/...) resolves inside the volume, which the user owns.
    workdir = [args for ins, args in stage if ins == "WORKDIR"][-1]
    relative = DEFAULT_SQLITE_URL.removeprefix("sqlite+aiosqlite:///./").split("/")[0]
    volume = json.loads([args for ins, args in stage if ins == "VOLUME"][-1])
    assert volume == [f"{workdir}/{relative}"]
    assert f"chown {user}:{user} {workdir}/{relative}" in created


def test_the_image_cmd_migrates_then_becomes_evoladder_run(tmp_path: Path) -> None:
    [cmd] = [args for ins, args in final_stage() if ins == "CMD"]
    command = json.loads(cmd)  # exec form: no extra shell around it
    assert command[:2] == ["/bin/sh", "-c"] and "sandbox" not in command[-1]
    calls = run_with_stand_in(command, tmp_path)
    assert_upgrades_then_execs_run(calls)


def test_procfile_worker_migrates_then_runs_the_bot(tmp_path: Path) -> None:
    lines = [line for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()]
    processes = dict(line.split(":", 1) for line in lines)
    assert set(processes) == {"worker"}  # no web process: the bot serves no HTTP
    calls = run_with_stand_in(["/bin/sh", "-c", processes["worker"].strip()], tmp_path)
    assert_upgrades_then_execs_run(calls)


def test_railway_builds_the_dockerfile_and_runs_one_replica(tmp_path: Path) -> None:
    config = json.loads((ROOT / "railway.json").read_text())
    assert config["build"]["builder"] == "DOCKERFILE"
    assert (ROOT / config["build"]["dockerfilePath"]).is_file()
    deploy = config["deploy"]
    assert deploy["numReplicas"] == 1  # one matchmaker, one gateway session
    assert isinstance(deploy["drainingSeconds"], int) and deploy["drainingSeconds"] >= 20
    start = deploy["startCommand"]
    found = re.fullmatch(r'/bin/sh -c "(.*)"', start)
    assert found, start  # Railway runs a Dockerfile service's start command in exec form
    assert_upgrades_then_execs_run(run_with_stand_in(["/bin/sh", "-c", found[1]], tmp_path))


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".env", ".env.*", "data/", ".venv/", ".git/", "*.db"} <= ignored
    assert not any(line.startswith("!") for line in ignored)


def env_example() -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        found = re.fullmatch(r"#? ?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if found:
            assert found[1] not in entries, f"{found[1]} is listed twice"
            entries[found[1]] = found[2]
    return entries


def test_env_example_lists_every_setting_and_no_secret() -> None:
    entries = env_example()
    assert set(entries) == {env_name(f) for f in Settings.model_fields}
    assert entries["DISCORD_TOKEN"] == ""
    lines = (ROOT / ".env.example").read_text().splitlines()
    active = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    assert active == []  # copied as it is, it changes nothing


WITH_DEFAULTS = [f for f, info in Settings.model_fields.items() if info.default is not None]


@pytest.mark.parametrize("field", WITH_DEFAULTS)
def test_env_example_shows_the_real_default(
    field: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    name = env_name(field)
    shown = env_example()[name]
    monkeypatch.chdir(tmp_path)  # no .env around
    for variable in list(os.environ):
        if variable.startswith("EVOLADDER_") or variable in ("DISCORD_TOKEN", "DATABASE_URL"):
            monkeypatch.delenv(variable)
    default = getattr(load_settings(), field)
    monkeypatch.setenv(name, shown)
    assert getattr(load_settings(), field) == default, f"{name}={shown}"
