#!/usr/bin/env python3
"""Replays one recorded slotlab iteration against the same QEMU, with python3's
standard library only. Run through reproduce.sh; see README beside it.

Exit status: 0 the guest survived, 1 the guest was lost (run state left
running for good, QEMU's KVM internal-error report, a guest reset or crash, or
QEMU stopped answering), 2 QEMU could not be started.
"""
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import time

SURVIVED, LOST, NO_START = 0, 1, 2
LOST_STATES = {"internal-error", "guest-panicked", "shutdown", "io-error", "watchdog"}
REPLY_TIMEOUT_S = 30.0


class GuestLost(Exception):
    pass


class NoStart(Exception):
    pass


class Session:
    """One QMP session to QEMU's socket; notices a lost guest in every message it reads."""

    def __init__(self, path, proc, deadline):
        self.proc = proc
        self.buffer = b""
        self.lost = None
        self.private_id = 0
        while True:
            if proc.poll() is not None:
                raise NoStart("QEMU exited (status %s) before its QMP socket came up" % proc.returncode)
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise NoStart("no QMP socket at %s after 20 s" % path)
                time.sleep(0.02)
        greeting = self.read(deadline - time.monotonic())
        if greeting is None or "QMP" not in greeting:
            raise NoStart("QEMU's QMP greeting did not arrive")

    def send(self, message):
        self.sock.sendall((json.dumps(message) + "\n").encode())

    def read(self, timeout):
        """The next message, or None when nothing came within `timeout` seconds."""
        end = time.monotonic() + max(timeout, 0)
        while b"\n" not in self.buffer:
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                raise GuestLost(self.lost or "QEMU closed its QMP socket (it exited)")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        if not line.strip():
            return self.read(end - time.monotonic())
        message = json.loads(line)
        self.watch(message)
        return message

    def watch(self, message):
        event = message.get("event")
        if event == "SHUTDOWN":
            reason = message.get("data", {}).get("reason", "")
            if reason not in ("host-qmp-quit", "host-signal"):
                self.lost = "QEMU shut the guest down: %s" % reason
        elif event in ("GUEST_PANICKED", "GUEST_CRASHLOADED"):
            self.lost = "the guest panicked"
        elif event == "STOP":
            self.check_status = True

    def execute(self, command, arguments=None, oob=False, ident=None):
        """Sends a command and waits for its reply; events read meanwhile are watched."""
        if ident is None:
            self.private_id += 1
            ident = "repro-%d" % self.private_id
        message = {"exec-oob" if oob else "execute": command, "id": ident}
        if arguments is not None:
            message["arguments"] = arguments
        self.send(message)
        end = time.monotonic() + REPLY_TIMEOUT_S
        while True:
            reply = self.read(end - time.monotonic())
            if reply is None:
                raise GuestLost("QEMU did not answer '%s' within %d s" % (command, REPLY_TIMEOUT_S))
            if reply.get("id") == ident:
                return reply


def stderr_report(path="qemu-output.log"):
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode(errors="replace")
    except OSError:
        return None
    index = text.find("KVM internal error")
    if index < 0:
        index = text.find("without a memory slot")
    return text[index:index + 600] if index >= 0 else None


def check_lost(session, after_command):
    report = stderr_report()
    if report:
        raise GuestLost("QEMU reported:\n" + report)
    if session.lost:
        raise GuestLost(session.lost)
    if getattr(session, "check_status", False) and after_command not in ("stop", "migrate", "quit"):
        session.check_status = False
        status = session.execute("query-status").get("return", {}).get("status")
        if status in LOST_STATES:
            raise GuestLost("the run state is %s" % status)


def sections(entries):
    """(before the mutations, the mutations, after them): lists of command entries and the marks' times."""
    parts = [[], [], []]
    marks = [None, None]
    part = 0
    for entry in entries:
        if entry["kind"] == "mark":
            if entry["label"] == "mutations start":
                part, marks[0] = 1, entry["t"]
            elif entry["label"] == "mutations end":
                part, marks[1] = 2, entry["t"]
        elif entry["kind"] == "command":
            parts[part].append(entry)
    return parts, marks


def replay(session, started, commands, origin, base):
    """Sends each command at base + (its recorded time - origin), in order."""
    for entry in commands:
        wait = base + (entry["t"] - origin) / 1000.0 - time.monotonic()
        if wait > 0:
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                session.read(deadline - time.monotonic())
                check_lost(session, None)
        command = entry["command"]
        reply = session.execute(command, entry.get("arguments"), entry.get("oob", False))
        # A restored guest: cont may come a little early if loading the state took longer here.
        tries = 0
        while command == "cont" and "error" in reply and tries < 100:
            time.sleep(0.05)
            tries += 1
            reply = session.execute(command, entry.get("arguments"))
        check_lost(session, command)
        if command == "quit":
            return True
    return False


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    os.chdir(here)
    once = "--once" in argv
    with open("qemu.json") as handle:
        spec = json.load(handle)
    with open("transcript.jsonl") as handle:
        lines = [json.loads(line) for line in handle if line.strip()]
    header, entries = lines[0], lines[1:]
    if header.get("dropped"):
        print("note: the transcript left out %d exchanges in the middle of the iteration; they are not replayed" % header["dropped"])
    shutil.rmtree("work", ignore_errors=True)
    os.makedirs("work/states")
    binary = spec["binary"]
    if not os.access(binary, os.X_OK):
        print("cannot start QEMU: %s is not an executable here (%s)" % (binary, spec["version"]))
        return NO_START
    env = dict(os.environ)
    env.update(spec["env"])
    (before, mutations, after), marks = sections(entries)
    rounds = 1
    if not once and spec["outcome"] == "guest-lost" and marks[0] is not None:
        rounds = min(10000, max(1, math.ceil(spec["mutationLimit"] / max(1, spec["mutationsAttempted"]))))
    print("%s, %s iteration %d (%s in the run): replaying %d commands, then the %d of the mutation phase %s" % (
        spec["build"], spec["suite"], spec["iteration"], spec["outcome"], len(before), len(mutations),
        "once" if rounds == 1 else "up to %d times (the suite's %d mutations)" % (rounds, spec["mutationLimit"])))
    with open("qemu-output.log", "wb") as output:
        started = time.monotonic()
        try:
            proc = subprocess.Popen([binary] + spec["args"], env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
        except OSError as error:
            print("cannot start QEMU: %s" % error)
            return NO_START
        try:
            try:
                session = Session(spec["qmpSocket"], proc, started + 20)
            except NoStart as error:
                print("cannot start QEMU: %s; its output is in %s/qemu-output.log" % (error, here))
                return NO_START
            try:
                quit_sent = replay(session, started, before, 0, started)
                if mutations and not quit_sent:
                    for _ in range(rounds):
                        base = time.monotonic()
                        replay(session, started, mutations, marks[0], base)
                if not quit_sent:
                    quit_sent = replay(session, started, after, marks[1] if marks[1] is not None else 0, time.monotonic())
                if not quit_sent:
                    session.execute("quit")
                proc.wait(timeout=10)
                report = stderr_report()
                if report or session.lost:
                    raise GuestLost(session.lost or ("QEMU reported:\n" + report))
            except GuestLost as lost:
                print("LOST: %s" % lost)
                return LOST
            print("SURVIVED: the guest ran through every replayed command")
            return SURVIVED
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
