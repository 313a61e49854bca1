"""Record the replay tests' cassettes against the sandbox (run by hand after an API change).

.venv/bin/python connectors/24sevenoffice/tests/record_cassettes.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from flowhub_24sevenoffice.oauth import clear_token_cache
from flowhub_24sevenoffice.sandbox import create_app
from test_cassettes import PORT, SCENARIOS, cassette, replay_settings

from flowhub.sandboxes import serve


def main() -> None:
    for name, scenario in SCENARIOS.items():
        clear_token_cache()
        with serve(create_app(), port=PORT), cassette(name, record=True):
            scenario(replay_settings())
        print(f"recorded {name}")


if __name__ == "__main__":
    main()
