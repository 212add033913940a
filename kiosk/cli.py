"""The `kiosk` command: run the kiosk, the demo, diagnostics, reprints, simulators."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any, cast

from kiosk import __version__
from kiosk.errors import ConfigError, KioskError
from kiosk.stdout_pipe import quiet_when_stdout_closes

log = logging.getLogger("kiosk")
SITE_CONFIG = Path("/etc/kiosk/site.toml")
SWITCH_CHECK_S = 5.0  # how often an installed release looks for a moment without a session


def _config_files(args: argparse.Namespace) -> list[Path]:
    if args.config:
        return [Path(p) for p in args.config]
    from_env = os.environ.get("KIOSK_CONFIG")
    if from_env:
        return [Path(p) for p in from_env.split(os.pathsep) if p]
    return [SITE_CONFIG] if SITE_CONFIG.exists() else []


def _config_sources(args: argparse.Namespace) -> list[tuple[Path, str]]:
    """Each file the configuration is read from, with where its name came from."""
    from kiosk.paths import default_config

    if args.config:
        role = "site file (--config)"
    elif os.environ.get("KIOSK_CONFIG"):
        role = "site file ($KIOSK_CONFIG)"
    else:
        role = f"site file (the default, {SITE_CONFIG})"
    return [(Path(str(default_config())), "packaged defaults"),
            *((path, role) for path in _config_files(args))]


def _load(args: argparse.Namespace) -> Any:
    from kiosk.config import load_config

    config = load_config(*_config_files(args))
    setup_logging(args, config)
    return config


def setup_logging(args: argparse.Namespace, config: Any = None) -> logging.Handler:
    """kiosk run logs at the configured level (INFO by default: journald keeps it);
    one-off commands say only what went wrong and print their own results; -v shows
    everything. The format is --log-format, else the configuration's. Called once
    before the configuration is read (so its errors are logged) and again after."""
    from kiosk.domain.clock import DEFAULT_ZONE
    from kiosk.logsetup import LogFormat, configure_logging

    if args.verbose:
        level = "DEBUG"
    elif args.command == "run":
        level = config.logging.level if config is not None else "INFO"
    else:
        level = "WARNING"
    log_format = cast("LogFormat", args.log_format
                      or (config.logging.format if config is not None else "text"))
    zone = config.kiosk.timezone if config is not None else DEFAULT_ZONE
    return configure_logging(level, log_format, zone=zone)


# --- commands ------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    """The kiosk itself: devices and central from config, the UI in a window."""
    from kiosk import bootstrap, bootstrap_agents
    from kiosk.ui import kivy_env

    config = _load(args)
    headless = bool(args.headless)
    if not headless and not kivy_env.has_display():
        print("kiosk run: no display (DISPLAY unset); `kiosk run --headless` runs the kiosk "
              "with its UI offscreen, `kiosk demo --headless` walks through it",
              file=sys.stderr)
        return 2
    config, agent = bootstrap_agents.load_with_pushed(*_config_files(args))
    setup_logging(args, config)  # a pushed [logging] counts too
    scale = args.scale or 0.5
    kivy_env.configure(headless=headless, width=int(config.ui.width * scale),
                       height=int(config.ui.height * scale),
                       fullscreen=config.ui.fullscreen and not headless,
                       rotation=config.ui.rotation,
                       touch=kivy_env.TouchInput(**config.touch.model_dump()))
    runtime = bootstrap.build_runtime(config)
    restart = threading.Event()
    switched = threading.Event()
    updater = None
    try:
        report = runtime.services.recover()
        if report.total:
            log.info("recovered payments: %s", report)
        runtime.services.recover_print_jobs()
        app = bootstrap.build_app(runtime)
        _apply_pushed_config_between_sessions(app, runtime, agent, restart)
        bootstrap.attach_maintenance(app, runtime)
        updater = _switch_software_between_sessions(app, runtime, switched)
        if args.scale is None and not config.ui.fullscreen and not headless:
            kivy_env.fit_window_to_display(config.ui.width, config.ui.height)
        app.run()
    finally:
        if updater is not None:
            updater.close()
        runtime.close()
    if switched.is_set():
        # The software root's current link names another version now (a new one on
        # trial, or the previous one after a failed trial): the service manager starts it.
        log.info("ending so that the service manager starts the current release")
        return 0
    if restart.is_set():
        # A pushed config was applied and passed its health check: start again on it.
        log.info("restarting on the new configuration")
        os.execv(sys.executable, [sys.executable, "-m", "kiosk.cli", *sys.argv[1:]])
    return 0


def _apply_pushed_config_between_sessions(app: Any, runtime: Any, agent: Any,
                                          restart: threading.Event) -> None:
    """The agent applies a pushed bundle only while nobody uses the kiosk; once applied
    (healthy), the app stops at the next moment without a session and restarts on it."""
    from kivy.clock import Clock

    from kiosk import bootstrap, bootstrap_agents

    def idle() -> bool:
        return app.session is None and not app.worker_busy

    def stop_if_idle(_dt: float = 0) -> None:
        if restart.is_set() and idle():
            app.stop()

    def applied(_config: Any) -> None:
        restart.set()
        Clock.schedule_once(stop_if_idle)

    def between_sessions() -> None:
        bootstrap.release_freed_memory()
        stop_if_idle()
        agent.wake()

    app.between_sessions = between_sessions
    bootstrap_agents.attach_config_agent(runtime, agent, session_idle=idle, on_applied=applied)


def _switch_software_between_sessions(app: Any, runtime: Any,
                                      switched: threading.Event) -> Any:
    """With update.root set: the update agent runs; an installed release is switched to
    at a moment without a session (checked every few seconds and at each session's
    end), then the app stops and the process ends, for the service manager to start the
    new version; a version on trial that is not healthy in time switches back and ends
    the same way. Returns the updater (None without update.root)."""
    from kivy.clock import Clock

    from kiosk import bootstrap_agents

    witness = bootstrap_agents.ReadyWitness(app.service_manager)
    app.service_manager = witness

    def stop(_reason: str = "") -> None:
        switched.set()
        Clock.schedule_once(lambda _dt: app.stop())

    updater = bootstrap_agents.build_updater(runtime, witness.ui_up, on_rolled_back=stop)
    if updater is None:
        return None

    def switch_if_idle(_dt: float = 0) -> None:
        if app.session is None and not app.worker_busy and updater.agent.switch_if_ready():
            stop()

    Clock.schedule_interval(switch_if_idle, SWITCH_CHECK_S)
    return updater


def cmd_demo(args: argparse.Namespace) -> int:
    from kiosk.demo import run_demo


    return run_demo(out_dir=Path(args.out), data_dir=Path(args.data), lang=args.lang,
                    headless=args.headless, scale=args.scale, scenario=args.scenario)


def cmd_reprint(args: argparse.Namespace) -> int:
    """Print a paid payment's receipt again (E_PRINT_FAILED_AFTER_PAYMENT)."""
    from hardware.base import PrintOutcome
    from kiosk import bootstrap

    runtime = bootstrap.build_runtime(_load(args), background=False)
    try:
        result = runtime.services.reprint(args.reference)
    except KioskError as exc:
        print(f"kiosk reprint: {exc.code.value}: {exc.message}", file=sys.stderr)
        return 1
    finally:
        runtime.close()
    print(f"reprint of {args.reference}: {result.outcome.value}"
          + (f" ({result.reason})" if result.reason else ""))
    return 0 if result.outcome is PrintOutcome.PRINTED else 1


def cmd_sync(args: argparse.Namespace) -> int:
    """Deliver the outbox to central now and say what happened."""
    from kiosk import bootstrap

    runtime = bootstrap.build_runtime(_load(args), background=False)
    try:
        report = runtime.forwarder.drain_once()
        depth = runtime.store.outbox.depth()
    finally:
        runtime.close()
    print(f"sent {report.sent}, duplicates {report.duplicates}, rejected {report.rejected}, "
          f"failed {report.failed}; {depth} still queued")
    return 0 if report.failed == 0 else 1


def cmd_diag(args: argparse.Namespace) -> int:
    """Devices, local store and central, as a technician needs them. Asks the running
    kiosk when there is one (it holds the serial devices), else opens them itself."""
    from kiosk import bootstrap
    from kiosk.diag_server import ask_running_kiosk
    from kiosk.diagnostics import collect, render_text

    config = _load(args)
    sources = _config_sources(args)
    data_dir = Path(config.kiosk.data_dir)
    if data_dir.exists() and not os.access(data_dir, os.R_OK | os.W_OK | os.X_OK):
        print(f"kiosk diag: {data_dir} is the kiosk's own folder (0700): run this as the "
              "kiosk's user (sudo -u USER kiosk diag) or as root", file=sys.stderr)
        return 2
    store = bootstrap.store_path(config)
    if not store.is_file():
        # Opening it would make an empty store and report on that: say what is wrong.
        print(_no_store_message(args, store, sources), file=sys.stderr)
        return 2
    report = None if args.local else ask_running_kiosk(data_dir, test_print=args.test_print)
    if report is None:
        runtime = bootstrap.build_runtime(config, background=False)
        try:
            report = collect(runtime, test_print=args.test_print)
        finally:
            runtime.close()
    report["config_files"] = [{"path": str(path), "role": role} for path, role in sources]
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else render_text(report))
    return 0 if report["ok"] else 1


def _no_store_message(args: argparse.Namespace, store: Path,
                      sources: list[tuple[Path, str]]) -> str:
    from kiosk.config import setting_source

    origin = setting_source("kiosk.data_dir", *_config_files(args))
    if len(sources) == 1:
        why = ("no site file was loaded, so kiosk.data_dir is the packaged default, "
               "relative to this folder: pass --config FILE or set $KIOSK_CONFIG")
    elif origin == str(sources[0][0]):
        why = ("no site file sets kiosk.data_dir, so it is the packaged default, relative "
               "to this folder: set it in the site file")
    else:
        why = (f"kiosk.data_dir is set in {origin}: the kiosk has not run with this "
               "configuration yet, or the folder is wrong")
    loaded = "\n".join(f"  {path}  ({role})" for path, role in sources)
    return (f"kiosk diag: no store at {store.resolve()}: {why}. Nothing was created.\n"
            f"configuration files read:\n{loaded}")


def cmd_sim(args: argparse.Namespace) -> int:
    if args.device == "printer":
        from hardware.sim.printer import main as printer_main

        return printer_main(args.sim_args)
    if args.device == "payment":
        from hardware.sim.payment import main as payment_main

        return payment_main(args.sim_args)
    if args.device == "reader":
        from hardware.sim.reader import main as reader_main

        return reader_main(args.sim_args)
    if args.device == "keypad":
        from hardware.sim.keypad import main as keypad_main

        return keypad_main(args.sim_args)
    if args.device == "scanner":
        from hardware.sim.scanner import main as scanner_main

        return scanner_main(args.sim_args)
    if args.device == "qrpay":
        from hardware.sim.qrpay import main as qrpay_main

        return qrpay_main(args.sim_args)
    return _sim_control(args.sim_args)


SIM_CONTROL_USAGE = """\
usage: kiosk sim control HOST:PORT faults | set NAME [VALUE] | clear [NAME] | CMD KEY=VALUE...

Talk to a running simulator's control line (its --control address, or "control" in its
ready file); the answer is printed as JSON, exit 1 when it is not ok.

  faults             every fault with what it does, and those switched on
  set NAME [VALUE]   switch a fault on (VALUE: a number, on or off)
  clear [NAME]       switch one fault off, or all of them
  CMD KEY=VALUE...   the simulator's own commands: jobs (printer); card pan=...,
                     ledger, replug (payment); present name=... (reader); scan
                     code=... (scanner); code
                     provider=..., scan, pay, confirm order=..., orders,
                     notifications (qrpay)
"""


def _sim_control(words: list[str]) -> int:
    """`kiosk sim control HOST:PORT set paper_out`: talk to a running simulator."""
    from hardware.sim.control import request_from_words, send

    if words[:1] in (["-h"], ["--help"]):
        print(SIM_CONTROL_USAGE, end="")
        return 0
    if not words:
        print(SIM_CONTROL_USAGE, end="", file=sys.stderr)
        return 2
    try:
        answer = send(words[0], request_from_words(words[1:]))
    except (OSError, ValueError) as exc:
        print(f"kiosk sim control: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(answer, indent=2, ensure_ascii=False))
    return 0 if answer.get("ok") else 1


def cmd_enroll(args: argparse.Namespace) -> int:
    """Spend a one-time token (kiosk-admin enroll) for this kiosk's credential, or
    (--rotate) replace the enrolled credential with a new one now."""
    from kiosk.private_files import private_dir
    from kiosk.sync.enrollment import enroll, rotate

    config = _load(args)
    data_dir = Path(config.kiosk.data_dir)
    private_dir(data_dir)  # the credential's folder: 0700 from the start
    try:
        if args.rotate:
            if config.central.token:
                print("kiosk enroll: the site file's central.token is used, not an enrolled "
                      "credential: nothing to rotate (remove it and enroll)", file=sys.stderr)
                return 1
            credential = rotate(config.central.url, config.kiosk.id, data_dir,
                                timeout=config.central.timeout_s)
        else:
            credential = enroll(config.central.url, config.kiosk.id, args.token, data_dir,
                                timeout=config.central.timeout_s)
    except KioskError as exc:
        print(f"kiosk enroll: {exc.code.value}: {exc.message}", file=sys.stderr)
        return 1
    expires = f", valid until {credential.expires_at:%Y-%m-%d %H:%M %z}" \
        if credential.expires_at else ""
    print(f"{'rotated the credential of' if args.rotate else 'enrolled'} "
          f"{credential.kiosk_id} (group {credential.group or '-'}) at "
          f"{config.central.url}{expires}")
    return 0


def cmd_technician_pin(_args: argparse.Namespace) -> int:
    """Ask for a new technician PIN twice (not echoed) and print the config line."""
    import getpass

    from kiosk.services.technician import hash_pin

    pin = getpass.getpass("New technician PIN (digits): ")
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        print("kiosk technician-pin: the PIN must be 4 to 12 digits (the screen has a "
              "numeric keypad)", file=sys.stderr)
        return 2
    if getpass.getpass("The same PIN again: ") != pin:
        print("kiosk technician-pin: the two PINs differ; nothing printed", file=sys.stderr)
        return 1
    print("# put this under [technician] in the site file (or push it from central)")
    print(f'pin_hash = "{hash_pin(pin)}"')
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    config = _load(args)
    print(json.dumps(config.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 0


# --- parsing -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--log-format", choices=["text", "json"], default=None,
                        help="log lines on standard error as text or as JSON objects "
                             "(default: the configuration's logging.format)")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--config", action="append", metavar="FILE",
                       help="site config file (repeatable; default $KIOSK_CONFIG or "
                            f"{SITE_CONFIG})")
        return p

    run = with_config(sub.add_parser("run", help="run the kiosk UI"))
    run.add_argument("--headless", action="store_true",
                     help="the UI offscreen, no window (nobody can touch it): services, "
                          "sync, heartbeats and pushed config run as usual")
    run.add_argument("--scale", type=float, default=None,
                     help="window scale of the 1080x1920 screen (default: fit the display)")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="central, simulators and the kiosk on this machine")
    demo.add_argument("--headless", action="store_true",
                      help="drive the UI offscreen through a scripted payment (default "
                           "without a display)")
    demo.add_argument("--out", default="out/demo", help="where screenshots and the receipt go")
    demo.add_argument("--data", default="var/demo", help="the demo's databases (reset each run)")
    demo.add_argument("--lang", default="en",
                      help="walkthrough language: zh-Hans en ja ko fr de es ru")
    demo.add_argument("--scenario", default="bill",
                      choices=["bill", "tax", "stay", "arbitration", "points", "all",
                               "bill-qr"],
                      help="which self-service the headless walkthrough performs (all: every "
                           "one but bill-qr, each into its own folder with its screens and "
                           "slips; bill-qr: two bills paid with QR payment apps)")
    demo.add_argument("--scale", type=float, default=None,
                      help="window scale of the 1080x1920 screen (default: fit the display)")
    demo.set_defaults(func=cmd_demo)

    reprint = with_config(sub.add_parser("reprint", help="print a receipt again"))
    reprint.add_argument("reference", help="the payment reference on the screen or journal")
    reprint.set_defaults(func=cmd_reprint)

    sync = with_config(sub.add_parser("sync", help="deliver the outbox to central now"))
    sync.set_defaults(func=cmd_sync)

    diag = with_config(sub.add_parser("diag", help="device, store and central diagnostics"))
    diag.add_argument("--json", action="store_true", help="machine-readable output")
    diag.add_argument("--test-print", action="store_true",
                      help="also print a test slip (every script, a QR) and report how it went")
    diag.add_argument("--local", action="store_true",
                      help="open the devices from this process even if a kiosk is running")
    diag.set_defaults(func=cmd_diag)

    enroll = with_config(sub.add_parser(
        "enroll", help="enroll this kiosk at central, or rotate its credential"))
    how = enroll.add_mutually_exclusive_group(required=True)
    how.add_argument("--token", help="the one-time token of kiosk-admin enroll")
    how.add_argument("--rotate", action="store_true",
                     help="replace the enrolled credential with a new one now (the kiosk "
                          "also does it by itself at half the credential's lifetime)")
    enroll.set_defaults(func=cmd_enroll)

    pin = sub.add_parser("technician-pin",
                         help="print a technician.pin_hash line for a PIN typed twice")
    pin.set_defaults(func=cmd_technician_pin)

    config = with_config(sub.add_parser("config", help="validate and show the effective config"))
    config.set_defaults(func=cmd_config)

    from kiosk.install import command as install_command

    install_command.configure(sub.add_parser(
        "install", help="lay out this machine as a kiosk: user, site file, data folder, "
                        "systemd units, the X session (docs/deployment.md)"))

    # Everything after the device goes to the simulator's own parser, --help included
    # (`kiosk sim printer --help`); `kiosk sim --help` is this parser's.
    sim = sub.add_parser(
        "sim", help="run a device simulator, or switch a running one's faults",
        add_help=False,
        usage="kiosk sim [-h] {printer,payment,reader,keypad,scanner,qrpay,control} ...",
        description="Device simulators for the bench, tests and the demo "
                    "(docs/hardware/*.md). Each DEVICE takes its own options: "
                    "kiosk sim DEVICE --help.")
    sim.add_argument("-h", "--help", action="help", help="show this help and exit")
    sim.add_argument("device", choices=["printer", "payment", "reader", "keypad", "scanner",
                                           "qrpay", "control"],
                     metavar="DEVICE",
                     help="printer (ESC/POS, TCP or pty), payment (card terminal, pty), "
                          "reader (documents and barcodes, pty), keypad (tactile "
                          "keys, pty), scanner (payment codes, pty), qrpay (Alipay, WeChat "
                          "Pay and UnionPay QR over HTTP), or control HOST:PORT "
                          "to talk to a running simulator's control line")
    sim.add_argument("sim_args", nargs=argparse.REMAINDER, metavar="...",
                     help="the simulator's own options")
    sim.set_defaults(func=cmd_sim)
    return parser


@quiet_when_stdout_closes
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args)
    try:
        code: int = args.func(args)
    except ConfigError as exc:
        print(f"kiosk: configuration error: {exc.file}: {exc.key}: {exc.reason}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
