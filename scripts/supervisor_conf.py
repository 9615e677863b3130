"""Write supervisord's configuration for one system (to stdout).

One program per process; each command line names its service, so an operator can stop
and restart one alone (`supervisorctl -c $CM_DATA_DIR/supervisord.conf restart notify`).

    python scripts/supervisor_conf.py [--broker-users FILE]

With --broker-users (the passwords scripts/broker_users.py keeps), each program gets its
own CM_AMQP_URI: its own broker user on CM_AMQP_URI's broker and vhost. The file holds
those URIs: scripts/start writes it under the data dir, readable by its owner only.
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PROCESSES = {
    "activities": "-m services.activities",
    "subsidies": "-m services.subsidies",
    "library": "-m services.library",
    "notify": "-m services.notify",
    "gateway": "-m gateway",
}


def _environment(uri):
    if uri is None:
        return ""
    return 'environment=CM_AMQP_URI="%s"\n' % uri.replace("%", "%%").replace('"', '\\"')


def main(argv=()):
    argv = list(argv)
    uris = {}
    if "--broker-users" in argv:
        from scripts import broker_users
        passwords = broker_users.load_passwords(argv[argv.index("--broker-users") + 1])
        uris = broker_users.uris(os.environ.get("CM_AMQP_URI", "amqp://localhost:5672/"),
                                 passwords)
    data_dir = Path(os.environ["CM_DATA_DIR"])
    python = sys.executable
    logs = data_dir / "logs"
    print(f"""[supervisord]
nodaemon=true
silent=true
umask=077
logfile={logs}/supervisord.log
pidfile={data_dir}/supervisord.pid
childlogdir={logs}

[unix_http_server]
file={data_dir}/supervisor.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{data_dir}/supervisor.sock
""")
    for name, args in PROCESSES.items():
        print(f"""[program:{name}]
command={python} {args}
directory={ROOT}
autorestart=true
startsecs=2
startretries=1000
stopsignal=TERM
stopwaitsecs=20
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile={logs}/{name}.log
stdout_logfile_maxbytes=20MB
{_environment(uris.get(name))}""")
    print(f"""[program:demo]
command={python} {ROOT}/scripts/demo.py
directory={ROOT}
autorestart=unexpected
exitcodes=0
startsecs=0
startretries=3
redirect_stderr=true
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
""")


if __name__ == "__main__":
    main(sys.argv[1:])
