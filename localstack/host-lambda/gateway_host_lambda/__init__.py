"""
A LocalStack Lambda runtime executor that needs no Docker: each function environment is the Lambda
Runtime Interface Emulator (`aws-lambda-rie`) with the npm runtime interface client (`aws-lambda-ric`)
on the host, running the function's unzipped code as its task root.

Community LocalStack runs Lambda only in Docker (its `docker` executor starts a container whose init talks
back to LocalStack). This plugin replaces that executor; LocalStack still does everything around the
function (the Lambda API, event source mappings, EventBridge targets, Function URLs, logs).

Enable it (localstack/README.md, scripts/localstack-deploy-test.ts):
    PYTHONPATH=<repo>/localstack/host-lambda     # this folder: the package and its entry point metadata
    LAMBDA_RUNTIME_EXECUTOR=host-rie
    GATEWAY_RIE_BIN=~/.cache/metrics-gateway/bin/aws-lambda-rie
    GATEWAY_RIE_NODE=<node 22>                    # the runtime's Node
    GATEWAY_RIE_RIC=<repo>/node_modules/aws-lambda-ric/index.mjs

Differences from Lambda, on purpose: the code runs as the LocalStack user on the host (no sandbox, no
memory limit), architecture is ignored (the bundles are JavaScript), and only Node.js runtimes are handled.
"""

import json
import logging
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException, RuntimeExecutor

LOG = logging.getLogger(__name__)

#: Where Lambda puts the code; environment values under it are rewritten to the unzipped code on the host.
TASK_ROOT = "/var/task"
#: RIE's invocation path (the Invoke API shape, one function per emulator).
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
#: Lambda's longest timeout plus a margin: RIE itself enforces the function's timeout.
MAX_WAIT_SECONDS = 900 + 30
#: No proxies for loopback calls.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _setting(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise LambdaRuntimeException(f"host-rie executor: {name} is not set (see localstack/README.md)")
    return value


def _free_port() -> int:
    """A port the kernel just handed out; the caller retries when it is taken before RIE binds it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int, proc: subprocess.Popen, attempts: int = 200) -> bool:
    for _ in range(attempts):
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _descendants(pid: int) -> list[int]:
    """Every process below pid (Linux /proc; each thread lists the children it started)."""
    out: list[int] = []
    stack = [pid]
    while stack:
        parent = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            out.extend(kids)
            stack.extend(kids)
    return out


def _is_function_error(body: bytes) -> bool:
    """RIE answers a function error with 200 and the runtime's error object (Lambda adds X-Amz-Function-Error)."""
    try:
        doc = json.loads(body)
    except ValueError:
        return False
    return isinstance(doc, dict) and "errorType" in doc and "errorMessage" in doc and set(doc) <= {"errorType", "errorMessage", "trace", "stackTrace"}


class HostRieRuntimeExecutor(RuntimeExecutor):
    """One function environment: an aws-lambda-rie process serving one function."""

    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.log_path: str | None = None

    def start(self, env_vars: dict[str, str]) -> None:
        rie, node, ric = _setting("GATEWAY_RIE_BIN"), _setting("GATEWAY_RIE_NODE"), _setting("GATEWAY_RIE_RIC")
        task_root = str(self.function_version.config.code.get_unzipped_code_location())
        env = {}
        for key, value in env_vars.items():
            value = str(value)
            if value == TASK_ROOT or value.startswith(TASK_ROOT + "/"):
                value = task_root + value[len(TASK_ROOT):]
            env[key] = value
        env.update(LAMBDA_TASK_ROOT=task_root, PATH=os.environ.get("PATH", "/usr/bin:/bin"), HOME=tempfile.gettempdir())
        handler = env.get("_HANDLER") or self.function_version.config.handler
        fd, self.log_path = tempfile.mkstemp(prefix=f"lambda-{self.id}-", suffix=".log")
        os.close(fd)
        for _ in range(5):
            port, api_port = _free_port(), _free_port()
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    [rie, "--runtime-interface-emulator-address", f"127.0.0.1:{port}", "--runtime-api-address", f"127.0.0.1:{api_port}", node, ric, handler],
                    cwd=task_root,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            if _listening(port, self.proc):
                self.port = port
                LOG.debug("host-rie %s: %s on 127.0.0.1:%s (%s)", self.id, self.function_version.qualified_arn, port, task_root)
                return
            self._kill()
        raise LambdaRuntimeException(f"host-rie executor: aws-lambda-rie did not start for {self.function_version.qualified_arn}: {self.get_logs()[-2000:]}")

    def _kill(self) -> None:
        """RIE and the runtime it started (its process tree: they stay in LocalStack's process group, so
        stopping LocalStack's group also stops every function environment)."""
        if not self.proc:
            return
        pids = [self.proc.pid, *_descendants(self.proc.pid)]
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                pass

    def stop(self) -> None:
        self._kill()
        if self.log_path:
            try:
                os.unlink(self.log_path)
            except OSError:
                pass

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        # The functions run on the host: LocalStack is on loopback (AWS_ENDPOINT_URL=http://127.0.0.1:<port>).
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        from localstack import config

        return f"http://127.0.0.1:{config.GATEWAY_LISTEN[0].port}/_localstack_lambda/{self.id}"

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        offset = os.path.getsize(self.log_path) if self.log_path and os.path.exists(self.log_path) else 0
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{INVOKE_PATH}",
            data=payload["payload"].encode("utf-8"),
            method="POST",
            headers={"Content-Type": "application/json", "X-Amzn-RequestId": request_id, "X-Amzn-Trace-Id": payload.get("trace-id", "")},
        )
        try:
            with _OPENER.open(request, timeout=MAX_WAIT_SECONDS) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read()
        is_error = status != 200 or _is_function_error(body)
        if body.startswith(b"Task timed out after"):
            # What Lambda reports for a timeout (RIE answers the bare sentence).
            is_error = True
            body = json.dumps({"errorType": "Sandbox.Timedout", "errorMessage": f"RequestId: {request_id} Error: {body.decode()}"}).encode()
        return InvocationResult(request_id, body, is_error=is_error, logs=self._logs_from(offset))

    def _logs_from(self, offset: int) -> str:
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    def get_logs(self) -> str:
        return self._logs_from(0)

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        missing = [n for n in ("GATEWAY_RIE_BIN", "GATEWAY_RIE_NODE", "GATEWAY_RIE_RIC") if not os.path.exists(os.environ.get(n, ""))]
        if missing:
            LOG.warning("host-rie executor: %s not set or missing (see localstack/README.md)", ", ".join(missing))
            return False
        return True


class HostRieRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = "host-rie"

    def load(self, *args, **kwargs):
        return HostRieRuntimeExecutor
