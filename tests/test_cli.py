"""The `headroom-mcp` command line, run as a real subprocess."""

from __future__ import annotations

import subprocess

from conftest import EXAMPLES, headroom_command
from headroom_mcp.pipeline.markers import find_keys


def run(args: list[str], env: dict[str, str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*headroom_command(), *args], input=stdin, env=env, capture_output=True, timeout=120)


def test_compress_example_prints_compressed_text_and_one_summary_line(cli_env):
    done = run(["compress", str(EXAMPLES / "api_results.json")], cli_env)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    keys = find_keys(out)
    assert len(keys) == 1
    summary = done.stderr.decode().strip().splitlines()
    assert len(summary) == 1 and "saved" in summary[0] and keys[0] in summary[0]


def test_retrieve_prints_the_exact_original_and_query_matches(cli_env):
    original = (EXAMPLES / "api_results.json").read_bytes()
    key = find_keys(run(["compress", "-"], cli_env, stdin=original).stdout.decode())[0]
    whole = run(["retrieve", key], cli_env)
    assert whole.returncode == 0 and whole.stdout == original
    matched = run(["retrieve", key, "--query", "req-00421"], cli_env)
    assert matched.returncode == 0 and "req-00421" in matched.stdout.decode()


def test_retrieve_unknown_hash_fails_with_a_message(cli_env):
    done = run(["retrieve", "fedcba9876543210"], cli_env)
    assert done.returncode == 1 and b"fedcba9876543210" in done.stderr


def test_invalid_utf8_passes_through_byte_identical(cli_env, tmp_path):
    data = b'[{"name": "caf\xe9", "note": "\xff\xfe"}]' * 400
    path = tmp_path / "latin1.json"
    path.write_bytes(data)
    done = run(["compress", str(path)], cli_env)
    assert done.returncode == 0 and done.stdout == data
    assert b"not valid UTF-8" in done.stderr


def test_same_input_gives_byte_identical_output_in_separate_processes(cli_env, tmp_path):
    original = (EXAMPLES / "api_results.json").read_bytes()
    first = run(["compress", "-", "--query", "payments"], cli_env, stdin=original)
    other_env = dict(cli_env, HEADROOM_MCP_CACHE_DIR=str(tmp_path / "other-store"), PYTHONHASHSEED="123")
    second = run(["compress", "-", "--query", "payments"], other_env, stdin=original)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout and len(first.stdout) < len(original)


def test_stats_reports_calls_and_savings(cli_env):
    run(["compress", str(EXAMPLES / "api_results.json")], cli_env)
    done = run(["stats"], cli_env)
    assert done.returncode == 0
    report = dict(line.split(":", 1) for line in done.stdout.decode().splitlines())
    assert int(report["calls".rjust(14)]) == 1
    assert int(report["tokens saved".rjust(14)]) > 0


def test_invalid_setting_names_the_key_and_its_source(cli_env, tmp_path):
    bad_env = dict(cli_env, HEADROOM_MCP_TARGET_RATIO="lots")
    done = run(["stats"], bad_env)
    assert done.returncode == 2
    assert b"target_ratio" in done.stderr and b"HEADROOM_MCP_TARGET_RATIO" in done.stderr

    config = tmp_path / "config.toml"
    config.write_text("page_tokens = 3\nfrobnicate = true\n")
    done = run(["--config", str(config), "stats"], cli_env)
    assert done.returncode == 2
    assert b"page_tokens" in done.stderr and b"frobnicate" in done.stderr and str(config).encode() in done.stderr


def test_flags_override_environment_which_overrides_the_file(cli_env, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'cache_dir = "{tmp_path / "from-file"}"\nmin_tokens = 100000\n')
    original = (EXAMPLES / "api_results.json").read_bytes()
    # The file says: never compress under 100k tokens, so the example passes through.
    env_no_dir = {k: v for k, v in cli_env.items() if k != "HEADROOM_MCP_CACHE_DIR"}
    done = run(["--config", str(config), "compress", "-"], env_no_dir, stdin=original)
    assert done.stdout == original
    # The environment beats the file ...
    done = run(["--config", str(config), "compress", "-"], dict(env_no_dir, HEADROOM_MCP_MIN_TOKENS="500"), stdin=original)
    assert done.stdout != original and (tmp_path / "from-file").is_dir()
    # ... and a flag beats both.
    flag_dir = tmp_path / "from-flag"
    run(["--config", str(config), "--cache-dir", str(flag_dir), "compress", "-"],
        dict(cli_env, HEADROOM_MCP_MIN_TOKENS="500"), stdin=original)
    assert flag_dir.is_dir()


def test_version_and_help(cli_env):
    version = run(["--version"], cli_env)
    assert version.returncode == 0 and version.stdout.startswith(b"headroom-mcp ")
    helped = run(["--help"], cli_env)
    for command in (b"serve", b"compress", b"retrieve", b"stats", b"bench"):
        assert command in helped.stdout


def test_compress_help_names_every_kind_and_a_log_compresses_from_stdin(cli_env):
    from headroom_mcp.pipeline import router

    helped = run(["compress", "--help"], cli_env).stdout.decode()
    assert all(kind in " ".join(helped.split()) for kind in router.kinds())
    log = (EXAMPLES / "pytest_run.log").read_bytes()
    done = run(["compress", "-"], cli_env, stdin=log)
    assert done.returncode == 0 and b"log: " in done.stderr
    assert b"3 failed, 2500 passed" in done.stdout and len(done.stdout) < len(log) / 10


def test_compress_reads_the_language_from_the_files_name(cli_env):
    header = "/usr/include/stdio.h"
    done = run(["compress", header], cli_env)
    assert done.returncode == 0, done.stderr
    summary = done.stderr.decode().strip().splitlines()[-1]
    assert summary.startswith("headroom-mcp: code: "), summary
    assert b"extern int printf (" in done.stdout
