"""Config layering and validation: a bad file stops start-up naming file, key, reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.errors import ConfigError
from kiosk.paths import config_file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_packaged_files_are_valid() -> None:
    """GIVEN the shipped default, demo and example site files
    WHEN each is loaded over the defaults
    THEN all validate, and the defaults offer the 8 languages and the billers."""
    defaults = load_config()
    assert len(defaults.kiosk.languages) == 8 and defaults.biller("sh-water") is not None
    assert load_config(config_file("demo.toml")).kiosk.id == "SH-CN-DEMO-01"
    site = load_config(config_file("site.example.toml"))
    assert site.printer.url == "serial:///dev/ttyS1?baudrate=38400"
    assert site.kiosk.languages == defaults.kiosk.languages  # untouched keys keep defaults


def test_later_layers_win_and_lists_replace(tmp_path: Path) -> None:
    """GIVEN defaults < pushed config < site file
    WHEN a key is set in several layers
    THEN the site file wins, then pushed, and a list (billers) replaces the lower one."""
    site = write(tmp_path, '[printer]\nprofile = "TM-T20II"\n')
    pushed = {"printer": {"profile": "TM-T88VI", "chars_per_line": 42},
              "billers": [{"id": "sh-gas", "type": "GAS", "name_zh": "上海燃气",
                           "name_en": "Shanghai Gas", "account_pattern": r"\d{8}",
                           "account_example": "20123456"}]}
    config = load_config(site, pushed=pushed)
    assert config.printer.profile == "TM-T20II"
    assert config.printer.chars_per_line == 42
    assert [b.id for b in config.billers] == ["sh-gas"]


@pytest.mark.parametrize(("text", "key", "reason"), [
    ('[printer]\nurl = "tcp://x"\nspeed = 3\n', "printer.speed", "unknown key"),
    ("[kiosk]\nidd = 1\n", "kiosk.idd", "unknown key"),
    ("[nonsense]\na = 1\n", "nonsense", "unknown key"),
    ("[ui]\nidle_timeout_s = 2\n", "ui.idle_timeout_s", "greater than or equal to 10"),
    ('[kiosk]\ntimezone = "Mars/Olympus"\n', "kiosk.timezone", "unknown time zone"),
    ('[kiosk]\ndefault_language = "ar"\n', "kiosk.default_language", "Input should be"),
    (('[[billers]]\nid = "sh-w"\ntype = "WATER"\nname_zh = "水"\nname_en = "W"\n'
      'account_pattern = "\\\\d{8}"\naccount_example = "123"\n'), "billers.0",
     "account_example does not match"),
    ('[qrpay]\nproviders = ["alipay", "paypal"]\n', "qrpay.providers.1", "Input should be"),
    ('[qrpay]\nproviders = ["wechat", "wechat"]\n', "qrpay.providers", "listed twice"),
    ('[qrpay]\nscan = "reader"\n', "-", 'qrpay.scan = "reader" needs a document reader'),
    ('[qrpay]\nscan = "scanner"\n', "-",
     'qrpay.scan = "scanner" needs a payment-code scanner (scanner.url)'),
    ('[qrpay]\nscan = "camera"\n', "qrpay.scan", "Input should be"),
    ('[scanner]\nurl = "/dev/ttyACM0"\nsuffix = "tab"\n', "scanner.suffix", "Input should be"),
])
def test_bad_site_file_names_file_key_and_reason(tmp_path: Path, text: str, key: str,
                                                 reason: str) -> None:
    """GIVEN a site file with an unknown key or a bad value
    WHEN the kiosk starts
    THEN a ConfigError names that file, the key and the reason."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.file == str(path)
    assert caught.value.key == key
    assert reason in caught.value.reason


def test_a_payment_code_scanner_of_its_own(tmp_path: Path) -> None:
    """GIVEN a site file naming a payment-code scanner and qrpay.scan = "scanner"
    WHEN it is loaded
    THEN the scanner's url, speed and suffix are as written and codes are read there; a
    kiosk that names none has no scanner, at 9600 baud with CR when it gets one."""
    config = load_config(write(tmp_path, '[scanner]\nurl = "/dev/serial/by-id/usb-scan"\n'
                                         'baudrate = 115200\nsuffix = "crlf"\n'
                                         '[qrpay]\nscan = "scanner"\n'))
    assert (config.scanner.url, config.scanner.baudrate, config.scanner.suffix,
            config.qrpay.scan) == ("/dev/serial/by-id/usb-scan", 115200, "crlf", "scanner")
    default = load_config()
    assert (default.scanner.url, default.scanner.baudrate, default.scanner.suffix,
            default.qrpay.scan) == ("", 9600, "cr", "none")


def test_broken_toml_and_missing_file_are_named(tmp_path: Path) -> None:
    """GIVEN a file that is not TOML and a path that does not exist
    WHEN they are loaded
    THEN the error names the file and says why."""
    broken = write(tmp_path, "[kiosk\n")
    with pytest.raises(ConfigError, match="not valid TOML") as caught:
        load_config(broken)
    assert caught.value.file == str(broken)
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "absent.toml")


def test_kiosk_command_reports_a_bad_config_and_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a site file with a typo
    WHEN `kiosk config --config FILE` runs
    THEN it exits 2 and prints the file, the key and the reason."""
    from kiosk.cli import main

    path = write(tmp_path, "[payment]\nbaud = 9600\n")
    assert main(["config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: payment.baud: unknown key" in err


def test_unknown_printer_code_page_stops_start_up(tmp_path: Path) -> None:
    """GIVEN a site file naming a code page python-escpos does not know
    WHEN the printer profile is built
    THEN start-up stops naming printer.codepages and the bad name."""
    from kiosk.bootstrap import printer_profile

    config = load_config(write(tmp_path, '[printer]\ncodepages = ["CP1252", "CP9999"]\n'))
    with pytest.raises(ConfigError) as caught:
        printer_profile(config)
    assert caught.value.key == "printer.codepages" and "CP9999" in caught.value.reason
    assert printer_profile(load_config()).codepages == ("CP1252", "CP866")


def test_pushed_keys_a_later_layer_sets_are_overridden(tmp_path: Path) -> None:
    """GIVEN a site file setting kiosk.hotline and printer.url, and command-line
    overrides setting ui.idle_timeout_s
    WHEN a push carrying kiosk.hotline, kiosk.location, ui.idle_timeout_s and printer.profile
    is checked against them
    THEN exactly the keys a later layer also sets are named, sorted as section.key (they
    win over the push, so it has no effect there)."""
    from kiosk.config import overridden_keys

    site = write(tmp_path, '[kiosk]\nhotline = "962288"\n[printer]\nurl = "tcp://10.0.0.5:9100"\n')
    pushed = {"kiosk": {"hotline": "12345", "location": "Hongqiao"},
              "ui": {"idle_timeout_s": 90}, "printer": {"profile": "TM-T20II"}}
    assert overridden_keys(pushed, site, overrides={"ui": {"idle_timeout_s": 60}}) == [
        "kiosk.hotline", "ui.idle_timeout_s"]
    assert overridden_keys(pushed) == []


def test_a_keypad_only_where_the_site_file_names_one(tmp_path: Path) -> None:
    """GIVEN the packaged defaults, then a site file with [keypad] url
    WHEN the configuration loads
    THEN by default there is no keypad (url empty: nothing changes); the site file's url
    and line speed are taken, and a speed out of range is refused by key"""
    assert load_config().keypad.url == ""
    site = tmp_path / "site.toml"
    site.write_text('[keypad]\nurl = "/dev/serial/by-id/usb-keypad"\nbaudrate = 19200\n')
    keypad = load_config(site).keypad
    assert (keypad.url, keypad.baudrate) == ("/dev/serial/by-id/usb-keypad", 19200)
    site.write_text('[keypad]\nurl = "/dev/ttyUSB1"\nbaudrate = 12\n')
    with pytest.raises(ConfigError) as refused:
        load_config(site)
    assert refused.value.key == "keypad.baudrate"
