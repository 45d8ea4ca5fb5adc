# The README's two commands: `make demo` (main job) and `make test` (tests).
# Both run the idempotent set-up first (scripts/setup.sh).
VENV := .venv

.PHONY: demo test setup bench clean

demo: setup
	$(VENV)/bin/promptbot demo

test: setup
	$(VENV)/bin/python -m pytest tests

setup:
	@bash scripts/setup.sh

clean:
	rm -rf build $(VENV)
