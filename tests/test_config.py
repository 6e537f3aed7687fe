"""Site config loading: a bad config names the file, the key and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import BUILTIN_SITES_DIR, ConfigError, load_site_file, load_sites
from tests.conftest import run_rasd


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_generic_config_works(tmp_path: Path) -> None:
    site = load_site_file(write(tmp_path, "minimal", 'name = "minimal"\nfeeds = ["https://example.com/rss"]\n'))
    assert site.name == "minimal"
    assert site.allowed_domains == ("example.com",)
    assert site.schedule_seconds() == 3600
    # Generic mode: no article_urls, so article links are guessed from the URL's shape.
    assert site.is_article_url("https://example.com/news/2023/09/12/123456")
    assert site.is_article_url("https://example.com/world/kim-putin-meeting-raises-fears")
    assert not site.is_article_url("https://example.com/about")
    assert site.owns("https://www.example.com/x") and not site.owns("https://evil.com/example.com")


def test_full_config(tmp_path: Path) -> None:
    site = load_site_file(write(tmp_path, "watan", r"""
name = "watan"
title = "وطن نيوز"
start_urls = ["https://www.watan.example/"]
sitemaps = ["https://www.watan.example/sitemap.xml"]
article_urls = ['/news/\d+']
follow = ['/page/\d+']
schedule = "*/15 * * * *"
timezone = "Africa/Cairo"
[selectors]
title = "h1.headline"
published = "//div[@class='date']/text()"
"""))
    assert site.schedule_seconds() is None
    assert site.is_article_url("https://www.watan.example/news/42/x")
    assert not site.is_article_url("https://www.watan.example/page/2")
    assert site.is_follow_url("https://www.watan.example/page/2")
    assert site.selectors["title"] == ("h1.headline",)
    assert str(site.tz) == "Africa/Cairo"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ('feeds = ["https://a.example/rss"]', "name", "required"),
        ('name = "other"\nfeeds = ["https://a.example/rss"]', "name", "must equal the file name"),
        ('name = "bad"', "start_urls", "at least one of"),
        ('name = "bad"\nfeeds = ["ftp://a.example/rss"]', "feeds", "not an absolute http(s) URL"),
        ('name = "bad"\nfeeds = "https://a.example/rss"\narticle_urls = ["(unclosed"]', "article_urls",
         "invalid regular expression"),
        ('name = "bad"\nfeeds = ["https://a.example/rss"]\nschedule = "every day"', "schedule", "neither"),
        ('name = "bad"\nfeeds = ["https://a.example/rss"]\nschedule = "0 99 * * *"', "schedule", "invalid cron"),
        ('name = "bad"\nfeeds = ["https://a.example/rss"]\nschedule = "0m"', "schedule", "greater than zero"),
        ('name = "bad"\nfeeds = ["https://a.example/rss"]\ntimezone = "Mars/Olympus"', "timezone", "unknown time zone"),
        ('name = "bad"\nfeeds = ["https://a.example/rss"]\nrender = "yes"', "render", "true or false"),
        ('name = "bad"\nfeeds = ["https://a.example/rss"]\nstart_url = ["https://a.example/"]', "start_url",
         "unknown key"),
        ('name = "bad"\nfeeds = ["https://a.example/rss"]\n[selectors]\nheadline = "h1"', "selectors.headline",
         "unknown field"),
        ('name = "bad"\nfeeds = ["https://a.example/rss"]\n[selectors]\ntitle = "h1[["', "selectors.title",
         "invalid selector"),
        ('name = "bad"\nfeeds = ["https://a.example/rss"]\nread_also_depth = -1', "read_also_depth", ">= 0"),
    ],
)
def test_bad_config_names_file_key_and_reason(tmp_path: Path, text: str, key: str, reason: str) -> None:
    path = write(tmp_path, "bad", text)
    with pytest.raises(ConfigError) as err:
        load_site_file(path)
    assert err.value.key == key
    assert str(path) in str(err.value)
    assert f"key '{key}'" in str(err.value)
    assert reason in str(err.value)


def test_invalid_toml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken", 'name = "broken"\nfeeds = ["https://a.example/rss"]\nrender = maybe\n')
    with pytest.raises(ConfigError, match=r"broken\.toml: not valid TOML.*line 3"):
        load_site_file(path)


def test_user_folder_overrides_builtin_site_of_same_name(tmp_path: Path) -> None:
    builtin = sorted(BUILTIN_SITES_DIR.glob("*.toml"))
    if not builtin:
        pytest.skip("no built-in sites shipped yet")
    name = builtin[0].stem
    write(tmp_path, name, f'name = "{name}"\nfeeds = ["https://mirror.example/rss"]\n')
    sites = load_sites([BUILTIN_SITES_DIR, tmp_path])
    assert sites[name].feeds == ("https://mirror.example/rss",)


def test_cli_exits_2_with_file_key_reason_on_bad_config(tmp_path: Path) -> None:
    folder = tmp_path / "sites"
    folder.mkdir()
    path = write(folder, "bad", 'name = "bad"\nfeeds = ["https://a.example/rss"]\ntimezone = "Nowhere/City"\n')
    proc = run_rasd("crawl", "bad", env={"RASD_SITES": str(folder), "RASD_DB": str(tmp_path / "db")})
    assert proc.returncode == 2
    assert str(path) in proc.stderr and "key 'timezone'" in proc.stderr and "unknown time zone" in proc.stderr
    # Nothing was crawled or created: the error comes before the database is touched.
    assert not (tmp_path / "db").exists()
