"""`ambient aggregator ...`: run the central aggregator (imports the web stack only on run)."""

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aggregator.config import CentralConfig


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    parser = commands.add_parser(
        "aggregator", help="central aggregator: MQTT ingest, Redis, alerts, nurse-station feed"
    )
    sub = parser.add_subparsers(dest="aggregator_command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run ingest + rules + web feed in one process")
    run.add_argument("--config", type=Path, required=True, help="central.yaml")
    run.set_defaults(handler=_run)
    check = sub.add_parser("check-config", help="validate a central.yaml and print it")
    check.add_argument("--config", type=Path, required=True, help="central.yaml")
    check.set_defaults(handler=_check)
    hashing = sub.add_parser(
        "hash-password",
        help="hash a password for auth.users (read from the terminal or stdin); "
        "--token: make a new API token and its hash for auth.api_tokens",
    )
    hashing.add_argument("--token", action="store_true", help="make an API token instead")
    hashing.set_defaults(handler=_hash_password)
    ca = sub.add_parser("ca", help="the project's own certificate authority")
    ca_sub = ca.add_subparsers(dest="ca_command", required=True, metavar="COMMAND")
    ca_init = ca_sub.add_parser("init", help="make a new CA (and the broker's certificate)")
    ca_init.add_argument("--ca", type=Path, required=True, help="folder for ca.crt and ca.key")
    ca_init.add_argument(
        "--broker-name",
        action="append",
        default=[],
        help="DNS name or IP address of the broker (repeat); writes broker.crt/broker.key",
    )
    ca_init.set_defaults(handler=_ca_init)
    device = sub.add_parser(
        "provision-device",
        help="register a device at its place, issue its broker password (printed once) and, "
        "with --ca, a client certificate; rewrites the broker ACL from the registry",
    )
    device.add_argument("--config", type=Path, required=True, help="central.yaml (registry:)")
    device.add_argument("--agent", required=True, help="agent id: the device's broker user")
    device.add_argument("--site", required=True)
    device.add_argument("--unit", required=True)
    device.add_argument("--room", action="append", required=True, help="repeat for several")
    device.add_argument("--sensor", action="append", default=[], help="repeat for several")
    device.add_argument("--passwd", type=Path, required=True, help="the devices' password file")
    device.add_argument("--acl", type=Path, required=True, help="the broker's ACL file")
    device.add_argument("--ca", type=Path, help="issue a client certificate from this CA")
    device.add_argument("--cert-dir", type=Path, help="where the certificate goes (default .)")
    device.set_defaults(handler=_provision_device)


def _load(path: Path) -> "CentralConfig":
    """central.yaml and, read now so its mistakes are reported here, the device registry."""
    from aggregator.config import load_config
    from aggregator.registry import load_registry

    config = load_config(path)
    if config.registry is not None:
        load_registry(config.registry)
    return config


def _run(args: argparse.Namespace) -> int:
    from aggregator.app import App
    from aggregator.config import ConfigError

    try:
        config = _load(args.config)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return App(config).run()


def _check(args: argparse.Namespace) -> int:
    from aggregator.config import ConfigError

    try:
        config = _load(args.config)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(config.model_dump_json(indent=2))
    return 0


def _hash_password(args: argparse.Namespace) -> int:
    import getpass
    import secrets

    from aggregator.web.auth import hash_password, hash_token

    if args.token:
        token = secrets.token_urlsafe(32)
        print(f"token (give to the client, not stored): {token}")
        print(f"token_hash: {hash_token(token)}")
        return 0
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        print("error: use at least 8 characters", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


def _ca_init(args: argparse.Namespace) -> int:
    from aggregator.provision import ProvisionError
    from aggregator.provision.ca import init_ca, issue

    try:
        print(f"CA certificate (give to every device and the aggregator): {init_ca(args.ca)}")
        if args.broker_name:
            issued = issue(args.ca, "broker", args.ca, server_names=args.broker_name)
            print(f"broker certificate: {issued.cert}, key: {issued.key}")
    except ProvisionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def _provision_device(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from aggregator.config import ConfigError, load_config
    from aggregator.provision import ProvisionError
    from aggregator.provision.device import BrokerFiles, provision_device
    from aggregator.registry import Device

    try:
        config = load_config(args.config)  # the registry may not exist yet: the first device
        if config.registry is None:
            raise ProvisionError(f"{args.config}: no registry: set, devices would not be checked")
        place = Device(site=args.site, unit=args.unit, rooms=args.room, sensors=args.sensor)
        broker = BrokerFiles(
            args.passwd, args.acl, config.mqtt.username or "aggregator", config.mqtt.client_id
        )
        done = provision_device(
            config.registry, args.agent, place, broker, ca_dir=args.ca, cert_dir=args.cert_dir
        )
    except (ConfigError, ProvisionError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ValidationError as e:
        print(f"error: {e.errors()[0]['loc']}: {e.errors()[0]['msg']}", file=sys.stderr)
        return 2
    print(f"registered {done.agent_id} at {args.site}/{args.unit} rooms {', '.join(args.room)}")
    print(f"broker user: {done.agent_id}")
    print(f"broker password (shown once, not stored): {done.password}")
    if done.certificate is not None:
        print(f"client certificate: {done.certificate.cert}, key: {done.certificate.key}")
    print("reload the broker (systemctl reload mosquitto) to apply the password file and ACL;")
    print("a running aggregator reads the changed registry before its next messages")
    return 0
