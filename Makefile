# The README's two commands: `make demo` (main job) and `make test` (tests).
# Both run the idempotent set-up first (scripts/setup.sh).
# `make test-unit`: the quick tier only (in-process tests, no ROS graph, nothing marked slow;
# tiers in tests/conftest.py), for the edit-test loop.
# `make policy`: the VLA pipeline (data from seeds, training, evaluation, DAgger; resumable):
# docs/policy.md.
VENV := .venv

.PHONY: demo test test-unit policy setup clean

demo: setup
	$(VENV)/bin/promptbot demo

test: setup
	$(VENV)/bin/python -m pytest tests

test-unit: setup
	$(VENV)/bin/python -m pytest tests -m "unit and not slow"

policy: setup
	$(VENV)/bin/promptbot build-policy

setup:
	@bash scripts/setup.sh

clean:
	rm -rf build $(VENV)
