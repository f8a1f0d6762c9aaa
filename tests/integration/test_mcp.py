# SPDX-License-Identifier: MIT
"""MCP tools (issue 19) against real MCP servers: test servers written on
the reference TypeScript SDK (tests/peers/mcp/server.mjs: McpServer over
StreamableHTTPServerTransport, in JSON and SSE reply modes, stateful and
stateless) and @modelcontextprotocol/server-everything in its streamable
HTTP mode, both installed from npm by tools/mcp-install.sh.  The model is
the fake Ollama, scripted to call a tool and to speak its result."""
import json
import os
import subprocess
import sys
import time
import urllib.request

from common import BUILD, free_port, rig
from rig import Peer
from test_console_roles import MONITOR, User, open_to_group

MODULES = os.path.join(BUILD, "mcp")
SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers",
                      "mcp", "server.mjs")
EVERYTHING = os.path.join(MODULES, "node_modules", "@modelcontextprotocol",
                          "server-everything", "dist", "index.js")


class McpPeer(Peer):
    """A node MCP server (server.mjs, or server-everything) for a rig; its
    log and stop() are a Peer's."""

    def __init__(self, r, *args, port=0, everything=False, tag="mcp"):
        self.log = os.path.join(r.dir, f"{tag}.log")
        self.err = os.path.join(r.dir, f"{tag}.err")
        if not os.path.exists(os.path.join(MODULES, ".done")):
            raise RuntimeError(f"no MCP SDK in {MODULES}: run tools/mcp-install.sh {MODULES}")
        if everything:
            # server-everything dist/transports/streamableHttp.js: PORT,
            # "MCP Streamable HTTP Server listening on port N" on stderr
            self.port = port or free_port()
            cmd = ["node", EVERYTHING, "streamableHttp"]
            env = dict(os.environ, PORT=str(self.port))
        else:
            pf = os.path.join(r.dir, f"{tag}.port")
            cmd = ["node", SERVER, "--modules", MODULES, "--port", str(port),
                   "--port-file", pf, "--log", self.log] + list(args)
            env = None
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                     stderr=open(self.err, "w"))
        deadline = time.monotonic() + 20
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{cmd[1]} did not start: " + open(self.err).read())
            if everything:
                if "listening on port" in open(self.err).read():
                    break
            elif os.path.exists(pf) and os.path.getsize(pf):
                self.port = int(open(pf).read())
                break
            time.sleep(0.05)
        self.name = tag
        r.peers.append(self)

    def url(self):
        return f"http://127.0.0.1:{self.port}/mcp"

    def calls(self, method):
        return [q for q in self.requests() if q.get("method") == method]


def servers_conf(*servers):
    """mcp.servers with one group per (name, url[, extra text])."""
    groups = []
    for s in servers:
        name, url = s[0], s[1]
        extra = s[2] if len(s) > 2 else ""
        groups.append(f'{{ name = "{name}"; url = "{url}"; timeout_ms = 10000; {extra} }}')
    return "mcp = {\n\tservers = (\n\t\t" + ",\n\t\t".join(groups) + "\n\t);\n};\n"


def wait_log(r, text, timeout=30, count=1):
    deadline = time.monotonic() + timeout
    while r.log_text().count(text) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no log line with {text!r}\n" + r.log_text()[-3000:])
        time.sleep(0.02)


def wait_for(what, cond, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


def chats(r):
    return [q["body"] for q in r.ollama.requests() if q["path"] == "/api/chat"]


def offered(body):
    return {t["function"]["name"]: t["function"] for t in body.get("tools", [])}


def tool_messages(body):
    return [m for m in body["messages"] if m.get("role") == "tool"]


def start(r, server_args=(), call=None, answer="Done. {tool}", tag="test", **cfg):
    """An MCP test server, the fake Ollama (calling call = (tool, args)),
    and parleyd with the server as mcp.servers' tag; waits until ready."""
    m = McpPeer(r, *server_args)
    ollama = ["--answer", answer, "--first-token-delay-ms", "0", "--token-rate", "0"]
    if call:
        ollama = ["--tool-call", call[0], json.dumps(call[1])] + ollama
    r.start_ollama(*ollama)
    r.conf_tail = servers_conf((tag, m.url()))
    r.start(["silence:60"], **cfg)
    wait_log(r, f"mcp: {tag}: ready")
    return m


def test_turn_calls_an_mcp_tool_json_stateful():
    with rig() as r:
        m = start(r, ["--json"], call=("test__turn_off", {"name": "kitchen light"}))
        assert r.ctl("ask", "turn off the kitchen light")[0] == 0
        r.wait_turns(1, 30)
        # server.mjs turn_off: "Turned off the ${name}."
        expect = "Turned off the kitchen light."
        assert expect in r.turns()[0]["answer"], r.turns()[0]
        first, second = chats(r)[:2]
        f = offered(first)["test__turn_off"]
        assert f["description"] == "Turns off a light by name"
        assert f["parameters"]["properties"]["name"]["type"] == "string"
        assert "test__broken" in offered(first) and "set_timer" in offered(first)
        assert tool_messages(second)[0]["content"] == expect
        init = m.calls("initialize")[0]
        assert init["params"]["protocolVersion"] == "2025-11-25"
        assert init["session"] == "" and init["version"] == ""
        call = m.calls("tools/call")[0]
        assert call["params"] == {"name": "turn_off", "arguments": {"name": "kitchen light"}}
        # after initialize: the session the server gave, the version, and
        # both reply types accepted (client/streamableHttp.js)
        sessions = {q["session"] for q in m.requests() if q.get("method") and q["method"] != "initialize"}
        assert len(sessions) == 1 and "" not in sessions
        assert call["version"] == "2025-11-25"
        assert "application/json" in call["accept"] and "text/event-stream" in call["accept"]
        assert m.calls("notifications/initialized")


def test_sse_stateless_server_and_no_stream():
    with rig() as r:
        m = start(r, ["--stateless"], call=("test__turn_off", {"name": "porch lamp"}))
        # the SDK's stateless server gives no session and answers GET 405
        assert not [q for q in m.requests() if q.get("get")]
        assert r.ctl("ask", "turn off the porch lamp")[0] == 0
        r.wait_turns(1, 30)
        assert "Turned off the porch lamp." in r.turns()[0]["answer"]
        assert all(q["session"] == "" for q in m.requests() if "method" in q)
        rc, out, _ = r.ctl("mcp")
        assert rc == 0 and "test: ready" in out and "session: none" in out, out


def test_is_error_result_goes_back_to_the_model():
    with rig() as r:
        start(r, ["--json"], call=("test__broken", {}), answer="Sorry, {tool}")
        assert r.ctl("ask", "turn on the bulb")[0] == 0
        r.wait_turns(1, 30)
        t = r.turns()[0]
        # server.mjs broken: isError with "the bulb is unreachable"
        assert "the bulb is unreachable" in t["answer"], t
        assert t["outcome"] == "ok", t
        msg = tool_messages(chats(r)[1])[0]["content"]
        assert msg == "error: the bulb is unreachable", msg


def test_server_down_at_start_and_back_later():
    with rig() as r:
        port = free_port()
        r.start_ollama("--answer", "Fine.", "--first-token-delay-ms", "0", "--token-rate", "0")
        r.conf_tail = servers_conf(("late", f"http://127.0.0.1:{port}/mcp"))
        r.start(["silence:60"])
        wait_log(r, "mcp: late: ")
        wait_log(r, "its tools are left out, next try in")
        assert r.ctl("ask", "hello")[0] == 0
        r.wait_turns(1, 30)
        # the model is not offered tools that cannot run
        assert not [n for n in offered(chats(r)[0]) if n.startswith("late__")]
        rc, out, _ = r.ctl("mcp")
        assert "late: retrying" in out and "last error:" in out, out
        McpPeer(r, port=port, tag="late")
        wait_log(r, "mcp: late: ready", timeout=60)
        assert r.ctl("ask", "hello again")[0] == 0
        r.wait_turns(2, 30)
        assert "late__turn_off" in offered(chats(r)[1])


def test_session_expiry_initialises_again_and_the_call_goes_on():
    with rig() as r:
        m = start(r, [], call=("test__turn_off", {"name": "desk lamp"}))
        old = m.calls("notifications/initialized")[0]["session"]
        urllib.request.urlopen(f"http://127.0.0.1:{m.port}/test/forget", data=b"").read()
        assert r.ctl("ask", "turn off the desk lamp")[0] == 0
        r.wait_turns(1, 30)
        assert "Turned off the desk lamp." in r.turns()[0]["answer"]
        assert "forgot the session; initialising again" in r.log_text()
        inits = m.calls("initialize")
        assert len(inits) == 2
        calls = m.calls("tools/call")
        # the first went with the old session (404), the second with the new
        assert [c["session"] for c in calls][0] == old and calls[-1]["session"] != old


def test_barge_in_cancels_a_slow_call():
    with rig() as r:
        m = start(r, ["--json", "--slow-ms", "20000"], call=("test__slow", {}))
        assert r.ctl("ask", "do the slow thing")[0] == 0
        call = wait_for("the slow call", lambda: m.calls("tools/call"))[0]
        assert r.wait_state("thinking") == "thinking"
        assert r.ctl("button", "press")[0] == 0
        # shared/protocol.js: notifications/cancelled aborts the handler
        cancel = wait_for("notifications/cancelled",
                          lambda: m.calls("notifications/cancelled"))[0]
        assert cancel["params"]["requestId"] == call["id"]
        seen = wait_for("the server's abort", lambda: [q for q in m.requests() if "cancelled" in q])
        assert seen[0]["cancelled"] == call["id"]
        r.ctl("button", "release")
        assert "slow cancelled (the turn was stopped)" in r.log_text()
        assert len(chats(r)) == 1  # no result went to the model


def test_list_changed_refreshes_the_tools():
    with rig() as r:
        m = start(r, [])
        wait_for("the notification stream", lambda: [q for q in m.requests() if q.get("get")])
        rc, out, _ = r.ctl("mcp")
        assert "test__extra" not in out
        rc, out, _ = r.ctl("mcp", "call", "test", "grow", "{}")
        assert rc == 0 and "grown" in out, out
        wait_log(r, "test: its tools changed; listing them again")
        wait_log(r, "mcp: test: ready", count=2)
        rc, out, _ = r.ctl("mcp")
        assert "test__extra" in out and "stream open" in out, out
        assert len(m.calls("tools/list")) == 2


def test_console_mcp_and_call_roles():
    with rig() as r:
        start(r, ["--json"])
        rc, out, _ = r.ctl("mcp")
        assert rc == 0, out
        assert "test: ready, " + f"http://127.0.0.1:" in out
        assert "protocol 2025-11-25, server parley-test 1.0.0" in out
        assert "4 listed, 4 offered: test__turn_off test__broken test__slow test__grow" in out, out
        rc, out, _ = r.ctl("mcp", "call", "test", "turn_off", '{"name":', '"hall', 'lamp"}')
        assert rc == 0 and "Turned off the hall lamp." in out, out
        rc, out, err = r.ctl("mcp", "call", "test", "broken", "{}")
        assert rc != 0 and "the bulb is unreachable" in out, (out, err)
        rc, out, err = r.ctl("mcp", "call", "test", "turn_off", "[1]")
        assert rc != 0 and "not a JSON object" in out + err
        rc, out, err = r.ctl("mcp", "call", "nosuch", "x", "{}")
        assert rc != 0 and "no MCP server nosuch" in out + err
        mon = User(MONITOR, ["parley"])
        open_to_group(r)
        rc, out, _ = mon.ctl(r, "mcp")
        assert rc == 0 and "test: ready" in out, out
        rc, out, err = mon.ctl(r, "mcp", "call", "test", "turn_off", '{"name":"x"}')
        assert rc != 0 and "needs the admin role" in out + err, (out, err)


def test_server_everything():
    with rig() as r:
        ev = McpPeer(r, everything=True, tag="everything")
        r.start_ollama("--answer", "Fine.", "--first-token-delay-ms", "0", "--token-rate", "0")
        r.conf_tail = servers_conf(("every", ev.url(), 'allow = [ "echo", "get-*" ];'))
        r.start(["silence:60"])
        wait_log(r, "mcp: every: ready")
        rc, out, _ = r.ctl("mcp")
        assert "every__echo" in out and "every__get-sum" in out, out
        # allow left the others out
        assert "every__trigger-long-running-operation" not in out
        rc, out, _ = r.ctl("mcp", "call", "every", "echo", '{"message":"over the LAN"}')
        # server-everything tools/echo.js: "Echo: ${message}"
        assert rc == 0 and "Echo: over the LAN" in out, out
        rc, out, _ = r.ctl("mcp", "call", "every", "get-sum", '{"a":2,"b":40}')
        assert rc == 0 and "42" in out, out
        assert r.ctl("ask", "hello")[0] == 0
        r.wait_turns(1, 30)
        assert "every__echo" in offered(chats(r)[0])


def test_config_errors_name_the_key():
    with rig() as r:
        r.conf_tail = ('mcp = {\n servers = (\n  { name = "a b"; url = "ftp://x"; },\n'
                       '  { name = "ok"; url = "http://h/mcp"; token_file = "/t"; timeout_ms = 5; }\n );\n};\n')
        conf = r.write_config()
        lines = open(conf).read().splitlines()
        first = 1 + next(i for i, l in enumerate(lines) if '"a b"' in l)
        second = 1 + next(i for i, l in enumerate(lines) if "timeout_ms = 5" in l)
        p = subprocess.run([r.parleyd, "-t", "-c", conf], capture_output=True, text=True)
        out = p.stdout + p.stderr
        assert p.returncode != 0
        assert f"{conf}:{first}: mcp.servers[0].name = \"a b\": only letters" in out, out
        assert f"{conf}:{first}: mcp.servers[0].url = \"ftp://x\"" in out, out
        assert f"{conf}:{second}: mcp.servers[1].timeout_ms = 5: must be from 1000" in out, out
        r.conf_tail = 'mcp = { servers = ( { name = "h"; url = "http://h/mcp"; token_file = "/t"; } ); };\n'
        conf = r.write_config()
        p = subprocess.run([r.parleyd, "-t", "-c", conf], capture_output=True, text=True)
        assert "would go as plain http" in p.stdout + p.stderr


def test_call_timeout_cancels_and_the_turn_goes_on():
    with rig() as r:
        m = McpPeer(r, "--json", "--slow-ms", "30000")
        r.start_ollama("--tool-call", "test__slow", "{}", "--answer", "Sorry, {tool}",
                       "--first-token-delay-ms", "0", "--token-rate", "0")
        r.conf_tail = servers_conf(("test", m.url())).replace("timeout_ms = 10000", "timeout_ms = 1000")
        r.start(["silence:60"])
        wait_log(r, "mcp: test: ready")
        assert r.ctl("ask", "do the slow thing")[0] == 0
        r.wait_turns(1, 30)
        msg = tool_messages(chats(r)[1])[0]["content"]
        assert msg == "error: slow did not answer within 1000 ms", msg
        assert msg in r.turns()[0]["answer"]
        call = m.calls("tools/call")[0]
        cancel = wait_for("notifications/cancelled", lambda: m.calls("notifications/cancelled"))[0]
        assert cancel["params"] == {"requestId": call["id"], "reason": "timed out"}


def test_token_goes_to_its_server_only_and_is_not_logged():
    secret = "mcp-secret-" + os.urandom(6).hex()
    with rig() as r:
        good = McpPeer(r, "--json", "--token", secret, tag="good")
        bad = McpPeer(r, "--json", "--token", "another", tag="bad")
        tok = os.path.join(r.dir, "mcp.token")
        with open(tok, "w") as f:
            f.write(secret + "\n")
        os.chmod(tok, 0o600)
        r.start_ollama("--answer", "Fine.", "--first-token-delay-ms", "0", "--token-rate", "0")
        extra = f'token_file = "{tok}"; allow_insecure_token = true;'
        missing = f'token_file = "{r.dir}/none"; allow_insecure_token = true;'
        r.conf_tail = servers_conf(("good", good.url(), extra), ("bad", bad.url(), extra),
                                   ("notoken", bad.url(), missing))
        r.start(["silence:60"])
        wait_log(r, "mcp: good: ready")
        wait_log(r, "mcp: bad: initialize: HTTP 401")
        assert all(q["auth"] == "bearer" for q in good.requests() if "method" in q)
        assert [q for q in bad.requests() if q.get("unauthorized") == "wrong"]
        rc, out, _ = r.ctl("mcp")
        assert "bad: retrying" in out and "last error: initialize: HTTP 401" in out, out
        # a token that cannot be read leaves its server out, the rest run
        assert "notoken: failed" in out and "none': No such file or directory" in out, out
        assert secret not in r.log_text() and secret not in out


def test_reload_lists_the_tools_again():
    with rig() as r:
        m = start(r, ["--json"])
        assert len(m.calls("tools/list")) == 1
        r.reload()
        wait_log(r, "mcp: test: ready", count=2)
        assert len(m.calls("tools/list")) == 2
        assert len(m.calls("initialize")) == 1  # the session stays
        # a changed server starts again; its allow list now holds one tool
        r.conf_tail = servers_conf(("test", m.url(), 'allow = [ "turn_*" ];'))
        r.reload()
        wait_log(r, "mcp: test: changed; starting again")
        wait_log(r, "mcp: test: ready", count=3)
        assert len(m.calls("initialize")) == 2
        rc, out, _ = r.ctl("mcp")
        assert "1 listed, 1 offered: test__turn_off" in out, out


def test_tools_past_the_limits_are_left_out_with_a_log_line():
    with rig() as r:
        start(r, ["--json", "--many", "80"])
        log = r.log_text()
        # 4 tools of its own and 80 more: 64 fit the table (MCP_TOOLS_MAX)
        assert "test: 20 tools left out: more than 64 MCP tools (MCP_TOOLS_MAX)" in log, log[-2000:]
        assert "left out: the MCP tools' schemas would pass 16384 bytes (MCP_SCHEMAS_BUDGET)" in log
        rc, out, _ = r.ctl("mcp")
        listed = int(out.split("tools: ")[1].split(" listed")[0])
        offered_n = int(out.split("listed, ")[1].split(" offered")[0])
        assert listed == 64 and 0 < offered_n < listed, out
        assert r.ctl("ask", "hello")[0] == 0
        r.wait_turns(1, 30)
        body = chats(r)[0]
        names = [n for n in offered(body) if n.startswith("test__")]
        assert len(names) == offered_n
        size = sum(len(json.dumps(offered(body)[n])) for n in names)
        assert size <= 16384, size


def test_tools_list_pages_are_followed():
    with rig() as r:
        m = start(r, ["--json", "--page", "3"])
        lists = m.calls("tools/list")
        # server.mjs --page 3: 4 tools in two pages, the cursor "3"
        assert len(lists) == 2, lists
        assert not (lists[0].get("params") or {}).get("cursor")
        assert lists[1]["params"]["cursor"] == "3"
        rc, out, _ = r.ctl("mcp")
        assert "4 listed, 4 offered" in out, out


def test_a_server_that_loses_every_session_is_backed_off():
    with rig() as r:
        m = McpPeer(r, "--json", "--lose-sessions")
        r.start_ollama("--answer", "Fine.", "--first-token-delay-ms", "0", "--token-rate", "0")
        r.conf_tail = servers_conf(("test", m.url()))
        r.start(["silence:60"])
        wait_log(r, "test: the server forgets each new session (HTTP 404); its tools are left out, next try in 500 ms")
        # one new session, then the back-off: no loop of initialize
        log = r.log_text()
        before = log[:log.index("the server forgets each new session")]
        assert before.count("forgot the session; initialising again") == 1, log[-2000:]
        assert len(m.calls("initialize")) >= 2
        assert "test: ready" not in log


def test_openai_backend_offers_and_calls_mcp_tools():
    with rig() as r:
        m = start(r, [], call=("test__turn_off", {"name": "garden light"}),
                  llm__backend="openai")
        assert r.ctl("ask", "turn off the garden light")[0] == 0
        r.wait_turns(1, 30)
        assert "Turned off the garden light." in r.turns()[0]["answer"]
        bodies = [q["body"] for q in r.ollama.requests() if q["path"] == "/v1/chat/completions"]
        f = offered(bodies[0])["test__turn_off"]
        assert f["parameters"]["required"] == ["name"]
        # the OpenAI form: the result named by its call's id
        tool = tool_messages(bodies[1])[0]
        assert tool["content"] == "Turned off the garden light." and tool["tool_call_id"]
        assert m.calls("tools/call")[0]["params"]["arguments"] == {"name": "garden light"}
