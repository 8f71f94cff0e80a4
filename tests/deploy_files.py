"""The deployment files read the way Docker Compose reads them: docker-compose.yml
with its `${VAR}` interpolation, .env.example, the Dockerfile. Shared by
tests/test_deploy.py and the `check --deploy` test (there is no Docker engine
on the machines the tests run on).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENV_LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def env_example(*, commented: bool = False) -> dict[str, str]:
    """The variables .env.example sets; with `commented`, also the optional ones
    it shows commented out (`# NAME=value`)."""
    variables = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = _ENV_LINE.match(line.strip())
        if match is None or (match.group(1) and not commented):
            continue
        value = match.group(3).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        variables[match.group(2)] = value
    return variables


def referenced_variables(text: str) -> set[str]:
    """Every `$VAR` and `${VAR…}` of a compose file (`$$` is a literal dollar)."""
    return set(re.findall(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)", text.replace("$$", "")))


class MissingVariable(Exception):
    """`${VAR:?message}` with VAR unset or empty: compose refuses to start."""


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation: ${VAR}, $VAR, ${VAR:-default}, ${VAR-default},
    ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}, nested, and $$."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("${", i):
            end = _closing_brace(text, i + 2)
            out.append(_expand(text[i + 2 : end], env))
            i = end + 1
        elif text[i] == "$" and (match := _NAME.match(text, i + 1)):
            out.append(env.get(match.group(), ""))
            i = match.end()
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _closing_brace(text: str, start: int) -> int:
    depth, j = 1, start
    while j < len(text):
        if text.startswith("${", j):
            depth += 1
            j += 2
            continue
        if text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    raise ValueError(f"unclosed ${{ in {text!r}")


def _expand(expression: str, env: dict[str, str]) -> str:
    match = _NAME.match(expression)
    if match is None:
        raise ValueError(f"bad variable in ${{{expression}}}")
    name, rest = match.group(), expression[match.end() :]
    value = env.get(name)
    if not rest:
        return value or ""
    for operator in (":-", ":?", ":+", "-", "?", "+"):
        if rest.startswith(operator):
            argument = rest[len(operator) :]
            present = bool(value) if operator.startswith(":") else value is not None
            if operator.endswith("-"):
                return value if present else interpolate(argument, env)
            if operator.endswith("?"):
                if not present:
                    raise MissingVariable(f"{name}: {interpolate(argument, env)}")
                return value
            return interpolate(argument, env) if present else ""
    raise ValueError(f"unsupported expression ${{{expression}}}")


def resolved_compose(env: dict[str, str]) -> dict:
    """The compose file as `docker compose config` would print it for this .env."""
    return yaml.safe_load(interpolate(COMPOSE.read_text(), env))


def settings_variables() -> set[str]:
    """The environment variables config/settings.py reads."""
    text = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r"""(?:env_[a-z]+|os\.environ\.get)\(\s*["']([A-Z][A-Z0-9_]*)["']""", text))


def gunicorn_variables() -> set[str]:
    text = (ROOT / "config" / "gunicorn.py").read_text()
    return set(re.findall(r"""os\.environ\.get\(\s*["']([A-Z][A-Z0-9_]*)["']""", text))


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        current += " " + line.rstrip("\\").strip() if current else line.rstrip("\\").strip()
        if not line.endswith("\\"):
            lines.append(current)
            current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def dockerfile_cmd() -> list[str]:
    return json.loads(next(args for instruction, args in dockerfile_instructions() if instruction == "CMD"))


def dockerfile_env() -> dict[str, str]:
    env = {}
    for instruction, args in dockerfile_instructions():
        if instruction == "ENV":
            env.update(dict(pair.split("=", 1) for pair in args.split()))
    return env
