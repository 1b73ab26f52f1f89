# SPDX-License-Identifier: MIT
"""The README's "Using curl (JSON)" examples, run as written against a test
daemon: every `curl` command line of the section's ```sh / ```console
blocks, with the test daemon's port and password put in for the README's
127.0.0.1:1337 and admin:PASSWORD. Each must answer 2xx with JSON, and the
smart search for 10.0.0.0/8 must find the prefix added before."""
import json
import os
import re
import subprocess
import unittest

import harness
from harness import AUTH, PASSWORD, Daemon, Database

README = os.path.join(harness.ROOT, "README.md")
SECTION = "Using curl (JSON)"
SEARCH_EXAMPLE = "curl -u admin:PASSWORD 'http://127.0.0.1:1337/api/v1/prefixes?q=10.0.0.0/8'"


def section_text(markdown, title):
    """The body of the section headed `title`, up to the next heading of the same or a
    higher level ('#' lines inside code blocks are not headings)."""
    lines = markdown.splitlines()
    fenced = [False] * len(lines)
    inside = False
    for i, line in enumerate(lines):
        if line.startswith("```"):
            inside = not inside
        else:
            fenced[i] = inside
    for i, line in enumerate(lines):
        m = re.match(r"^(#+)\s+(.*?)\s*$", line)
        if m and not fenced[i] and m.group(2) == title:
            level = len(m.group(1))
            body = []
            for k in range(i + 1, len(lines)):
                h = re.match(r"^(#+)\s", lines[k])
                if h and not fenced[k] and len(h.group(1)) <= level:
                    break
                body.append(lines[k])
            return "\n".join(body)
    raise AssertionError(f"README.md has no section {title!r}")


def curl_commands(section):
    """Every curl command of the section's sh/console code blocks, continuation lines
    joined ("$ " prompts dropped)."""
    commands = []
    for block in re.findall(r"^```(?:sh|console)[ \t]*\n(.*?)^```", section, re.M | re.S):
        pending = None
        for line in block.splitlines():
            if pending is None:
                stripped = line[2:] if line.startswith("$ ") else line
                if not stripped.startswith("curl "):
                    continue
                pending = stripped
            else:
                pending += "\n" + line
            if pending.endswith("\\"):
                continue
            commands.append(pending)
            pending = None
        if pending is not None:
            commands.append(pending)
    return commands


class ReadmeCurl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("readme_curl")
        cls.db.add_user("admin", PASSWORD, "--full-name", "prefixd administrator")
        cls.daemon = Daemon(cls.db, workers=1).start()
        with open(README, encoding="utf-8") as f:
            cls.section = section_text(f.read(), SECTION)
        cls.commands = curl_commands(cls.section)

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()

    def localise(self, command):
        """The command aimed at the test daemon; fails if it would reach anything else."""
        self.assertIn("127.0.0.1:1337", command)
        local = command.replace("127.0.0.1:1337", f"127.0.0.1:{self.daemon.port}")
        local = local.replace("admin:PASSWORD", f"admin:{PASSWORD}")
        self.assertNotIn("PASSWORD", local, "an example uses credentials other than admin:PASSWORD")
        # Status code on a line of its own after the body.
        return local.replace("curl ", "curl -sS -w '\\n%{http_code}' ", 1)

    def run_example(self, command):
        r = subprocess.run(["bash", "-c", self.localise(command)], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, f"{command}\n{r.stderr}")
        body, _, status = r.stdout.rpartition("\n")
        self.assertTrue(status.isdigit() and 200 <= int(status) < 300,
                        f"{command}\nHTTP {status}: {body}")
        try:
            return json.loads(body)
        except ValueError:
            self.fail(f"{command}\nanswered no JSON: {body[:500]!r}")

    def test_examples_are_there(self):
        self.assertIn(SEARCH_EXAMPLE, self.section)
        self.assertIn(SEARCH_EXAMPLE, self.commands)
        self.assertGreaterEqual(len(self.commands), 3)

    def test_every_example_answers_json(self):
        # Something for the searches to find, added before the examples run.
        self.daemon.proxy(user="admin").add_prefix(
            {"auth": AUTH, "attr": {"prefix": "10.20.0.0/16", "type": "reservation",
                                    "description": "added by the test"}})
        ran_search = False
        for command in self.commands:
            with self.subTest(command=command):
                answer = self.run_example(command)
                if command == SEARCH_EXAMPLE:
                    ran_search = True
                    found = [p["prefix"] for p in answer["result"]]
                    self.assertIn("10.20.0.0/16", found)
                    self.assertTrue(all(re.match(r"^10\.", p) for p in found), found)
        self.assertTrue(ran_search)


class Extraction(unittest.TestCase):
    """The extractor itself, on a made-up section."""

    def test_blocks_prompts_and_continuations(self):
        text = ("# T\n## Using curl (JSON)\n```sh\n# comment\ncurl -u a:b \\\n  http://x/1\n"
                "echo no\ncurl 'http://x/2'\n```\n\n```console\n$ curl http://x/3\n{}\n```\n"
                "```python\ncurl http://x/4\n```\n## Next\n```sh\ncurl http://x/5\n```\n")
        self.assertEqual(curl_commands(section_text(text, "Using curl (JSON)")),
                         ["curl -u a:b \\\n  http://x/1", "curl 'http://x/2'", "curl http://x/3"])


if __name__ == "__main__":
    harness.main()
