"""CPU seconds spent by each process during a phase, read from /proc (Linux only).

Used by the pipeline benchmark to show where an approval's cost goes: the figures are
CPU milliseconds per approval per process ("all" sums them; "rest_of_machine" is what
every other process spent meanwhile), and the machine's busy share over the phase.
"""
import os
import subprocess

TICK = os.sysconf("SC_CLK_TCK")


def process_seconds(pid):
    """utime + stime of one process, in seconds (0.0 if it has gone)."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_ticks():
    """(busy, total) jiffies of the whole machine since boot."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def broker_pid():
    found = subprocess.run(["pgrep", "-f", "beam.smp"], capture_output=True, text=True).stdout
    return int(found.split()[0]) if found.strip() else None


class CpuMeter:
    """Snapshot at start; `figures(count)` gives CPU ms per item per process, and busy share."""

    def __init__(self, pids):
        self.pids = {name: pid for name, pid in pids.items() if pid}
        self.start = {name: process_seconds(pid) for name, pid in self.pids.items()}
        self.machine = machine_ticks()

    def figures(self, count):
        spent = {name: process_seconds(pid) - self.start[name] for name, pid in self.pids.items()}
        busy, total = (now - then for now, then in zip(machine_ticks(), self.machine))
        per_item = {name: round(seconds * 1000.0 / count, 2) for name, seconds in spent.items()}
        per_item["all"] = round(sum(spent.values()) * 1000.0 / count, 2)
        # everything else that ran meanwhile: the PostgreSQL server, when it is in use
        rest = busy / float(TICK) - sum(spent.values())
        per_item["rest_of_machine"] = round(rest * 1000.0 / count, 2)
        return {"cpu_ms_per_item": per_item, "machine_busy": round(busy / float(total), 3)}
